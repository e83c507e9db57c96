import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { apiTokens } from '../schema.js';

export type ApiToken = typeof apiTokens.$inferSelect;

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
