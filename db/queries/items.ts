import { and, desc, eq, inArray, isNull, lt, type SQL } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { items } from '../schema.js';
import type { Item, ItemType } from '../schema.js';

/** An item as it is stored (the service has checked it). */
export type ItemInput = Omit<Item, 'id' | 'createdAt' | 'updatedAt'>;

/** The columns of an item as the service sees it (also read through an edition). */
export const itemColumns = {
  id: items.id,
  type: items.type,
  title: items.title,
  description: items.description,
  regions: items.regions,
  roles: items.roles,
  fields: items.fields,
  translations: items.translations,
  createdAt: items.createdAt,
  updatedAt: items.updatedAt,
};

const live = isNull(items.deletedAt);

export function createItem(input: ItemInput, createdBy: number | null, tx: Tx): Item {
  return tx
    .insert(items)
    .values({ ...input, createdBy })
    .returning(itemColumns)
    .get();
}

/** An item that is not deleted. */
export function findItem(id: number, tx: Tx): Item | undefined {
  return tx
    .select(itemColumns)
    .from(items)
    .where(and(eq(items.id, id), live))
    .get();
}

/** Newest first, keyset-paginated by id (`beforeId`: the last id of the previous page). */
export function listItems(
  filter: { type?: ItemType; beforeId?: number; limit: number },
  tx: Tx,
): Item[] {
  const where: SQL[] = [live];
  if (filter.type) where.push(eq(items.type, filter.type));
  if (filter.beforeId !== undefined) where.push(lt(items.id, filter.beforeId));
  return tx
    .select(itemColumns)
    .from(items)
    .where(and(...where))
    .orderBy(desc(items.id))
    .limit(filter.limit)
    .all();
}

export function updateItem(id: number, input: ItemInput, tx: Tx): boolean {
  return (
    tx
      .update(items)
      .set({ ...input, updatedAt: Date.now() })
      .where(and(eq(items.id, id), live))
      .returning({ id: items.id })
      .all().length > 0
  );
}

/** Soft delete: editions that used the item can still name it. */
export function deleteItem(id: number, tx: Tx): boolean {
  return (
    tx
      .update(items)
      .set({ deletedAt: Date.now() })
      .where(and(eq(items.id, id), live))
      .returning({ id: items.id })
      .all().length > 0
  );
}

/** Which of the given ids name an item in the library (not deleted). */
export function existingItemIds(ids: number[], tx: Tx): Set<number> {
  if (ids.length === 0) return new Set();
  return new Set(
    tx
      .select({ id: items.id })
      .from(items)
      .where(and(inArray(items.id, ids), live))
      .all()
      .map((r) => r.id),
  );
}
