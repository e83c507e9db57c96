import { and, asc, desc, eq, gt, gte, lt, or, type SQL } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { events, type EventType } from '../schema.js';

export type Event = typeof events.$inferSelect;

/** An event as it is stored (the service has checked it); the slug is given at creation. */
export interface EventInput {
  type: EventType;
  title: string;
  startsAt: number;
  endsAt: number | null;
  place: string | null;
  online: boolean;
  regionKey: string | null;
  capacity: number | null;
  registrationDeadline: number | null;
  description: string;
  contact: string | null;
}

/** Which events: `from` included, `to` excluded (instants in ms, compared with the start). */
export interface EventFilter {
  from?: number;
  to?: number;
  type?: EventType;
  regionKey?: string;
}

function conditions(filter: EventFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.from !== undefined) where.push(gte(events.startsAt, filter.from));
  if (filter.to !== undefined) where.push(lt(events.startsAt, filter.to));
  if (filter.type) where.push(eq(events.type, filter.type));
  if (filter.regionKey) where.push(eq(events.regionKey, filter.regionKey));
  return where;
}

export function createEvent(
  input: EventInput,
  slug: string,
  createdBy: number | null,
  tx: Tx,
): Event {
  return tx
    .insert(events)
    .values({ ...input, slug, createdBy })
    .returning()
    .get();
}

export function findEvent(id: number, tx: Tx): Event | undefined {
  return tx.select().from(events).where(eq(events.id, id)).get();
}

export function findEventBySlug(slug: string, tx: Tx): Event | undefined {
  return tx.select().from(events).where(eq(events.slug, slug)).get();
}

/**
 * By start, earliest first (then by id), keyset-paginated: `after` is the start and id of the
 * last row of the previous page. `latestFirst` (without `after`) turns the order round.
 */
export function listEvents(
  filter: EventFilter & {
    after?: { startsAt: number; id: number };
    limit: number;
    latestFirst?: boolean;
  },
  tx: Tx,
): Event[] {
  const where = conditions(filter);
  if (filter.after) {
    const { startsAt, id } = filter.after;
    where.push(
      or(gt(events.startsAt, startsAt), and(eq(events.startsAt, startsAt), gt(events.id, id)))!,
    );
  }
  return tx
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(
      ...(filter.latestFirst
        ? [desc(events.startsAt), desc(events.id)]
        : [asc(events.startsAt), asc(events.id)]),
    )
    .limit(filter.limit)
    .all();
}

export function updateEvent(id: number, input: EventInput, tx: Tx): boolean {
  return (
    tx
      .update(events)
      .set({ ...input, updatedAt: Date.now() })
      .where(eq(events.id, id))
      .returning({ id: events.id })
      .all().length > 0
  );
}

export function deleteEvent(id: number, tx: Tx): boolean {
  return tx.delete(events).where(eq(events.id, id)).returning({ id: events.id }).all().length > 0;
}
