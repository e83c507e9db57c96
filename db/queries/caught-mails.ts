import { desc, eq } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { caughtMails } from '../schema.js';

export type CaughtMailRow = typeof caughtMails.$inferSelect;

export function storeCaughtMail(mail: Omit<typeof caughtMails.$inferInsert, 'id'>, tx: Tx): number {
  return tx.insert(caughtMails).values(mail).returning({ id: caughtMails.id }).get().id;
}

export function listCaughtMails(limit: number, tx: Tx): CaughtMailRow[] {
  return tx.select().from(caughtMails).orderBy(desc(caughtMails.id)).limit(limit).all();
}

export function findCaughtMail(id: number, tx: Tx): CaughtMailRow | undefined {
  return tx.select().from(caughtMails).where(eq(caughtMails.id, id)).get();
}

export function clearCaughtMails(tx: Tx): void {
  tx.delete(caughtMails).run();
}
