import { and, asc, count, eq, gt, gte, isNull, lt, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { eventRegistrations, events, subscribers, type RegistrationStatus } from '../schema.js';

export type Registration = typeof eventRegistrations.$inferSelect;

/** A registration as the service has checked it; status and source come with it. */
export type RegistrationInput = Pick<
  Registration,
  | 'eventId'
  | 'status'
  | 'name'
  | 'email'
  | 'organisation'
  | 'roleKey'
  | 'regionKey'
  | 'language'
  | 'accessibilityNeeds'
  | 'interpreter'
  | 'subscriberId'
  | 'sourceKind'
  | 'sourceEditionId'
  | 'sourceCampaignId'
  | 'referredBy'
  | 'sourceCode'
>;

export function findRegistration(id: number, tx: Tx): Registration | undefined {
  return tx.select().from(eventRegistrations).where(eq(eventRegistrations.id, id)).get();
}

export function findByEmail(eventId: number, email: string, tx: Tx): Registration | undefined {
  return tx
    .select()
    .from(eventRegistrations)
    .where(and(eq(eventRegistrations.eventId, eventId), eq(eventRegistrations.email, email)))
    .get();
}

export function insertRegistration(input: RegistrationInput, now: number, tx: Tx): Registration {
  return tx
    .insert(eventRegistrations)
    .values({ ...input, createdAt: now, updatedAt: now })
    .returning()
    .get();
}

/**
 * A cancelled registration made again: the row takes the new details and starts afresh (its
 * place in the waiting list is now, its reminder still to come); attendance stays untouched.
 */
export function reactivateRegistration(
  id: number,
  input: RegistrationInput,
  now: number,
  tx: Tx,
): Registration {
  return tx
    .update(eventRegistrations)
    .set({
      ...input,
      createdAt: now,
      updatedAt: now,
      cancelledAt: null,
      promotedAt: null,
      reminderSentAt: null,
    })
    .where(eq(eventRegistrations.id, id))
    .returning()
    .get();
}

/** Registered people take the places: walk-ins too, who came anyway. */
export function countRegistered(eventId: number, tx: Tx): number {
  return (
    tx
      .select({ n: count() })
      .from(eventRegistrations)
      .where(
        and(eq(eventRegistrations.eventId, eventId), eq(eventRegistrations.status, 'registered')),
      )
      .get()?.n ?? 0
  );
}

export function countsByStatus(eventId: number, tx: Tx): Record<RegistrationStatus, number> {
  const rows = tx
    .select({ status: eventRegistrations.status, n: count() })
    .from(eventRegistrations)
    .where(eq(eventRegistrations.eventId, eventId))
    .groupBy(eventRegistrations.status)
    .all();
  const counts = { registered: 0, waiting: 0, cancelled: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** The waiting list in its order: who registered first moves up first. */
export function waitingList(eventId: number, limit: number, tx: Tx): Registration[] {
  return tx
    .select()
    .from(eventRegistrations)
    .where(and(eq(eventRegistrations.eventId, eventId), eq(eventRegistrations.status, 'waiting')))
    .orderBy(asc(eventRegistrations.createdAt), asc(eventRegistrations.id))
    .limit(limit)
    .all();
}

/** Cancel a registration that is not cancelled yet; false when it already was. */
export function cancelRegistration(id: number, now: number, tx: Tx): boolean {
  return (
    tx
      .update(eventRegistrations)
      .set({ status: 'cancelled', cancelledAt: now, updatedAt: now })
      .where(and(eq(eventRegistrations.id, id), sql`${eventRegistrations.status} <> 'cancelled'`))
      .run().changes > 0
  );
}

export function promoteRegistration(id: number, now: number, tx: Tx): boolean {
  return (
    tx
      .update(eventRegistrations)
      .set({ status: 'registered', promotedAt: now, updatedAt: now })
      .where(and(eq(eventRegistrations.id, id), eq(eventRegistrations.status, 'waiting')))
      .run().changes > 0
  );
}

/**
 * An event's registrations by id (the order they came in), keyset-paginated: `after` is the
 * id of the last row of the previous page.
 */
export function listRegistrations(
  eventId: number,
  options: { after?: number; limit: number; status?: RegistrationStatus },
  tx: Tx,
): Registration[] {
  const where = [eq(eventRegistrations.eventId, eventId)];
  if (options.after !== undefined) where.push(gt(eventRegistrations.id, options.after));
  if (options.status) where.push(eq(eventRegistrations.status, options.status));
  return tx
    .select()
    .from(eventRegistrations)
    .where(and(...where))
    .orderBy(asc(eventRegistrations.id))
    .limit(options.limit)
    .all();
}

/** Registered people of events starting in [from, to) whose reminder has not gone out. */
export function dueReminders(from: number, to: number, limit: number, tx: Tx): Registration[] {
  return tx
    .select({ registration: eventRegistrations })
    .from(eventRegistrations)
    .innerJoin(events, eq(events.id, eventRegistrations.eventId))
    .where(
      and(
        eq(eventRegistrations.status, 'registered'),
        eq(eventRegistrations.walkIn, false),
        isNull(eventRegistrations.reminderSentAt),
        sql`${eventRegistrations.email} is not null`,
        gte(events.startsAt, from),
        lt(events.startsAt, to),
      ),
    )
    .orderBy(asc(eventRegistrations.id))
    .limit(limit)
    .all()
    .map((r) => r.registration);
}

/** Claim a registration's reminder; false when it was claimed before (it goes out once). */
export function claimReminder(id: number, now: number, tx: Tx): boolean {
  return (
    tx
      .update(eventRegistrations)
      .set({ reminderSentAt: now })
      .where(and(eq(eventRegistrations.id, id), isNull(eventRegistrations.reminderSentAt)))
      .run().changes > 0
  );
}

/**
 * A newsletter sign-up made on an event's page names the event as its source, unless the
 * address was on its way in already from somewhere else.
 */
export function markSubscriberFromEvent(subscriberId: number, eventId: number, tx: Tx): void {
  tx.update(subscribers)
    .set({ sourceKind: 'event', sourceEventId: eventId })
    .where(
      and(
        eq(subscribers.id, subscriberId),
        eq(subscribers.status, 'unconfirmed'),
        eq(subscribers.sourceKind, 'direct'),
      ),
    )
    .run();
}
