import { asc, eq } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { consentTexts, lists, regions, roles, topics } from '../schema.js';

export type Region = typeof regions.$inferSelect;
export type Role = typeof roles.$inferSelect;
export type Topic = typeof topics.$inferSelect;
export type List = typeof lists.$inferSelect;

export function listRegions(tx: Tx): Region[] {
  return tx
    .select()
    .from(regions)
    .where(eq(regions.active, true))
    .orderBy(asc(regions.position))
    .all();
}

export function listRoles(tx: Tx): Role[] {
  return tx.select().from(roles).where(eq(roles.active, true)).orderBy(asc(roles.position)).all();
}

export function listTopics(tx: Tx): Topic[] {
  return tx
    .select()
    .from(topics)
    .where(eq(topics.active, true))
    .orderBy(asc(topics.position))
    .all();
}

export function publicLists(tx: Tx): List[] {
  return tx.select().from(lists).where(eq(lists.isPublic, true)).orderBy(asc(lists.id)).all();
}

export function findList(id: number, tx: Tx): List | undefined {
  return tx.select().from(lists).where(eq(lists.id, id)).get();
}

/** The list a sign-up lands on when the form offers no choice: the oldest public list. */
export function defaultList(tx: Tx): List {
  const list = publicLists(tx)[0] ?? tx.select().from(lists).orderBy(asc(lists.id)).get();
  if (!list) throw new Error('no list exists: run the migrations (npx landpost migrate)');
  return list;
}

export function saveConsentText(version: string, language: string, text: string, tx: Tx): void {
  tx.insert(consentTexts).values({ version, language, text }).onConflictDoNothing().run();
}
