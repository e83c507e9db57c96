import type { Db, Tx } from '../../../db/client.js';
import { transaction } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as admin from '../../../db/queries/subscriber-admin.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import type { RequestMeta, SubscriberWithProfile } from '../../../db/queries/subscribers.js';
import * as reference from '../../../db/queries/reference.js';
import type { Secrets } from '../../infra/security.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { isPlainText } from '../plain-text.js';
import type { Source } from '../sources/index.js';
import { defaultLanguageFor, profileChoices } from './choices.js';
import {
  normaliseEmail,
  validateProfile,
  type FieldProblems,
  type ProfileCheck,
  type ProfileChoices,
  type ProfileField,
  type ProfileInput,
} from './profile.js';
import type { SignUpOutcome, SignUpService } from './signup.js';

/** Who acts (audit log) and with which client (consent log). */
export interface Origin {
  actor: Actor;
  userAgent?: string | null;
}

export interface AddInput extends ProfileInput {
  /** `mail`: a confirmation mail (double opt-in); `paper`: consent given at an event. */
  consent: { mode: string; event?: string; eventDate?: string };
  /** Where the sign-up came from; kept with a confirmation mail only (see `sources`). */
  source?: Source;
}

export type AddField = ProfileField | 'method' | 'event' | 'eventDate';

export type AddResult =
  | { kind: 'created'; subscriber: SubscriberWithProfile; outcome?: SignUpOutcome }
  | { kind: 'invalid'; errors: FieldProblems<AddField>; check: ProfileCheck; existingId?: number }
  | { kind: 'conflict'; check: ProfileCheck; existingId: number };

export interface UpdateInput extends Omit<ProfileInput, 'email'> {
  status?: 'blocked';
}

export type UpdateResult =
  | { kind: 'updated'; subscriber: SubscriberWithProfile }
  | { kind: 'invalid'; errors: FieldProblems<ProfileField>; check: ProfileCheck }
  | { kind: 'not-found' };

/** The admin forms offer lists and want at least one; the API may leave them out. */
export interface ListRule {
  listsRequired?: boolean;
}

/**
 * What editors do with subscribers, in the admin UI and through the API alike: add (with a
 * confirmation mail or paper consent), change profile and lists, block, unsubscribe, erase.
 * Each change is one transaction with its consent record and its audit entry.
 */
export class SubscriberManagement {
  private readonly db: Db;
  private readonly secrets: Secrets;

  constructor(
    ctx: ServiceContext,
    private readonly signups: SignUpService,
  ) {
    this.db = ctx.db;
    this.secrets = ctx.secrets;
  }

  /** Every list (public or not), for the admin's filters and forms. */
  allLists() {
    return admin.allLists(this.db);
  }

  /** What the add form starts with: the first list, and its default language. */
  newDefaults(): { listIds: number[]; language: string } {
    const first = admin.allLists(this.db)[0];
    const listIds = first ? [first.id] : [];
    return { listIds, language: defaultLanguageFor(listIds, this.db) };
  }

  async add(origin: Origin, input: AddInput, rule: ListRule = {}): Promise<AddResult> {
    const meta = consentMeta(origin);
    const result = transaction(this.db, (tx) => {
      const choices = profileChoices(tx);
      const listIds = (input.listIds ?? []).map(Number).filter((id) => id > 0);
      const check = validateProfile(input, choices, {
        fallbackLanguage: defaultLanguageFor(listIds, tx),
        email: true,
        listsRequired: rule.listsRequired,
      });
      const errors: FieldProblems<AddField> = { ...check.errors };
      adminListMessage(errors);
      if (errors.email?.key === 'signup.errors.emailUnicodeLocal')
        errors.email = { ...errors.email, key: 'subscribers.emailUnicodeLocal' };
      const { mode, event = '', eventDate = '' } = input.consent;
      if (mode !== 'mail' && mode !== 'paper') {
        errors.method = {
          key: 'subscribers.methodInvalid',
          message: 'consent.mode must be confirmation or paper',
        };
      }
      if (mode === 'paper') Object.assign(errors, paperProblems(event.trim(), eventDate.trim()));
      const email = normaliseEmail(check.email);
      const existing = errors.email ? undefined : subscribers.findByEmail(email, tx);
      if (Object.keys(errors).length)
        return { kind: 'invalid' as const, errors, check, existingId: existing?.id };
      if (existing) return { kind: 'conflict' as const, check, existingId: existing.id };

      const who = auditWho(origin.actor);
      if (mode === 'paper') {
        const created = admin.addWithPaperConsent(
          {
            email,
            emailHash: this.secrets.emailHash(email),
            profile: check.profile,
            listIds: check.listIds.length ? check.listIds : [reference.defaultList(tx).id],
            event: event.trim(),
            eventDate: eventDate.trim(),
            enteredBy: who.actor,
            meta,
          },
          tx,
        )!;
        const details = { consent: 'paper', event: event.trim(), eventDate: eventDate.trim() };
        recordAction(who, 'create', 'subscriber', created.id, details, tx);
        return { kind: 'created' as const, id: created.id };
      }
      const recorded = this.signups.record(
        { email, profile: check.profile, listIds: check.listIds, meta, source: input.source },
        tx,
      );
      const { subscriber, kind: outcome } = recorded.outcome;
      recordAction(who, 'create', 'subscriber', subscriber.id, { consent: 'mail', outcome }, tx);
      return { kind: 'created' as const, id: subscriber.id, recorded };
    });
    if (result.kind !== 'created') return result;
    if (result.recorded) await this.signups.deliver(result.recorded);
    return {
      kind: 'created',
      subscriber: this.withProfile(result.id)!,
      outcome: result.recorded?.outcome.kind,
    };
  }

  /**
   * Change the given fields (the rest stays); `status: 'blocked'` also blocks. Values the
   * person already has stay valid even if no longer offered (e.g. a retired region).
   */
  update(origin: Origin, id: number, patch: UpdateInput, rule: ListRule = {}): UpdateResult {
    const meta = consentMeta(origin);
    return transaction(this.db, (tx) => {
      const found = subscribers.findById(id, tx);
      if (!found) return { kind: 'not-found' as const };
      const before = subscribers.withProfile(found, tx);
      const check = validateProfile(
        {
          name: patch.name ?? before.name,
          regionKey: patch.regionKey === undefined ? before.regionKey : patch.regionKey,
          roleKeys: patch.roleKeys ?? before.roleKeys,
          topicKeys: patch.topicKeys ?? before.topicKeys,
          language: patch.language ?? before.language,
          trackingConsent: patch.trackingConsent ?? before.trackingConsent,
          listIds: patch.listIds ?? before.listIds,
        },
        withOwn(profileChoices(tx), before),
        { fallbackLanguage: before.language, listsRequired: rule.listsRequired },
      );
      adminListMessage(check.errors);
      if (Object.keys(check.errors).length)
        return { kind: 'invalid' as const, errors: check.errors, check };

      const who = auditWho(origin.actor);
      const emailHash = this.secrets.emailHash(found.email);
      const { profile } = check;
      subscribers.updateProfile({ subscriberId: id, emailHash, profile, meta }, tx);
      const lists = patch.listIds
        ? admin.setLists({ subscriberId: id, listIds: check.listIds, emailHash, meta }, tx)
        : { added: [], removed: [] };
      if (Object.keys(patch).some((k) => k !== 'status')) {
        // Which fields changed, not their values: the audit log outlives an erasure.
        const changes = {
          name: before.name !== profile.name,
          region: before.regionKey !== profile.regionKey,
          roles: !sameKeys(before.roleKeys, profile.roleKeys),
          topics: !sameKeys(before.topicKeys, profile.topicKeys),
          language: before.language !== profile.language,
          tracking: before.trackingConsent !== profile.trackingConsent,
          listsAdded: lists.added.length > 0,
          listsRemoved: lists.removed.length > 0,
        };
        const changed = Object.entries(changes)
          .filter(([, v]) => v)
          .map(([k]) => k);
        const details = { changed, listsAdded: lists.added, listsRemoved: lists.removed };
        recordAction(who, 'update', 'subscriber', id, details, tx);
      }
      if (patch.status === 'blocked') this.blockIn(tx, origin, found);
      return {
        kind: 'updated' as const,
        subscriber: subscribers.withProfile(subscribers.findById(id, tx)!, tx),
      };
    });
  }

  /** No mail of any kind, and a new sign-up of the address changes nothing. */
  block(origin: Origin, id: number): boolean {
    return transaction(this.db, (tx) => {
      const found = subscribers.findById(id, tx);
      if (!found) return false;
      this.blockIn(tx, origin, found);
      return true;
    });
  }

  /** Off every list; a person left on no list is erased (the consent log keeps the proof). */
  unsubscribeAll(origin: Origin, id: number): { erased: boolean } | undefined {
    return transaction(this.db, (tx) => {
      const found = subscribers.findById(id, tx);
      if (!found) return undefined;
      const { erased } = subscribers.unsubscribe(
        {
          subscriberId: id,
          listId: null,
          emailHash: this.secrets.emailHash(found.email),
          meta: consentMeta(origin),
        },
        tx,
      );
      const details = { lists: 'all', erased };
      recordAction(auditWho(origin.actor), 'unsubscribe', 'subscriber', id, details, tx);
      return { erased };
    });
  }

  /** Erase a person; only the consent log's proof (hashed address, times) stays. */
  erase(origin: Origin, id: number): boolean {
    return transaction(this.db, (tx) => {
      const found = subscribers.findById(id, tx);
      if (!found) return false;
      subscribers.erase(
        {
          subscriberId: id,
          emailHash: this.secrets.emailHash(found.email),
          meta: consentMeta(origin),
        },
        tx,
      );
      recordAction(auditWho(origin.actor), 'erase', 'subscriber', id, undefined, tx);
      return true;
    });
  }

  private withProfile(id: number): SubscriberWithProfile | undefined {
    const found = subscribers.findById(id, this.db);
    return found ? subscribers.withProfile(found, this.db) : undefined;
  }

  private blockIn(tx: Tx, origin: Origin, found: subscribers.Subscriber): void {
    admin.block(found.id, Date.now(), tx);
    const details = { statusBefore: found.status };
    recordAction(auditWho(origin.actor), 'block', 'subscriber', found.id, details, tx);
  }
}

/** The consent log's "where from" of a change made by a user or an API token. */
export function consentMeta(origin: Origin): RequestMeta {
  const { actor } = origin;
  const who = auditWho(actor);
  const channel = actor.kind === 'user' ? 'admin' : actor.kind === 'api-token' ? 'api' : actor.kind;
  const source = actor.kind === 'user' ? `admin:${actor.email}` : who.actor;
  return { ip: who.ip, userAgent: origin.userAgent ?? null, source, channel };
}

/** Event name and date of paper consent: plain text, a real date, not in the future. */
function paperProblems(event: string, eventDate: string): FieldProblems<'event' | 'eventDate'> {
  const errors: FieldProblems<'event' | 'eventDate'> = {};
  if (!event || !isPlainText(event, 200)) {
    errors.event = {
      key: 'subscribers.eventInvalid',
      message: 'event must be plain text of 1 to 200 characters',
    };
  }
  const day = /^\d{4}-\d{2}-\d{2}$/.test(eventDate) ? Date.parse(`${eventDate}T00:00:00Z`) : NaN;
  if (Number.isNaN(day)) {
    errors.eventDate = {
      key: 'subscribers.eventDateInvalid',
      message: 'eventDate must be a date (YYYY-MM-DD)',
    };
  } else if (day > Date.now()) {
    errors.eventDate = {
      key: 'subscribers.eventDateInvalid',
      message: 'eventDate lies in the future',
    };
  }
  return errors;
}

/** The admin forms word a list problem their own way. */
function adminListMessage(errors: FieldProblems<ProfileField>): void {
  if (errors.lists) errors.lists = { ...errors.lists, key: 'subscribers.listsInvalid' };
}

/** The choices plus what the person already has. */
function withOwn(choices: ProfileChoices, own: SubscriberWithProfile): ProfileChoices {
  return {
    regions: own.regionKey ? [...choices.regions, { key: own.regionKey }] : choices.regions,
    roles: [...choices.roles, ...own.roleKeys.map((key) => ({ key }))],
    topics: [...choices.topics, ...own.topicKeys.map((key) => ({ key }))],
    lists: choices.lists,
  };
}

const sameKeys = (a: string[], b: string[]) => a.slice().sort().join() === b.slice().sort().join();
