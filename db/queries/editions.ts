import { and, asc, count, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  editionItems,
  editionLocks,
  editionRevisions,
  editions,
  items,
  testSends,
  users,
} from '../schema.js';
import type { Edition, EditionSnapshot, Item } from '../schema.js';
import { itemColumns } from './items.js';

/** An edition as it is stored (the service has checked it). */
export type EditionInput = Omit<
  Edition,
  'id' | 'createdAt' | 'updatedAt' | 'updatedBy' | 'publishedAt'
>;

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
  publishedAt: editions.publishedAt,
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
      // Strictly later than the last save, even within one millisecond: an editor's form names
      // the `updatedAt` it was loaded with, and a save over a newer one must be told apart.
      .set({ ...input, updatedBy, updatedAt: sql`max(${Date.now()}, ${editions.updatedAt} + 1)` })
      .where(eq(editions.id, id))
      .returning({ id: editions.id })
      .all().length > 0
  );
}

/** The edition's place in the series plan, as its campaigns move it. */
export function setEditionStatus(id: number, status: Edition['status'], tx: Tx): void {
  tx.update(editions).set({ status }).where(eq(editions.id, id)).run();
}

/** Put in the public archive without being sent (a time), or taken out again (null). */
export function setPublished(id: number, publishedAt: number | null, tx: Tx): void {
  tx.update(editions).set({ publishedAt }).where(eq(editions.id, id)).run();
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

// edition_revisions

export type EditionRevisionRow = typeof editionRevisions.$inferSelect;

/** Newest first. */
export function listRevisions(editionId: number, tx: Tx): EditionRevisionRow[] {
  return tx
    .select()
    .from(editionRevisions)
    .where(eq(editionRevisions.editionId, editionId))
    .orderBy(desc(editionRevisions.number))
    .all();
}

export function findRevision(
  editionId: number,
  number: number,
  tx: Tx,
): EditionRevisionRow | undefined {
  return tx
    .select()
    .from(editionRevisions)
    .where(and(eq(editionRevisions.editionId, editionId), eq(editionRevisions.number, number)))
    .get();
}

export function latestRevision(editionId: number, tx: Tx): EditionRevisionRow | undefined {
  return tx
    .select()
    .from(editionRevisions)
    .where(eq(editionRevisions.editionId, editionId))
    .orderBy(desc(editionRevisions.number))
    .limit(1)
    .get();
}

export function addRevision(
  row: {
    editionId: number;
    number: number;
    snapshot: EditionSnapshot;
    autosave: boolean;
    savedBy: number | null;
    savedByName: string | null;
    savedAt: number;
  },
  tx: Tx,
): void {
  tx.insert(editionRevisions).values(row).run();
}

/** An autosave that follows the same editor's autosave replaces it. */
export function replaceRevision(
  id: number,
  snapshot: EditionSnapshot,
  savedAt: number,
  tx: Tx,
): void {
  tx.update(editionRevisions).set({ snapshot, savedAt }).where(eq(editionRevisions.id, id)).run();
}

// edition_locks

/** The lock of an edition with its holder's name and e-mail. */
export function findLock(editionId: number, tx: Tx) {
  return tx
    .select({
      userId: editionLocks.userId,
      since: editionLocks.since,
      renewedAt: editionLocks.renewedAt,
      name: users.name,
      email: users.email,
    })
    .from(editionLocks)
    .innerJoin(users, eq(users.id, editionLocks.userId))
    .where(eq(editionLocks.editionId, editionId))
    .get();
}

export function saveLock(
  row: { editionId: number; userId: number; since: number; renewedAt: number },
  tx: Tx,
): void {
  tx.insert(editionLocks)
    .values(row)
    .onConflictDoUpdate({
      target: editionLocks.editionId,
      set: { userId: row.userId, since: row.since, renewedAt: row.renewedAt },
    })
    .run();
}

export function deleteLock(editionId: number, userId: number, tx: Tx): void {
  tx.delete(editionLocks)
    .where(and(eq(editionLocks.editionId, editionId), eq(editionLocks.userId, userId)))
    .run();
}

// test_sends

export type TestSend = typeof testSends.$inferSelect;

export function addTestSends(
  rows: Omit<TestSend, 'id' | 'sentAt' | 'messageId'>[],
  tx: Tx,
): TestSend[] {
  if (rows.length === 0) return [];
  return tx.insert(testSends).values(rows).returning().all();
}

export function findTestSend(id: number, tx: Tx): TestSend | undefined {
  return tx.select().from(testSends).where(eq(testSends.id, id)).get();
}

export function markTestSent(id: number, messageId: string, sentAt: number, tx: Tx): void {
  tx.update(testSends).set({ sentAt, messageId }).where(eq(testSends.id, id)).run();
}

/** How many test mails of an edition were asked for since `since` (the throttle). */
export function countTestSendsSince(editionId: number, since: number, tx: Tx): number {
  return (
    tx
      .select({ n: count() })
      .from(testSends)
      .where(and(eq(testSends.editionId, editionId), gte(testSends.createdAt, since)))
      .get()?.n ?? 0
  );
}
