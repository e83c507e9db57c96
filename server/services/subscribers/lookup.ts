import type { Db } from '../../../db/client.js';
import * as audit from '../../../db/queries/audit.js';
import { countWhere, filterWhere, type SubscriberFilter } from '../../../db/queries/filters.js';
import * as admin from '../../../db/queries/subscriber-admin.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import type { SubscriberWithProfile } from '../../../db/queries/subscribers.js';
import type { ServiceContext } from '../context.js';
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

/** Finding and reading subscribers: the admin list and detail page, the API's reads. */
export class SubscriberLookup {
  private readonly db: Db;

  constructor(ctx: ServiceContext) {
    this.db = ctx.db;
  }

  /** One page of the filtered list (keyset-paginated) and how many match in all. */
  page(query: PageQuery): { rows: admin.SubscriberRow[]; next?: admin.Cursor; total: number } {
    const page = admin.listSubscribers(query, this.db);
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
      subscriptions: admin.subscriptionsOf(id, this.db),
      consent: subscribers.consentHistory(id, this.db),
      auditEntries: audit.listAudit(
        { entity: 'subscriber', entityId: String(id), limit: 100 },
        this.db,
      ),
    };
  }
}
