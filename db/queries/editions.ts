import { asc, count, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { editionItems, editions, items } from '../schema.js';
import type { Edition, Item } from '../schema.js';
import { itemColumns } from './items.js';

/** An edition as it is stored (the service has checked it). */
export type EditionInput = Omit<Edition, 'id' | 'createdAt' | 'updatedAt' | 'updatedBy'>;

// editions

const columns = {
  id: editions.id,
  number: editions.number,
  title: editions.title,
  subject: editions.subject,
  preheader: editions.preheader,
  intro: editions.intro,
  status: editions.status,
  targetDate: editions.targetDate,
  inArchive: editions.inArchive,
  slug: editions.slug,
  sections: editions.sections,
  translations: editions.translations,
  createdAt: editions.createdAt,
  updatedAt: editions.updatedAt,
  updatedBy: editions.updatedBy,
};

export function createEdition(input: EditionInput, updatedBy: number | null, tx: Tx): Edition {
  return tx
    .insert(editions)
    .values({ ...input, updatedBy })
    .returning(columns)
    .get();
}

export function findEdition(id: number, tx: Tx): Edition | undefined {
  return tx.select(columns).from(editions).where(eq(editions.id, id)).get();
}

export function findEditionByNumber(number: number, tx: Tx): Edition | undefined {
  return tx.select(columns).from(editions).where(eq(editions.number, number)).get();
}

/** In the order of the series. */
export function listEditions(tx: Tx): Edition[] {
  return tx.select(columns).from(editions).orderBy(asc(editions.number)).all();
}

/** The numbers the editions hold. */
export function listNumbers(tx: Tx): number[] {
  return tx
    .select({ number: editions.number })
    .from(editions)
    .all()
    .map((r) => r.number);
}

export function updateEdition(
  id: number,
  input: EditionInput,
  updatedBy: number | null,
  tx: Tx,
): boolean {
  return (
    tx
      .update(editions)
      .set({ ...input, updatedBy, updatedAt: Date.now() })
      .where(eq(editions.id, id))
      .returning({ id: editions.id })
      .all().length > 0
  );
}

// edition_items

/** The items of an edition in order; an item deleted from the library since is still named. */
export function listEditionItems(editionId: number, tx: Tx): Item[] {
  return tx
    .select(itemColumns)
    .from(editionItems)
    .innerJoin(items, eq(items.id, editionItems.itemId))
    .where(eq(editionItems.editionId, editionId))
    .orderBy(asc(editionItems.position))
    .all();
}

/** The item ids of an edition in order. */
export function listEditionItemIds(editionId: number, tx: Tx): number[] {
  return tx
    .select({ id: editionItems.itemId })
    .from(editionItems)
    .where(eq(editionItems.editionId, editionId))
    .orderBy(asc(editionItems.position))
    .all()
    .map((r) => r.id);
}

/** The item count of each of the given editions (missing: none). */
export function countEditionItems(editionIds: number[], tx: Tx): Map<number, number> {
  if (editionIds.length === 0) return new Map();
  const rows = tx
    .select({ editionId: editionItems.editionId, n: count() })
    .from(editionItems)
    .where(inArray(editionItems.editionId, editionIds))
    .groupBy(editionItems.editionId)
    .all();
  return new Map(rows.map((r) => [r.editionId, r.n]));
}

/** Replaces the edition's item list as a whole; the order of `itemIds` is kept. */
export function replaceEditionItems(editionId: number, itemIds: number[], tx: Tx): void {
  tx.delete(editionItems).where(eq(editionItems.editionId, editionId)).run();
  if (itemIds.length === 0) return;
  tx.insert(editionItems)
    .values(itemIds.map((itemId, position) => ({ editionId, itemId, position })))
    .run();
}
