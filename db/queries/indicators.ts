import { and, asc, eq, gte, inArray, isNotNull, lt, lte, ne, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  campaigns,
  consultations,
  deliveries,
  editions,
  eventRegistrations,
  events,
  indicatorTargets,
  subscriberRoles,
  subscribers,
  trackingEvents,
  type EventType,
} from '../schema.js';

/** Instants in ms: `from` included, `to` excluded. */
export interface Range {
  from: number;
  to: number;
}

export type StoredTarget = typeof indicatorTargets.$inferSelect;

export function listTargets(tx: Tx): StoredTarget[] {
  return tx.select().from(indicatorTargets).all();
}

export function saveTarget(
  row: { key: string; label: string; target: number },
  updatedBy: number | null,
  tx: Tx,
): void {
  const values = { ...row, updatedAt: Date.now(), updatedBy };
  tx.insert(indicatorTargets)
    .values(values)
    .onConflictDoUpdate({ target: indicatorTargets.key, set: values })
    .run();
}

export interface SentEdition {
  id: number;
  number: number;
  title: string;
  /** When its first campaign finished sending. */
  firstSentAt: number;
  campaignIds: number[];
  /** Mails delivered to the relay for this edition (all its campaigns). */
  delivered: number;
}

/**
 * Editions whose first finished campaign (`sent`) finished in the range: an edition counts
 * once, in the period it first went out.
 */
export function sentEditions(range: Range, tx: Tx): SentEdition[] {
  const firstSent = sql<number>`min(${campaigns.finishedAt})`;
  const rows = tx
    .select({
      id: editions.id,
      number: editions.number,
      title: editions.title,
      firstSentAt: firstSent,
      campaignIds: sql<string>`group_concat(${campaigns.id})`,
    })
    .from(editions)
    .innerJoin(campaigns, eq(campaigns.editionId, editions.id))
    .where(and(eq(campaigns.status, 'sent'), isNotNull(campaigns.finishedAt)))
    .groupBy(editions.id)
    .having(and(gte(firstSent, range.from), lt(firstSent, range.to)))
    .orderBy(asc(firstSent))
    .all();
  if (rows.length === 0) return [];
  const delivered = new Map(
    tx
      .select({ editionId: deliveries.editionId, n: sql<number>`count(*)` })
      .from(deliveries)
      .where(
        and(
          inArray(
            deliveries.editionId,
            rows.map((r) => r.id),
          ),
          eq(deliveries.status, 'sent'),
        ),
      )
      .groupBy(deliveries.editionId)
      .all()
      .map((r) => [r.editionId, r.n]),
  );
  return rows.map((r) => ({
    ...r,
    campaignIds: String(r.campaignIds).split(',').map(Number),
    delivered: delivered.get(r.id) ?? 0,
  }));
}

export interface HeldEvent {
  id: number;
  type: EventType;
  title: string;
  startsAt: number;
  regionKey: string | null;
  attendanceRecordedAt: number | null;
}

/** Events of a type that started in the range before `now` and whose attendance is recorded. */
export function heldEvents(type: EventType | null, range: Range, now: number, tx: Tx): HeldEvent[] {
  return tx
    .select({
      id: events.id,
      type: events.type,
      title: events.title,
      startsAt: events.startsAt,
      regionKey: events.regionKey,
      attendanceRecordedAt: events.attendanceRecordedAt,
    })
    .from(events)
    .where(
      and(
        type ? eq(events.type, type) : undefined,
        gte(events.startsAt, range.from),
        lt(events.startsAt, Math.min(range.to, now)),
        isNotNull(events.attendanceRecordedAt),
      ),
    )
    .orderBy(asc(events.startsAt), asc(events.id))
    .all();
}

export interface Attendee {
  id: number;
  eventId: number;
  email: string | null;
  name: string;
  regionKey: string | null;
  roleKey: string | null;
  walkIn: boolean;
}

/** The people ticked as present at these events (cancelled registrations never count). */
export function presentAttendees(eventIds: number[], tx: Tx): Attendee[] {
  if (eventIds.length === 0) return [];
  return tx
    .select({
      id: eventRegistrations.id,
      eventId: eventRegistrations.eventId,
      email: eventRegistrations.email,
      name: eventRegistrations.name,
      regionKey: eventRegistrations.regionKey,
      roleKey: eventRegistrations.roleKey,
      walkIn: eventRegistrations.walkIn,
    })
    .from(eventRegistrations)
    .where(
      and(
        inArray(eventRegistrations.eventId, eventIds),
        eq(eventRegistrations.present, true),
        ne(eventRegistrations.status, 'cancelled'),
      ),
    )
    .orderBy(asc(eventRegistrations.eventId), asc(eventRegistrations.id))
    .all();
}

export interface ConfirmedSubscriber {
  id: number;
  email: string;
  name: string;
  regionKey: string | null;
  confirmedAt: number;
  roleKeys: string[];
}

/** Subscribers whose (first) confirmation falls in the range, whatever they did later. */
export function confirmedSubscribers(range: Range, tx: Tx): ConfirmedSubscriber[] {
  const rows = tx
    .select({
      id: subscribers.id,
      email: subscribers.email,
      name: subscribers.name,
      regionKey: subscribers.regionKey,
      confirmedAt: sql<number>`${subscribers.confirmedAt}`,
      roleKeys: sql<
        string | null
      >`(select group_concat(${subscriberRoles.roleKey}) from ${subscriberRoles} where ${subscriberRoles.subscriberId} = ${subscribers.id})`,
    })
    .from(subscribers)
    .where(and(gte(subscribers.confirmedAt, range.from), lt(subscribers.confirmedAt, range.to)))
    .orderBy(asc(subscribers.confirmedAt), asc(subscribers.id))
    .all();
  return rows.map((r) => ({ ...r, roleKeys: r.roleKeys ? r.roleKeys.split(',') : [] }));
}

/** Subscribers who had confirmed by an instant and not unsubscribed by then. */
export function confirmedCountAt(at: number, tx: Tx): number {
  const row = tx
    .select({ n: sql<number>`count(*)` })
    .from(subscribers)
    .where(
      and(
        lt(subscribers.confirmedAt, at),
        sql`(${subscribers.unsubscribedAt} is null or ${subscribers.unsubscribedAt} >= ${at})`,
      ),
    )
    .get();
  return row?.n ?? 0;
}

/** When each subscriber who came through a colleague's recommendation confirmed, in the range. */
export function referralConfirmations(range: Range, tx: Tx): number[] {
  return tx
    .select({ at: sql<number>`${subscribers.confirmedAt}` })
    .from(subscribers)
    .where(
      and(
        eq(subscribers.sourceKind, 'referral'),
        gte(subscribers.confirmedAt, range.from),
        lt(subscribers.confirmedAt, range.to),
      ),
    )
    .all()
    .map((r) => r.at);
}

export type HeldConsultation = typeof consultations.$inferSelect;

/** Consultations held on the days from `from` to `to` (`YYYY-MM-DD`, both included). */
export function consultationsHeld(from: string, to: string, tx: Tx): HeldConsultation[] {
  return tx
    .select()
    .from(consultations)
    .where(and(gte(consultations.heldOn, from), lte(consultations.heldOn, to)))
    .orderBy(asc(consultations.heldOn), asc(consultations.id))
    .all();
}

export interface EditionTracking {
  editionId: number;
  kind: 'open' | 'click';
  class: 'human' | 'machine' | 'scanner';
  events: number;
  /** Distinct deliveries (people with tracking consent) among them. */
  people: number;
}

/** Opens and clicks of these editions' campaigns, by kind and class. */
export function trackingByEdition(editionIds: number[], tx: Tx): EditionTracking[] {
  if (editionIds.length === 0) return [];
  return tx
    .select({
      editionId: campaigns.editionId,
      kind: trackingEvents.kind,
      class: trackingEvents.class,
      events: sql<number>`count(*)`,
      people: sql<number>`count(distinct ${trackingEvents.deliveryId})`,
    })
    .from(trackingEvents)
    .innerJoin(campaigns, eq(campaigns.id, trackingEvents.campaignId))
    .where(inArray(campaigns.editionId, editionIds))
    .groupBy(campaigns.editionId, trackingEvents.kind, trackingEvents.class)
    .all();
}

export interface EventRegistrationCounts {
  id: number;
  type: EventType;
  title: string;
  startsAt: number;
  regionKey: string | null;
  attendanceRecordedAt: number | null;
  registered: number;
  waiting: number;
  present: number;
}

/** Every event that starts in the range, with its registrations by state. */
export function registrationCounts(range: Range, tx: Tx): EventRegistrationCounts[] {
  const r = eventRegistrations;
  return tx
    .select({
      id: events.id,
      type: events.type,
      title: events.title,
      startsAt: events.startsAt,
      regionKey: events.regionKey,
      attendanceRecordedAt: events.attendanceRecordedAt,
      registered: sql<number>`coalesce(sum(${r.status} = 'registered'), 0)`,
      waiting: sql<number>`coalesce(sum(${r.status} = 'waiting'), 0)`,
      present: sql<number>`coalesce(sum(${r.status} != 'cancelled' and ${r.present} = 1), 0)`,
    })
    .from(events)
    .leftJoin(r, eq(r.eventId, events.id))
    .where(and(gte(events.startsAt, range.from), lt(events.startsAt, range.to)))
    .groupBy(events.id)
    .orderBy(asc(events.startsAt), asc(events.id))
    .all();
}
