import { and, eq } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { mailTexts } from '../schema.js';

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
