import { transaction, type Db, type Tx } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import { findEvent } from '../../../db/queries/events.js';
import * as items from '../../../db/queries/items.js';
import * as reference from '../../../db/queries/reference.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { hasProblems, type Problems } from '../reference/problems.js';
import type { Item, ItemType } from './types.js';
import { validateItem, type ItemDraft, type ItemVocabulary } from './validate.js';

export type { ItemInput } from '../../../db/queries/items.js';
export * from './types.js';
export * from './validate.js';

/** The most items one page holds. */
export const ITEM_PAGE_LIMIT = 200;

export type ItemSaved = { kind: 'saved'; item: Item } | { kind: 'invalid'; errors: Problems };

/** A change of some of an item's properties; what is not given stays. */
export type ItemPatch = Partial<ItemDraft>;

export interface ItemPage {
  items: Item[];
  /** The id to pass as `after` for the following page; null on the last page. */
  next: number | null;
}

/** The item library: items saved once, picked into several editions, edited in one place. */
export class ItemService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  find(id: number): Item | undefined {
    return items.findItem(id, this.db);
  }

  /** Newest first; `after` is the `next` of the previous page. */
  list(options: { type?: ItemType; after?: number; limit?: number } = {}): ItemPage {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), ITEM_PAGE_LIMIT);
    const rows = items.listItems(
      { type: options.type, beforeId: options.after, limit: limit + 1 },
      this.db,
    );
    const page = rows.slice(0, limit);
    return { items: page, next: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  create(draft: ItemDraft, actor: Actor): ItemSaved {
    return transaction(this.db, (tx) => {
      const { input, errors } = validateItem(draft, this.vocabulary(tx));
      if (hasProblems(errors)) return { kind: 'invalid', errors };
      const item = items.createItem(input, actor.kind === 'user' ? actor.userId : null, tx);
      recordAction(auditWho(actor), 'create', 'item', item.id, { ...input }, tx);
      return { kind: 'saved', item };
    });
  }

  /** Only the given properties change; the whole item is checked again. */
  update(id: number, patch: ItemPatch, actor: Actor): ItemSaved | { kind: 'missing' } {
    return transaction(this.db, (tx) => {
      const current = items.findItem(id, tx);
      if (!current) return { kind: 'missing' as const };
      const draft: ItemDraft = {
        type: current.type,
        title: current.title,
        description: current.description,
        regions: current.regions,
        roles: current.roles,
        fields: current.fields,
        translations: current.translations,
      };
      for (const [key, value] of Object.entries(patch))
        if (value !== undefined) Object.assign(draft, { [key]: value });
      const { input, errors } = validateItem(draft, this.vocabulary(tx, current));
      if (hasProblems(errors)) return { kind: 'invalid' as const, errors };
      items.updateItem(id, input, tx);
      const changed = Object.keys(patch).filter((k) => patch[k as keyof ItemPatch] !== undefined);
      recordAction(auditWho(actor), 'update', 'item', id, { changed, ...input }, tx);
      return { kind: 'saved' as const, item: items.findItem(id, tx)! };
    });
  }

  /** Soft delete: the item leaves the library; editions that used it can still name it. */
  delete(id: number, actor: Actor): boolean {
    return transaction(this.db, (tx) => {
      const item = items.findItem(id, tx);
      if (!item || !items.deleteItem(id, tx)) return false;
      recordAction(
        auditWho(actor),
        'delete',
        'item',
        id,
        { type: item.type, title: item.title },
        tx,
      );
      return true;
    });
  }

  /**
   * The active regions and roles; an item being changed may keep the keys it already has
   * (a region switched off later does not block editing it).
   */
  private vocabulary(tx: Tx, current?: Item): ItemVocabulary {
    return {
      regions: new Set([
        ...reference.listRegions(tx).map((r) => r.key),
        ...(current?.regions ?? []),
      ]),
      roles: new Set([...reference.listRoles(tx).map((r) => r.key), ...(current?.roles ?? [])]),
      eventExists: (id) => !!findEvent(id, tx),
    };
  }
}
