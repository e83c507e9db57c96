import {
  and,
  asc,
  desc,
  eq,
  getTableName,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Tx } from '../client.js';
import {
  consentEvents,
  lists,
  regions,
  subscriberRoles,
  subscribers,
  subscriberTokens,
  subscriberTopics,
  subscriptions,
} from '../schema.js';
import { filterWhere, type SubscriberFilter } from './filters.js';
import {
  findByEmail,
  confirmWithoutLink,
  findById,
  recordConsent,
  signUp,
  withProfile,
  type Profile,
  type RequestMeta,
  type Subscriber,
} from './subscribers.js';

/** Query functions behind the admin pages for subscribers: list, exports, block, paper consent. */

export const subscriberSorts = ['created', 'email', 'confirmed'] as const;
export type SubscriberSort = (typeof subscriberSorts)[number];
export type SortDirection = 'asc' | 'desc';

/** Where the previous page ended: the last row's sort key (null: not confirmed) and id. */
export interface Cursor {
  key: string | number | null;
  id: number;
}

export interface SubscriberRow {
  id: number;
  email: string;
  name: string;
  status: Subscriber['status'];
  regionKey: string | null;
  language: string;
  createdAt: number;
  confirmedAt: number | null;
}

/** The value the cursor of a row carries for a sort. */
export function sortKeyOf(row: SubscriberRow, sort: SubscriberSort): string | number | null {
  if (sort === 'email') return row.email;
  if (sort === 'confirmed') return row.confirmedAt;
  return row.createdAt;
}

const rowColumns = {
  id: subscribers.id,
  email: subscribers.email,
  name: subscribers.name,
  status: subscribers.status,
  regionKey: subscribers.regionKey,
  language: subscribers.language,
  createdAt: subscribers.createdAt,
  confirmedAt: subscribers.confirmedAt,
};

function selectRows(
  conditions: (SQL | undefined)[],
  column: typeof subscribers.createdAt | typeof subscribers.email | typeof subscribers.confirmedAt,
  direction: SortDirection,
  limit: number,
  search: boolean,
  tx: Tx,
): SubscriberRow[] {
  const order = direction === 'desc' ? desc : asc;
  // A text search reads every row anyway: sorting the few matches beats walking the sort
  // index with a table lookup per row (the unary plus keeps SQLite off that index).
  const key = search ? sql`+${column}` : column;
  return tx
    .select(rowColumns)
    .from(subscribers)
    .where(and(...conditions))
    .orderBy(order(key), order(subscribers.id))
    .limit(limit)
    .all();
}

const after = (
  column: typeof subscribers.createdAt | typeof subscribers.email | typeof subscribers.confirmedAt,
  direction: SortDirection,
  cursor: Cursor,
) =>
  direction === 'desc'
    ? sql`(${column}, ${subscribers.id}) < (${cursor.key}, ${cursor.id})`
    : sql`(${column}, ${subscribers.id}) > (${cursor.key}, ${cursor.id})`;

/**
 * One page of the filtered list, keyset-paginated: rows strictly after the cursor in the chosen
 * order (sort key, then id), with `next` when there is a further page. Each sort has an index.
 */
export function listSubscribers(
  input: {
    filter: SubscriberFilter;
    sort: SubscriberSort;
    direction: SortDirection;
    after?: Cursor;
    limit: number;
  },
  tx: Tx,
): { rows: SubscriberRow[]; next?: Cursor } {
  const want = input.limit + 1;
  const where = filterWhere(input.filter);
  const { direction } = input;
  const search = !!input.filter.q?.trim();
  let rows: SubscriberRow[];
  if (input.sort === 'confirmed') {
    rows = confirmedOrder(where, direction, input.after, want, search, tx);
  } else {
    const column = input.sort === 'email' ? subscribers.email : subscribers.createdAt;
    const cursor = input.after && input.after.key !== null ? input.after : undefined;
    rows = selectRows(
      [where, cursor ? after(column, direction, cursor) : undefined],
      column,
      direction,
      want,
      search,
      tx,
    );
  }
  if (rows.length <= input.limit) return { rows };
  const page = rows.slice(0, input.limit);
  const last = page.at(-1)!;
  return { rows: page, next: { key: sortKeyOf(last, input.sort), id: last.id } };
}

/**
 * By confirmation time, people without one last (descending) or first (ascending). Row values
 * cannot compare NULLs, so the confirmed and the unconfirmed part are read one after the other.
 */
function confirmedOrder(
  where: SQL | undefined,
  direction: SortDirection,
  cursor: Cursor | undefined,
  want: number,
  search: boolean,
  tx: Tx,
): SubscriberRow[] {
  const parts =
    direction === 'desc' ? (['dated', 'undated'] as const) : (['undated', 'dated'] as const);
  const cursorPart = cursor ? (cursor.key === null ? 'undated' : 'dated') : undefined;
  const rows: SubscriberRow[] = [];
  for (const part of parts.slice(cursorPart ? parts.indexOf(cursorPart) : 0)) {
    const here = part === cursorPart ? cursor : undefined;
    const conditions =
      part === 'dated'
        ? [
            where,
            isNotNull(subscribers.confirmedAt),
            here ? after(subscribers.confirmedAt, direction, here) : undefined,
          ]
        : [
            where,
            isNull(subscribers.confirmedAt),
            here
              ? direction === 'desc'
                ? lt(subscribers.id, here.id)
                : gt(subscribers.id, here.id)
              : undefined,
          ];
    rows.push(
      ...selectRows(conditions, subscribers.confirmedAt, direction, want - rows.length, search, tx),
    );
    if (rows.length >= want) break;
  }
  return rows;
}

export interface ExportRow {
  id: number;
  email: string;
  name: string;
  status: string;
  region: string | null;
  roles: string | null;
  topics: string | null;
  language: string;
  lists: string | null;
  createdAt: number;
  confirmedAt: number | null;
}

/**
 * A column as "table"."column". Drizzle writes the columns of a one-table select bare, and
 * inside a subquery a bare "id" names the inner table's column, not the subscriber's.
 */
const c = (column: SQLiteColumn) =>
  sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;

/**
 * The filtered subscribers in id order, a chunk at a time (the CSV export streams these).
 * Roles, topics and active lists come joined with "; ".
 */
export function exportChunk(
  filter: SubscriberFilter,
  afterId: number,
  limit: number,
  tx: Tx,
): ExportRow[] {
  const where = filterWhere(filter);
  return tx
    .select({
      id: subscribers.id,
      email: subscribers.email,
      name: subscribers.name,
      status: subscribers.status,
      region: sql<
        string | null
      >`(select ${c(regions.name)} from ${regions} where ${c(regions.key)} = ${c(subscribers.regionKey)})`,
      roles: sql<
        string | null
      >`(select group_concat(${c(subscriberRoles.roleKey)}, '; ') from ${subscriberRoles} where ${c(subscriberRoles.subscriberId)} = ${c(subscribers.id)})`,
      topics: sql<
        string | null
      >`(select group_concat(${c(subscriberTopics.topicKey)}, '; ') from ${subscriberTopics} where ${c(subscriberTopics.subscriberId)} = ${c(subscribers.id)})`,
      language: subscribers.language,
      lists: sql<
        string | null
      >`(select group_concat(${c(lists.name)}, '; ') from ${subscriptions} join ${lists} on ${c(lists.id)} = ${c(subscriptions.listId)} where ${c(subscriptions.subscriberId)} = ${c(subscribers.id)} and ${c(subscriptions.status)} in ('unconfirmed', 'confirmed'))`,
      createdAt: subscribers.createdAt,
      confirmedAt: subscribers.confirmedAt,
    })
    .from(subscribers)
    .where(where ? and(where, gt(subscribers.id, afterId)) : gt(subscribers.id, afterId))
    .orderBy(asc(subscribers.id))
    .limit(limit)
    .all();
}

export interface ConsentExportRow {
  id: number;
  at: number;
  kind: string;
  subscriberId: number;
  email: string | null;
  emailHash: string;
  ip: string | null;
  userAgent: string | null;
  channel: string | null;
  source: string | null;
  consentTextVersion: string | null;
  listIds: number[] | null;
  details: Record<string, unknown> | null;
}

/** Consent records in id order, a chunk at a time; the address only while the person exists. */
export function consentChunk(afterId: number, limit: number, tx: Tx): ConsentExportRow[] {
  return tx
    .select({
      id: consentEvents.id,
      at: consentEvents.at,
      kind: consentEvents.kind,
      subscriberId: consentEvents.subscriberId,
      email: subscribers.email,
      emailHash: consentEvents.emailHash,
      ip: consentEvents.ip,
      userAgent: consentEvents.userAgent,
      channel: consentEvents.channel,
      source: consentEvents.source,
      consentTextVersion: consentEvents.consentTextVersion,
      listIds: consentEvents.listIds,
      details: consentEvents.details,
    })
    .from(consentEvents)
    .leftJoin(subscribers, eq(subscribers.id, consentEvents.subscriberId))
    .where(gt(consentEvents.id, afterId))
    .orderBy(asc(consentEvents.id))
    .limit(limit)
    .all();
}

/** Every list (public or not), for the admin's filters and forms. */
export function allLists(tx: Tx) {
  return tx.select().from(lists).orderBy(asc(lists.id)).all();
}

export interface SubscriptionRow {
  listId: number;
  name: string;
  status: string;
  createdAt: number;
  confirmedAt: number | null;
  unsubscribedAt: number | null;
}

/** All of a person's subscriptions, including ended ones. */
export function subscriptionsOf(subscriberId: number, tx: Tx): SubscriptionRow[] {
  return tx
    .select({
      listId: subscriptions.listId,
      name: lists.name,
      status: subscriptions.status,
      createdAt: subscriptions.createdAt,
      confirmedAt: subscriptions.confirmedAt,
      unsubscribedAt: subscriptions.unsubscribedAt,
    })
    .from(subscriptions)
    .innerJoin(lists, eq(lists.id, subscriptions.listId))
    .where(eq(subscriptions.subscriberId, subscriberId))
    .orderBy(asc(lists.id))
    .all();
}

/**
 * Set the lists a person is on: new ones start in the person's own state (confirmed people are
 * confirmed at once), dropped ones end as unsubscribed. The change is a consent record.
 */
export function setLists(
  input: {
    subscriberId: number;
    listIds: number[];
    emailHash: string;
    meta: RequestMeta;
    now?: number;
  },
  tx: Tx,
): { added: number[]; removed: number[] } {
  const now = input.now ?? Date.now();
  const subscriber = findById(input.subscriberId, tx);
  if (!subscriber) return { added: [], removed: [] };
  const current = withProfile(subscriber, tx).listIds;
  const added = input.listIds.filter((id) => !current.includes(id));
  const removed = current.filter((id) => !input.listIds.includes(id));
  const confirmed = subscriber.status === 'confirmed';
  for (const listId of added) {
    const status = confirmed ? ('confirmed' as const) : ('unconfirmed' as const);
    const confirmedAt = confirmed ? now : null;
    tx.insert(subscriptions)
      .values({ subscriberId: subscriber.id, listId, status, createdAt: now, confirmedAt })
      .onConflictDoUpdate({
        target: [subscriptions.subscriberId, subscriptions.listId],
        set: { status, confirmedAt, unsubscribedAt: null },
      })
      .run();
  }
  if (removed.length) {
    tx.update(subscriptions)
      .set({ status: 'unsubscribed', unsubscribedAt: now })
      .where(
        and(eq(subscriptions.subscriberId, subscriber.id), inArray(subscriptions.listId, removed)),
      )
      .run();
  }
  if (added.length || removed.length) {
    recordConsent(
      {
        subscriberId: subscriber.id,
        emailHash: input.emailHash,
        kind: 'preferences_changed',
        meta: input.meta,
        listIds: input.listIds,
        details: { listsAdded: added, listsRemoved: removed },
        at: now,
      },
      tx,
    );
  }
  return { added, removed };
}

/**
 * Block a person: no mail of any kind, and a new sign-up of the address changes nothing.
 * Open confirmation links stop working, so an old link cannot undo the block.
 */
export function block(subscriberId: number, now: number, tx: Tx): Subscriber | undefined {
  const blocked = tx
    .update(subscribers)
    .set({ status: 'blocked', updatedAt: now })
    .where(eq(subscribers.id, subscriberId))
    .returning()
    .get();
  if (!blocked) return undefined;
  tx.update(subscriberTokens)
    .set({ usedAt: now })
    .where(and(eq(subscriberTokens.subscriberId, subscriberId), isNull(subscriberTokens.usedAt)))
    .run();
  return blocked;
}

/**
 * A person who consented on paper (at an event): confirmed at once, with a sign-up record that
 * names the event, its date and who entered it, and a confirmation record from the paper channel.
 * Returns undefined when the address is already known.
 */
export function addWithPaperConsent(
  input: {
    email: string;
    emailHash: string;
    profile: Profile;
    listIds: number[];
    event: string;
    eventDate: string;
    enteredBy: string;
    meta: RequestMeta;
    now?: number;
  },
  tx: Tx,
): Subscriber | undefined {
  const now = input.now ?? Date.now();
  if (findByEmail(input.email, tx)) return undefined;
  const proof = {
    paperConsent: true,
    event: input.event,
    eventDate: input.eventDate,
    enteredBy: input.enteredBy,
  };
  const { subscriber } = signUp(
    {
      email: input.email,
      emailHash: input.emailHash,
      profile: input.profile,
      listIds: input.listIds,
      // The wording on the paper form is not known to Landpost: the proof names the event.
      consentTextVersion: null,
      consentLanguage: null,
      details: proof,
      meta: input.meta,
      cooldownMs: 0,
      now,
    },
    tx,
  );
  confirmWithoutLink(
    {
      subscriberId: subscriber.id,
      emailHash: input.emailHash,
      meta: input.meta,
      channel: 'paper',
      details: proof,
      now,
    },
    tx,
  );
  return findById(subscriber.id, tx);
}
