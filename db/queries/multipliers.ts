import { and, eq, gte, isNotNull, lt, ne } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { eventRegistrations, events, subscribers, type SourceKind } from '../schema.js';

/** A person who confirmed their subscription, and where their sign-up came from. */
export interface ConfirmedSignup {
  id: number;
  sourceKind: SourceKind;
  /** The recommending subscriber; null also when they have been erased since. */
  referredBy: number | null;
  confirmedAt: number;
}

/**
 * Everybody who confirmed in [from, to) (ms), with the source of their sign-up. People who
 * never confirmed are not here; people erased since are gone with their row.
 */
export function confirmedSignups(from: number, to: number, tx: Tx): ConfirmedSignup[] {
  return tx
    .select({
      id: subscribers.id,
      sourceKind: subscribers.sourceKind,
      referredBy: subscribers.referredBy,
      confirmedAt: subscribers.confirmedAt,
    })
    .from(subscribers)
    .where(
      and(
        isNotNull(subscribers.confirmedAt),
        gte(subscribers.confirmedAt, from),
        lt(subscribers.confirmedAt, to),
      ),
    )
    .orderBy(subscribers.confirmedAt, subscribers.id)
    .all() as ConfirmedSignup[];
}

/** An event registration made through a recommendation link. */
export interface ReferredRegistration {
  id: number;
  eventId: number;
  eventTitle: string;
  /** Null when the recommending subscriber has been erased since. */
  referredBy: number | null;
  /** Who registered; the subscriber when they are one. */
  name: string;
  email: string | null;
  subscriberId: number | null;
}

/** Registrations in [from, to) (ms) that came from a recommendation; cancelled ones left out. */
export function referredRegistrations(from: number, to: number, tx: Tx): ReferredRegistration[] {
  return tx
    .select({
      id: eventRegistrations.id,
      eventId: eventRegistrations.eventId,
      eventTitle: events.title,
      referredBy: eventRegistrations.referredBy,
      name: eventRegistrations.name,
      email: eventRegistrations.email,
      subscriberId: eventRegistrations.subscriberId,
    })
    .from(eventRegistrations)
    .innerJoin(events, eq(events.id, eventRegistrations.eventId))
    .where(
      and(
        eq(eventRegistrations.sourceKind, 'referral'),
        ne(eventRegistrations.status, 'cancelled'),
        gte(eventRegistrations.createdAt, from),
        lt(eventRegistrations.createdAt, to),
      ),
    )
    .orderBy(eventRegistrations.id)
    .all();
}
