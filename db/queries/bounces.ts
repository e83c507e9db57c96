import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { bounces, deliveries } from '../schema.js';

export type Bounce = typeof bounces.$inferSelect;
export type BounceEntry = Omit<typeof bounces.$inferInsert, 'id'>;

export function recordBounce(entry: BounceEntry, tx: Tx): Bounce {
  return tx.insert(bounces).values(entry).returning().get();
}

/** The ledger row a bounce names, with what the bounce needs of it. */
export function findDelivery(id: number, tx: Tx) {
  return tx
    .select({
      id: deliveries.id,
      campaignId: deliveries.campaignId,
      subscriberId: deliveries.subscriberId,
      status: deliveries.status,
      messageId: deliveries.messageId,
    })
    .from(deliveries)
    .where(eq(deliveries.id, id))
    .get();
}

/** A person's newest delivery that went out (a relay's report without a Message-ID). */
export function latestSentDelivery(subscriberId: number, tx: Tx) {
  const row = tx
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.subscriberId, subscriberId), eq(deliveries.status, 'sent')))
    .orderBy(desc(deliveries.id))
    .limit(1)
    .get();
  return row ? findDelivery(row.id, tx) : undefined;
}

/** The delivery came back: `bounced` with the reason; the first bounce's reason stays. */
export function markBounced(deliveryId: number, reason: string, tx: Tx): boolean {
  return (
    tx
      .update(deliveries)
      .set({ status: 'bounced', reason: reason.slice(0, 500), updatedAt: Date.now() })
      .where(
        and(
          eq(deliveries.id, deliveryId),
          inArray(deliveries.status, ['queued', 'sent', 'failed']),
        ),
      )
      .run().changes > 0
  );
}

/** Of a person's last `window` deliveries that went out, how many bounced soft. */
export function softBouncesInLast(subscriberId: number, window: number, tx: Tx): number {
  const recent = tx
    .select({
      // Qualified by hand: drizzle leaves columns of a one-table select unqualified.
      soft: sql<number>`exists (select 1 from ${bounces} where ${bounces}.delivery_id = ${deliveries}.id and ${bounces}.kind = 'soft')`,
    })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.subscriberId, subscriberId),
        inArray(deliveries.status, ['sent', 'bounced']),
      ),
    )
    .orderBy(desc(deliveries.id))
    .limit(window)
    .all();
  return recent.filter((r) => Number(r.soft) === 1).length;
}

/** A person's bounce log, newest first. */
export function bouncesOf(subscriberId: number, tx: Tx): Bounce[] {
  return tx
    .select()
    .from(bounces)
    .where(eq(bounces.subscriberId, subscriberId))
    .orderBy(desc(bounces.id))
    .all();
}

export function setAction(id: number, action: Bounce['action'], tx: Tx): void {
  tx.update(bounces).set({ action }).where(eq(bounces.id, id)).run();
}
