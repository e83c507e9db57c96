import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  lists,
  regions,
  roles,
  segments,
  subscriberRoles,
  subscribers,
  subscriberStatuses,
  topics,
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

export const ruleFields: readonly RuleField[] = [
  'region',
  'role',
  'topic',
  'language',
  'list',
  'status',
  'createdAfter',
  'createdBefore',
  'engagement',
];
export const engagementKinds = ['opened', 'clicked'] as const;
export const MAX_ENGAGEMENT_ISSUES = 50;

/** Why a rule is not acceptable; callers turn the code into their own words. */
export type RuleProblem = 'unknownField' | 'unknownValue' | 'badDate' | 'badEngagement' | 'tooMany';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (v: string) => isoDate.test(v) && !Number.isNaN(Date.parse(v));

/**
 * Check rules against what exists: region, role and topic keys (inactive ones too, as people
 * may still carry them), list ids, statuses, languages (given by the caller), dates as
 * YYYY-MM-DD, engagement as [opened|clicked, number of issues].
 */
export function ruleProblems(
  rules: SegmentRule[],
  languageCodes: readonly string[],
  tx: Tx,
): Partial<Record<string, RuleProblem>> {
  const problems: Partial<Record<string, RuleProblem>> = {};
  const keysOf = (table: typeof regions | typeof roles | typeof topics) =>
    new Set(
      tx
        .select({ key: table.key })
        .from(table)
        .all()
        .map((r) => r.key),
    );
  for (const rule of rules) {
    const field = rule.field as string;
    if (!(ruleFields as readonly string[]).includes(field)) {
      problems[field] = 'unknownField';
      continue;
    }
    if (rule.values.length > 200) {
      problems[field] = 'tooMany';
      continue;
    }
    let known: Set<string>;
    switch (rule.field) {
      case 'region':
        known = keysOf(regions);
        break;
      case 'role':
        known = keysOf(roles);
        break;
      case 'topic':
        known = keysOf(topics);
        break;
      case 'language':
        known = new Set(languageCodes);
        break;
      case 'status':
        known = new Set(subscriberStatuses);
        break;
      case 'list':
        known = new Set(
          tx
            .select({ id: lists.id })
            .from(lists)
            .all()
            .map((l) => String(l.id)),
        );
        break;
      case 'createdAfter':
      case 'createdBefore':
        if (rule.values.length !== 1 || !validDate(rule.values[0]!)) problems[field] = 'badDate';
        continue;
      case 'engagement': {
        const [kind, issues] = rule.values;
        const n = Number(issues);
        if (
          rule.values.length !== 2 ||
          !(engagementKinds as readonly string[]).includes(kind ?? '') ||
          !Number.isInteger(n) ||
          n < 1 ||
          n > MAX_ENGAGEMENT_ISSUES
        )
          problems[field] = 'badEngagement';
        continue;
      }
    }
    if (!rule.values.length || rule.values.some((v) => !known.has(v)))
      problems[field] = 'unknownValue';
  }
  return problems;
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
