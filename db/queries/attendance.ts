import { and, eq, inArray, ne, or, isNull } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { eventRegistrations, events, walkInConsentSources } from '../schema.js';

export type Registration = typeof eventRegistrations.$inferSelect;
export type WalkInConsentSource = (typeof walkInConsentSources)[number];

/** A walk-in as it is stored (the service has checked it). */
export interface WalkInInput {
  name: string;
  email: string | null;
  organisation: string;
  roleKey: string | null;
  regionKey: string | null;
  consentSource: WalkInConsentSource;
}

/** The people expected or seen at an event: registered ones and walk-ins, by id. */
export function listAttendees(eventId: number, tx: Tx): Registration[] {
  return tx
    .select()
    .from(eventRegistrations)
    .where(
      and(eq(eventRegistrations.eventId, eventId), eq(eventRegistrations.status, 'registered')),
    )
    .orderBy(eventRegistrations.id)
    .all();
}

/** The registration of an address for an event, whatever its status. */
export function findByEmail(eventId: number, email: string, tx: Tx): Registration | undefined {
  return tx
    .select()
    .from(eventRegistrations)
    .where(and(eq(eventRegistrations.eventId, eventId), eq(eventRegistrations.email, email)))
    .get();
}

/**
 * Records who came and who did not: only rows whose answer changes get the time and the
 * user. Answers the ids that changed.
 */
export function setPresence(
  eventId: number,
  ids: number[],
  present: boolean,
  at: number,
  by: number | null,
  tx: Tx,
): number[] {
  if (!ids.length) return [];
  return tx
    .update(eventRegistrations)
    .set({ present, attendanceAt: at, attendanceBy: by, updatedAt: at })
    .where(
      and(
        eq(eventRegistrations.eventId, eventId),
        inArray(eventRegistrations.id, ids),
        or(isNull(eventRegistrations.present), ne(eventRegistrations.present, present)),
      ),
    )
    .returning({ id: eventRegistrations.id })
    .all()
    .map((r) => r.id);
}

/**
 * A registration whose person came although it was cancelled or still waiting: it counts as
 * registered from now on.
 */
export function reinstate(id: number, at: number, tx: Tx): void {
  tx.update(eventRegistrations)
    .set({ status: 'registered', cancelledAt: null, updatedAt: at })
    .where(eq(eventRegistrations.id, id))
    .run();
}

export function insertWalkIn(
  eventId: number,
  input: WalkInInput,
  at: number,
  by: number | null,
  tx: Tx,
): Registration {
  return tx
    .insert(eventRegistrations)
    .values({
      eventId,
      ...input,
      status: 'registered',
      walkIn: true,
      present: true,
      attendanceAt: at,
      attendanceBy: by,
      createdAt: at,
      updatedAt: at,
    })
    .returning()
    .get();
}

/** When staff last saved who came to an event. */
export function markAttendanceRecorded(eventId: number, at: number, tx: Tx): void {
  tx.update(events).set({ attendanceRecordedAt: at }).where(eq(events.id, eventId)).run();
}
