import { desc, eq, isNull, and } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { apiTokens, caughtMails, mailTexts } from '../schema.js';

export type ApiToken = typeof apiTokens.$inferSelect;
export type CaughtMailRow = typeof caughtMails.$inferSelect;

export function createApiToken(
  input: { name: string; role: ApiToken['role']; tokenHash: string; prefix: string },
  tx: Tx,
): ApiToken {
  return tx.insert(apiTokens).values(input).returning().get();
}

/** A token that is not revoked; marks it used. */
export function useApiToken(tokenHash: string, now: number, tx: Tx): ApiToken | undefined {
  const token = tx
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .get();
  if (!token) return undefined;
  // Write "last used" at most once a minute to keep API reads cheap.
  if (!token.lastUsedAt || now - token.lastUsedAt > 60_000) {
    tx.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, token.id)).run();
  }
  return token;
}

export function listApiTokens(tx: Tx): ApiToken[] {
  return tx.select().from(apiTokens).orderBy(desc(apiTokens.id)).all();
}

export function revokeApiToken(id: number, now: number, tx: Tx): boolean {
  return (
    tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id })
      .all().length > 0
  );
}

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

/** Editor-written text of a transactional mail (the welcome mail) in one language, if any. */
export function findMailText(key: string, language: string, tx: Tx) {
  return tx
    .select()
    .from(mailTexts)
    .where(and(eq(mailTexts.key, key), eq(mailTexts.language, language)))
    .get();
}

export function deleteMailText(key: string, language: string, tx: Tx): void {
  tx.delete(mailTexts)
    .where(and(eq(mailTexts.key, key), eq(mailTexts.language, language)))
    .run();
}

export function saveMailText(
  key: string,
  language: string,
  subject: string,
  body: string,
  tx: Tx,
): void {
  tx.insert(mailTexts)
    .values({ key, language, subject, body, updatedAt: Date.now() })
    .onConflictDoUpdate({
      target: [mailTexts.key, mailTexts.language],
      set: { subject, body, updatedAt: Date.now() },
    })
    .run();
}
