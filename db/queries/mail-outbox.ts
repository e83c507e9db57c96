import { and, asc, inArray, isNull, lt } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { mailOutbox } from '../schema.js';

export type OutboxMail = typeof mailOutbox.$inferSelect;

const CHUNK = 500;

/**
 * Note mails as owed, in the caller's transaction. A job id that is already owed is skipped:
 * only the rows written now are returned.
 */
export function addMails(
  mails: {
    name: string;
    subscriberId: number | null;
    testSendId: number | null;
    registrationId?: number | null;
    jobId: string;
  }[],
  now: number,
  tx: Tx,
): OutboxMail[] {
  const added: OutboxMail[] = [];
  for (let i = 0; i < mails.length; i += CHUNK) {
    const rows = mails.slice(i, i + CHUNK).map((m) => ({ ...m, createdAt: now }));
    added.push(
      ...tx
        .insert(mailOutbox)
        .values(rows)
        .onConflictDoNothing({ target: mailOutbox.jobId })
        .returning()
        .all(),
    );
  }
  return added;
}

/** Owed mails not yet taken by the queue, noted before `createdBefore`; the oldest first. */
export function unqueuedMails(createdBefore: number, limit: number, tx: Tx): OutboxMail[] {
  return tx
    .select()
    .from(mailOutbox)
    .where(and(isNull(mailOutbox.queuedAt), lt(mailOutbox.createdAt, createdBefore)))
    .orderBy(asc(mailOutbox.id))
    .limit(limit)
    .all();
}

export function markQueued(ids: number[], now: number, tx: Tx): void {
  for (let i = 0; i < ids.length; i += CHUNK) {
    tx.update(mailOutbox)
      .set({ queuedAt: now })
      .where(and(inArray(mailOutbox.id, ids.slice(i, i + CHUNK)), isNull(mailOutbox.queuedAt)))
      .run();
  }
}

/** Delete the rows noted before `createdBefore`; returns how many. */
export function purgeMails(createdBefore: number, tx: Tx): number {
  return tx.delete(mailOutbox).where(lt(mailOutbox.createdAt, createdBefore)).run().changes;
}
