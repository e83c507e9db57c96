import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { lists, segments, subscriptions } from '../schema.js';

export type List = typeof lists.$inferSelect;
export interface ListWithCount extends List {
  /** People on the list: unconfirmed or confirmed subscriptions. */
  subscriberCount: number;
}
export interface ListInput {
  name: string;
  description: string;
  isPublic: boolean;
  doubleOptIn: boolean;
  defaultLanguage: string;
}

const onList = inArray(subscriptions.status, ['unconfirmed', 'confirmed']);

export function listLists(tx: Tx): ListWithCount[] {
  const counts = new Map(
    tx
      .select({ listId: subscriptions.listId, n: sql<number>`count(*)` })
      .from(subscriptions)
      .where(onList)
      .groupBy(subscriptions.listId)
      .all()
      .map((r) => [r.listId, r.n]),
  );
  return tx
    .select()
    .from(lists)
    .orderBy(asc(lists.id))
    .all()
    .map((l) => ({ ...l, subscriberCount: counts.get(l.id) ?? 0 }));
}

export function findList(id: number, tx: Tx): ListWithCount | undefined {
  const list = tx.select().from(lists).where(eq(lists.id, id)).get();
  return list ? { ...list, subscriberCount: subscriberCount(id, tx) } : undefined;
}

export function listIds(tx: Tx): number[] {
  return tx
    .select({ id: lists.id })
    .from(lists)
    .all()
    .map((l) => l.id);
}

export function subscriberCount(listId: number, tx: Tx): number {
  return (
    tx
      .select({ n: sql<number>`count(*)` })
      .from(subscriptions)
      .where(and(eq(subscriptions.listId, listId), onList))
      .get()?.n ?? 0
  );
}

export function listNameTaken(name: string, tx: Tx, exceptId?: number): boolean {
  return tx
    .select({ id: lists.id })
    .from(lists)
    .where(sql`lower(${lists.name}) = lower(${name})`)
    .all()
    .some((r) => r.id !== exceptId);
}

/** A stable key from the name ("Newsletter Harz" → "newsletter-harz"), unique among lists. */
function freeKey(name: string, tx: Tx): string {
  const base =
    name
      .toLowerCase()
      .replace(/ä/g, 'ae')
      .replace(/ö/g, 'oe')
      .replace(/ü/g, 'ue')
      .replace(/ß/g, 'ss')
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'list';
  const taken = new Set(
    tx
      .select({ key: lists.key })
      .from(lists)
      .all()
      .map((r) => r.key),
  );
  let key = base;
  for (let i = 2; taken.has(key); i++) key = `${base}-${i}`;
  return key;
}

export function createList(input: ListInput, tx: Tx): List {
  return tx
    .insert(lists)
    .values({ ...input, key: freeKey(input.name, tx) })
    .returning()
    .get();
}

/** The key never changes: links and imports may name it. */
export function updateList(id: number, input: ListInput, tx: Tx): boolean {
  return tx.update(lists).set(input).where(eq(lists.id, id)).returning().all().length > 0;
}

/** Saved segments whose rules name the list. */
export function segmentsUsingList(listId: number, tx: Tx): { id: number; name: string }[] {
  return tx
    .select({ id: segments.id, name: segments.name, rules: segments.rules })
    .from(segments)
    .all()
    .filter((s) => s.rules.some((r) => r.field === 'list' && r.values.includes(String(listId))))
    .map(({ id, name }) => ({ id, name }));
}

export function countLists(tx: Tx): number {
  return (
    tx
      .select({ n: sql<number>`count(*)` })
      .from(lists)
      .get()?.n ?? 0
  );
}

/** Former subscriptions go with the list; the consent log keeps the list id. */
export function deleteList(id: number, tx: Tx): boolean {
  return tx.delete(lists).where(eq(lists.id, id)).returning({ id: lists.id }).all().length > 0;
}

/**
 * The lists the public sign-up form offers as a choice: the public lists, but only when there
 * is more than one (with one, sign-ups land on it without asking). Ordered by age.
 */
export function publicListChoices(
  tx: Tx,
): { id: number; key: string; name: string; description: string }[] {
  const rows = tx
    .select({ id: lists.id, key: lists.key, name: lists.name, description: lists.description })
    .from(lists)
    .where(eq(lists.isPublic, true))
    .orderBy(asc(lists.id))
    .all();
  return rows.length > 1 ? rows : [];
}

/** The posted `lists` values that name a public list (private or unknown ids are dropped). */
export function chosenPublicListIds(values: string[], tx: Tx): number[] {
  const offered = new Set(publicListChoices(tx).map((l) => l.id));
  return [...new Set(values.map(Number))].filter((id) => offered.has(id));
}
