import { and, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  subscriberRoles,
  subscribers,
  subscriberTopics,
  subscriptions,
  type SegmentRule,
  type SubscriberStatus,
} from '../schema.js';

/**
 * One way to select subscribers, shared by the admin list, exports, segments and sends:
 * every field narrows the set; within a field any of the values matches.
 */
export interface SubscriberFilter {
  /** part of the e-mail address or the name */
  q?: string;
  status?: SubscriberStatus[];
  regions?: string[];
  roles?: string[];
  topics?: string[];
  languages?: string[];
  lists?: number[];
  createdFrom?: number;
  createdTo?: number;
  confirmedFrom?: number;
  confirmedTo?: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The SQL conditions of a filter, one per given field. */
export function filterConditions(filter: SubscriberFilter): SQL[] {
  const c: SQL[] = [];
  const q = filter.q?.trim().toLowerCase();
  if (q && q.length >= 3) {
    // Three characters or more: the trigram index finds substrings without a full scan.
    const phrase = `"${q.replace(/"/g, '""')}"`;
    c.push(
      sql`${subscribers.id} in (select rowid from subscribers_search where subscribers_search match ${phrase})`,
    );
  } else if (q) {
    const pattern = `%${escapeLike(q)}%`;
    c.push(
      or(
        sql`${subscribers.email} like ${pattern} escape '\\'`,
        sql`lower(${subscribers.name}) like ${pattern} escape '\\'`,
      )!,
    );
  }
  if (filter.status?.length) c.push(inArray(subscribers.status, filter.status));
  if (filter.regions?.length) c.push(inArray(subscribers.regionKey, filter.regions));
  if (filter.languages?.length) c.push(inArray(subscribers.language, filter.languages));
  if (filter.roles?.length) {
    c.push(
      sql`exists (select 1 from ${subscriberRoles} where ${subscriberRoles.subscriberId} = ${subscribers.id} and ${inArray(subscriberRoles.roleKey, filter.roles)})`,
    );
  }
  if (filter.topics?.length) {
    c.push(
      sql`exists (select 1 from ${subscriberTopics} where ${subscriberTopics.subscriberId} = ${subscribers.id} and ${inArray(subscriberTopics.topicKey, filter.topics)})`,
    );
  }
  if (filter.lists?.length) {
    c.push(
      sql`exists (select 1 from ${subscriptions} where ${subscriptions.subscriberId} = ${subscribers.id} and ${inArray(subscriptions.listId, filter.lists)} and ${subscriptions.status} in ('unconfirmed', 'confirmed'))`,
    );
  }
  if (filter.createdFrom !== undefined) c.push(gte(subscribers.createdAt, filter.createdFrom));
  if (filter.createdTo !== undefined) c.push(lte(subscribers.createdAt, filter.createdTo));
  if (filter.confirmedFrom !== undefined)
    c.push(gte(subscribers.confirmedAt, filter.confirmedFrom));
  if (filter.confirmedTo !== undefined) c.push(lte(subscribers.confirmedAt, filter.confirmedTo));
  return c;
}

/** WHERE clause of a filter: all conditions (default) or any of them. */
export function filterWhere(
  filter: SubscriberFilter,
  match: 'all' | 'any' = 'all',
): SQL | undefined {
  const c = filterConditions(filter);
  if (!c.length) return undefined;
  return match === 'all' ? and(...c) : or(...c);
}

/**
 * A segment's rules as a WHERE clause. Each rule becomes one condition; `match` combines
 * them. Engagement rules need the delivery ledger and match nobody until it exists.
 */
export function segmentWhere(rules: SegmentRule[], match: 'all' | 'any'): SQL | undefined {
  const conditions: SQL[] = [];
  for (const rule of rules) {
    const values = rule.values.filter((v) => v !== '');
    if (!values.length) continue;
    let filter: SubscriberFilter | undefined;
    switch (rule.field) {
      case 'region':
        filter = { regions: values };
        break;
      case 'role':
        filter = { roles: values };
        break;
      case 'topic':
        filter = { topics: values };
        break;
      case 'language':
        filter = { languages: values };
        break;
      case 'list':
        filter = { lists: values.map(Number).filter(Number.isInteger) };
        break;
      case 'status':
        filter = { status: values as SubscriberStatus[] };
        break;
      case 'createdAfter':
        filter = { createdFrom: Date.parse(values[0]!) };
        break;
      case 'createdBefore':
        filter = { createdTo: Date.parse(values[0]!) };
        break;
      case 'engagement':
        conditions.push(sql`0`);
        continue;
    }
    const where = filter ? filterWhere(filter) : undefined;
    if (where) conditions.push(where);
  }
  if (!conditions.length) return undefined;
  return match === 'all' ? and(...conditions) : or(...conditions);
}

export function countWhere(where: SQL | undefined, tx: Tx): number {
  return (
    tx
      .select({ n: sql<number>`count(*)` })
      .from(subscribers)
      .where(where)
      .get()?.n ?? 0
  );
}
