import { transaction, type Db, type Tx } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as lists from '../../../db/queries/lists.js';
import * as reference from '../../../db/queries/reference.js';
import type { List, ListInput, ListWithCount } from '../../../db/queries/lists.js';
import { isLanguage } from '../../i18n/index.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { isPlainText } from '../plain-text.js';
import { hasProblems, type Problems } from './problems.js';

export type { List, ListInput, ListWithCount } from '../../../db/queries/lists.js';

/** The limits of a list's fields: the validator checks them, the API's schema states them. */
export const listLimits = { name: 100, description: 500, defaultLanguage: 10 } as const;

/** A list as a form or an API body gives it: not yet trimmed or checked. */
export interface ListDraft {
  name: string;
  description: string;
  isPublic: boolean;
  doubleOptIn: boolean;
  defaultLanguage: string;
}

/** The one check of a list's fields (the name's uniqueness needs the database: see save). */
export function validateList(draft: ListDraft): { input: ListInput; errors: Problems } {
  const input: ListInput = {
    name: draft.name.trim(),
    description: draft.description.trim().replace(/\r\n/g, '\n'),
    isPublic: draft.isPublic,
    doubleOptIn: draft.doubleOptIn,
    defaultLanguage: draft.defaultLanguage || 'de',
  };
  const errors: Problems = {};
  if (!input.name || !isPlainText(input.name, listLimits.name)) errors.name = 'lists.errors.name';
  if (input.description.length > listLimits.description || /[<>]/.test(input.description))
    errors.description = 'lists.errors.description';
  if (!isLanguage(input.defaultLanguage)) {
    errors.defaultLanguage = 'lists.errors.language';
    input.defaultLanguage = 'de';
  }
  return { input, errors };
}

/**
 * `conflict`: only the name is wrong, because another list has it. `invalid`: anything else
 * (then a taken name is among the problems too).
 */
export type ListSaved =
  | { kind: 'saved'; list: ListWithCount }
  | { kind: 'invalid'; input: ListInput; errors: Problems }
  | { kind: 'conflict'; input: ListInput; errors: Problems };

export type ListDeleted =
  | { kind: 'deleted' }
  | { kind: 'blocked'; reason: 'subscribers' | 'segments' | 'last'; list: ListWithCount }
  | { kind: 'missing' };

/** Lists people subscribe to: a key made once from the name, then names and settings change. */
export class ListService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  /** Every list with the number of people on it, oldest first. */
  all(): ListWithCount[] {
    return lists.listLists(this.db);
  }

  find(id: number): ListWithCount | undefined {
    return lists.findList(id, this.db);
  }

  create(draft: ListDraft, actor: Actor): ListSaved {
    return transaction(this.db, (tx) => {
      const checked = this.check(draft, undefined, tx);
      if (checked.kind !== 'ok') return checked;
      const { input } = checked;
      const created = lists.createList(input, tx);
      recordAction(
        auditWho(actor),
        'create',
        'list',
        created.id,
        { ...input, key: created.key },
        tx,
      );
      return { kind: 'saved', list: lists.findList(created.id, tx)! };
    });
  }

  /** The key never changes: links and imports may name it. */
  update(id: number, draft: ListDraft, actor: Actor): ListSaved | { kind: 'missing' } {
    return transaction(this.db, (tx) => {
      if (!lists.findList(id, tx)) return { kind: 'missing' as const };
      const checked = this.check(draft, id, tx);
      if (checked.kind !== 'ok') return checked;
      const { input } = checked;
      lists.updateList(id, input, tx);
      recordAction(auditWho(actor), 'update', 'list', id, { ...input }, tx);
      return { kind: 'saved', list: lists.findList(id, tx)! };
    });
  }

  /**
   * Delete a list nobody is on. Refused while people are on it, while a segment names it, or
   * when it is the last list (sign-ups need one). Former subscriptions go with it; the consent
   * log keeps the list id.
   */
  delete(id: number, actor: Actor): ListDeleted {
    return transaction(this.db, (tx) => {
      const list = lists.findList(id, tx);
      if (!list) return { kind: 'missing' };
      const reason =
        list.subscriberCount > 0
          ? 'subscribers'
          : lists.segmentsUsingList(id, tx).length
            ? 'segments'
            : lists.countLists(tx) <= 1
              ? 'last'
              : null;
      if (reason) return { kind: 'blocked', reason, list };
      lists.deleteList(id, tx);
      recordAction(auditWho(actor), 'delete', 'list', id, { name: list.name, key: list.key }, tx);
      return { kind: 'deleted' };
    });
  }

  /** The list a sign-up lands on when the form offers no choice: the oldest public list. */
  defaultList(): List {
    return reference.defaultList(this.db);
  }

  /** The lists the public sign-up form offers as a choice (none when there is only one). */
  publicChoices() {
    return lists.publicListChoices(this.db);
  }

  /** The posted `lists` values that name a public list (private or unknown ids are dropped). */
  chosenPublicIds(values: string[]): number[] {
    return lists.chosenPublicListIds(values, this.db);
  }

  private check(
    draft: ListDraft,
    exceptId: number | undefined,
    tx: Tx,
  ): { kind: 'ok'; input: ListInput } | Exclude<ListSaved, { kind: 'saved' }> {
    const { input, errors } = validateList(draft);
    const invalid = hasProblems(errors);
    if (!errors.name && lists.listNameTaken(input.name, tx, exceptId))
      errors.name = 'lists.errors.nameTaken';
    if (invalid) return { kind: 'invalid', input, errors };
    if (hasProblems(errors)) return { kind: 'conflict', input, errors };
    return { kind: 'ok', input };
  }
}
