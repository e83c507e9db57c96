import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  regions,
  roles,
  segments,
  subscriberRoles,
  subscribers,
  type SegmentRule,
} from '../schema.js';
import { countWhere, segmentWhere } from './filters.js';

export type Segment = typeof segments.$inferSelect;
export type SegmentMatch = Segment['match'];
export type RuleField = SegmentRule['field'];
export interface SegmentInput {
  name: string;
  description: string;
  match: SegmentMatch;
  rules: SegmentRule[];
}

export function listSegments(tx: Tx): Segment[] {
  return tx.select().from(segments).orderBy(asc(segments.name), asc(segments.id)).all();
}

export function findSegment(id: number, tx: Tx): Segment | undefined {
  return tx.select().from(segments).where(eq(segments.id, id)).get();
}

export function createSegment(input: SegmentInput, createdBy: number | null, tx: Tx): Segment {
  return tx
    .insert(segments)
    .values({ ...input, createdBy })
    .returning()
    .get();
}

export function updateSegment(id: number, input: SegmentInput, tx: Tx): boolean {
  return (
    tx
      .update(segments)
      .set({ ...input, updatedAt: Date.now() })
      .where(eq(segments.id, id))
      .returning({ id: segments.id })
      .all().length > 0
  );
}

export function deleteSegment(id: number, tx: Tx): boolean {
  return tx.delete(segments).where(eq(segments.id, id)).returning().all().length > 0;
}

/** How many subscribers the rules select (no rules: everybody). */
export function countRules(rules: SegmentRule[], match: SegmentMatch, tx: Tx): number {
  return countWhere(segmentWhere(rules, match), tx);
}

/** A saved segment's size: everybody it selects, and those a send would reach (confirmed). */
export function segmentCounts(segment: Segment, tx: Tx): { count: number; confirmed: number } {
  const where = segmentWhere(segment.rules, segment.match);
  const confirmed = eq(subscribers.status, 'confirmed');
  return {
    count: countWhere(where, tx),
    confirmed: countWhere(where ? and(where, confirmed) : confirmed, tx),
  };
}

/**
 * Everybody a saved segment selects, whatever their status (undefined: no condition, i.e. all
 * subscribers; null: no such segment).
 */
export function segmentSubscriberWhere(segmentId: number, tx: Tx): SQL | undefined | null {
  const segment = findSegment(segmentId, tx);
  if (!segment) return null;
  return segmentWhere(segment.rules, segment.match);
}

/**
 * Who a send to the segment reaches: its subscribers who have confirmed (unconfirmed,
 * unsubscribed and blocked people never get a newsletter). null: no such segment.
 */
export function segmentRecipientWhere(segmentId: number, tx: Tx): SQL | null {
  const where = segmentSubscriberWhere(segmentId, tx);
  if (where === null) return null;
  const confirmed = eq(subscribers.status, 'confirmed');
  return where ? and(where, confirmed)! : confirmed;
}

export interface SegmentMember {
  id: number;
  email: string;
  status: string;
  regionKey: string | null;
  regionName: string | null;
  roleKeys: string[];
}

/** The first `limit` subscribers the rules select, newest first, with region and roles. */
export function previewMembers(
  rules: SegmentRule[],
  match: SegmentMatch,
  limit: number,
  tx: Tx,
): SegmentMember[] {
  const rows = tx
    .select({
      id: subscribers.id,
      email: subscribers.email,
      status: subscribers.status,
      regionKey: subscribers.regionKey,
      regionName: regions.name,
    })
    .from(subscribers)
    .leftJoin(regions, eq(regions.key, subscribers.regionKey))
    .where(segmentWhere(rules, match))
    .orderBy(desc(subscribers.id))
    .limit(limit)
    .all();
  if (!rows.length) return [];
  const roleRows = tx
    .select({ id: subscriberRoles.subscriberId, key: subscriberRoles.roleKey })
    .from(subscriberRoles)
    .innerJoin(roles, eq(roles.key, subscriberRoles.roleKey))
    .where(
      inArray(
        subscriberRoles.subscriberId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(roles.position))
    .all();
  return rows.map((r) => ({
    ...r,
    roleKeys: roleRows.filter((x) => x.id === r.id).map((x) => x.key),
  }));
}
