import type { Db } from '../../../db/client.js';
import * as audit from '../../../db/queries/audit.js';
import * as editions from '../../../db/queries/editions.js';
import * as events from '../../../db/queries/events.js';
import { countWhere, filterWhere, type SubscriberFilter } from '../../../db/queries/filters.js';
import * as admin from '../../../db/queries/subscriber-admin.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import type { SubscriberWithProfile } from '../../../db/queries/subscribers.js';
import type { ServiceContext } from '../context.js';
import type { SourceOrigin } from '../sources/index.js';
import { hasControlCharacters } from '../plain-text.js';
import { normaliseEmail, type Problem } from './profile.js';

export interface PageQuery {
  filter: SubscriberFilter;
  sort: admin.SubscriberSort;
  direction: admin.SortDirection;
  after?: admin.Cursor;
  limit: number;
}

/**
 * A search term as typed, trimmed (empty: no search). Control characters are refused: nobody
 * types them, and a NUL cannot be part of a full-text query.
 */
export function checkSearch(raw: string | undefined): { q?: string; error?: Problem } {
  const q = raw?.trim();
  if (!q) return {};
  if (hasControlCharacters(q)) {
    return {
      error: { key: 'subscribers.searchInvalid', message: 'q must not contain control characters' },
    };
  }
  return { q };
}

/**
 * A cursor as a client sent it back, if it has the shape of one this service gave out for the
 * sort: a positive integer id, and a key of the sort's type (an address; a time in
 * milliseconds; for the confirmation time also null, "not confirmed").
 */
export function checkCursor(sort: admin.SubscriberSort, value: unknown): admin.Cursor | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { key, id, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length || !Number.isSafeInteger(id) || (id as number) < 1) return undefined;
  const fits =
    sort === 'email'
      ? typeof key === 'string' && key !== ''
      : Number.isSafeInteger(key) || (sort === 'confirmed' && key === null);
  return fits ? { key: key as admin.Cursor['key'], id: id as number } : undefined;
}

/** Finding and reading subscribers: the admin list and detail page, the API's reads. */
export class SubscriberLookup {
  private readonly db: Db;

  constructor(ctx: ServiceContext) {
    this.db = ctx.db;
  }

  /** One page of the filtered list (keyset-paginated) and how many match in all. */
  page(query: PageQuery): { rows: admin.SubscriberRow[]; next?: admin.Cursor; total: number } {
    // Routes answer a bad cursor themselves; one that slips through still never reaches SQL.
    const after = query.after && checkCursor(query.sort, query.after);
    const page = admin.listSubscribers({ ...query, after }, this.db);
    return { ...page, total: countWhere(filterWhere(query.filter), this.db) };
  }

  /** A page as the API shows it: every person with roles, topics and lists. */
  profilePage(query: PageQuery): {
    items: SubscriberWithProfile[];
    next?: admin.Cursor;
    total: number;
  } {
    const { rows, next, total } = this.page(query);
    const items = subscribers.withProfiles(
      rows.map((r) => r.id),
      this.db,
    );
    return { items, next, total };
  }

  /** List ids of a filter as given (text): each must name a list; unknown ones are a problem. */
  checkLists(given: readonly string[]): { lists: number[]; error?: Problem } {
    const known = new Set(admin.allLists(this.db).map((l) => l.id));
    const unknown = given.filter((id) => !/^[1-9]\d{0,15}$/.test(id) || !known.has(Number(id)));
    if (unknown.length) {
      return {
        lists: [],
        error: {
          key: 'subscribers.listUnknown',
          message: unknown.map((id) => `unknown list ${id}`).join('; '),
        },
      };
    }
    return { lists: [...new Set(given.map(Number))] };
  }

  find(id: number): subscribers.Subscriber | undefined {
    return subscribers.findById(id, this.db);
  }

  withProfile(id: number): SubscriberWithProfile | undefined {
    const found = subscribers.findById(id, this.db);
    return found ? subscribers.withProfile(found, this.db) : undefined;
  }

  findByEmail(email: string): SubscriberWithProfile | undefined {
    const found = subscribers.findByEmail(normaliseEmail(email), this.db);
    return found ? subscribers.withProfile(found, this.db) : undefined;
  }

  consentHistory(id: number): subscribers.ConsentEvent[] {
    return subscribers.consentHistory(id, this.db);
  }

  /** Everything the detail page shows: profile, subscriptions, consent log, audit entries. */
  detail(id: number) {
    const subscriber = this.withProfile(id);
    if (!subscriber) return undefined;
    return {
      subscriber,
      origin: this.origin(subscriber),
      subscriptions: admin.subscriptionsOf(id, this.db),
      consent: subscribers.consentHistory(id, this.db),
      auditEntries: audit.listAudit(
        { entity: 'subscriber', entityId: String(id), limit: 100 },
        this.db,
      ),
    };
  }

  /** Where the person signed up from, with the edition, event or recommending person named. */
  origin(subscriber: subscribers.Subscriber): SourceOrigin {
    const edition = subscriber.sourceEditionId
      ? editions.findEdition(subscriber.sourceEditionId, this.db)
      : undefined;
    const event = subscriber.sourceEventId
      ? events.findEvent(subscriber.sourceEventId, this.db)
      : undefined;
    const referrer = subscriber.referredBy
      ? subscribers.findById(subscriber.referredBy, this.db)
      : undefined;
    return {
      kind: subscriber.sourceKind,
      edition: edition ? { id: edition.id, number: edition.number, title: edition.title } : null,
      event: event ? { id: event.id, title: event.title } : null,
      referrer: referrer
        ? { id: referrer.id, name: referrer.name || referrer.email }
        : subscriber.sourceKind === 'referral'
          ? 'erased'
          : null,
      code: subscriber.sourceCode,
    };
  }
}
