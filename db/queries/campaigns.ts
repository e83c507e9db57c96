import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  or,
  sql,
  type AnyColumn,
  type SQL,
} from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  campaigns,
  deliveries,
  regions,
  roles,
  subscriberRoles,
  subscribers,
  subscriptions,
  type CampaignStatus,
  type DeliveryStatus,
} from '../schema.js';
import { segmentSubscriberWhere } from './segments.js';

export type Campaign = typeof campaigns.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;
export type CampaignInput = Pick<
  Campaign,
  'editionId' | 'segmentIds' | 'listIds' | 'scheduledAt' | 'confirmedSince'
>;

export function createCampaign(input: CampaignInput, createdBy: number | null, tx: Tx): Campaign {
  return tx
    .insert(campaigns)
    .values({ ...input, createdBy })
    .returning()
    .get();
}

export function findCampaign(id: number, tx: Tx): Campaign | undefined {
  return tx.select().from(campaigns).where(eq(campaigns.id, id)).get();
}

/** Newest first; only one edition's when given. */
export function listCampaigns(tx: Tx, editionId?: number): Campaign[] {
  return tx
    .select()
    .from(campaigns)
    .where(editionId === undefined ? undefined : eq(campaigns.editionId, editionId))
    .orderBy(desc(campaigns.id))
    .all();
}

/** The campaigns in the given states (the scheduler and the sweep look for these). */
export function campaignsIn(statuses: CampaignStatus[], tx: Tx): Campaign[] {
  return tx.select().from(campaigns).where(inArray(campaigns.status, statuses)).all();
}

/**
 * Move a campaign from one of `from` to `to`, with the other changes; false when it was in
 * none of them (so two clicks on "send" start it once).
 */
export function transition(
  id: number,
  from: CampaignStatus[],
  to: CampaignStatus,
  changes: Partial<Campaign>,
  tx: Tx,
): boolean {
  return (
    tx
      .update(campaigns)
      .set({ ...changes, status: to, updatedAt: Date.now() })
      .where(and(eq(campaigns.id, id), inArray(campaigns.status, from)))
      .run().changes > 0
  );
}

/** Fan out again from the start, with new batch ids (failed deliveries queued again). */
export function restartFanout(id: number, tx: Tx): void {
  tx.update(campaigns)
    .set({ fanoutCursor: 0, fanoutRound: sql`${campaigns.fanoutRound} + 1` })
    .where(eq(campaigns.id, id))
    .run();
}

export function setFanoutCursor(id: number, cursor: number, tx: Tx): void {
  tx.update(campaigns).set({ fanoutCursor: cursor }).where(eq(campaigns.id, id)).run();
}

/**
 * Who a campaign reaches: confirmed subscribers in any of its segments or with a confirmed
 * subscription to any of its lists (each once), confirmed since `confirmedSince` when set.
 * null: a segment it names is gone.
 */
export function audienceWhere(campaign: CampaignInput, tx: Tx): SQL | null {
  const parts: SQL[] = [];
  for (const segmentId of campaign.segmentIds) {
    const where = segmentSubscriberWhere(segmentId, tx);
    if (where === null) return null;
    // A segment without rules is everybody.
    parts.push(where ?? sql`1 = 1`);
  }
  if (campaign.listIds.length) {
    parts.push(
      sql`exists (select 1 from ${subscriptions} where ${subscriptions.subscriberId} = ${subscribers.id} and ${subscriptions.status} = 'confirmed' and ${inArray(subscriptions.listId, campaign.listIds)})`,
    );
  }
  if (parts.length === 0) return null;
  const conditions = [eq(subscribers.status, 'confirmed'), or(...parts)!];
  if (campaign.confirmedSince !== null)
    conditions.push(
      isNotNull(subscribers.confirmedAt),
      sql`${subscribers.confirmedAt} >= ${campaign.confirmedSince}`,
    );
  return and(...conditions)!;
}

/** The subscriber's only role, or null with none or several (the variant without a role). */
const onlyRole = sql<
  string | null
>`(select case when count(*) = 1 then max(${subscriberRoles.roleKey}) end from ${subscriberRoles} where ${subscriberRoles.subscriberId} = ${subscribers.id})`;

/** The subscriber's language when the edition has it, else German. */
const variantLanguage = (languages: string[]) =>
  languages.length
    ? sql<string>`case when ${inArray(subscribers.language, languages)} then ${subscribers.language} else 'de' end`
    : sql<string>`'de'`;

/**
 * Fix the audience: one queued delivery per person, each with the variant they get. A person
 * who already has a delivery of this edition (from another campaign) is left out by the
 * unique (edition, subscriber) index. Returns how many deliveries were written.
 */
export function fixAudience(campaign: Campaign, where: SQL, languages: string[], tx: Tx): number {
  return tx.run(sql`
    insert into ${deliveries} (campaign_id, edition_id, subscriber_id, language, region_key, role_key)
    select ${campaign.id}, ${campaign.editionId}, ${subscribers.id}, ${variantLanguage(languages)},
      ${subscribers.regionKey}, ${onlyRole}
    from ${subscribers}
    where ${where}
    order by ${subscribers.id}
    on conflict do nothing`).changes;
}

export interface AudienceCount {
  total: number;
  /** Already got this edition (another campaign): left out. */
  alreadyReceived: number;
  byRegion: { key: string | null; name: string | null; count: number }[];
  byRole: { key: string | null; count: number }[];
}

/** The audience before it is fixed: how many, and how many per region and role. */
export function countAudience(where: SQL, editionId: number, tx: Tx): AudienceCount {
  const received = sql`exists (select 1 from ${deliveries} where ${deliveries.editionId} = ${editionId} and ${deliveries.subscriberId} = ${subscribers.id})`;
  const fresh = and(where, sql`not ${received}`);
  const total = tx.select({ n: count() }).from(subscribers).where(fresh).get()?.n ?? 0;
  const alreadyReceived =
    tx.select({ n: count() }).from(subscribers).where(and(where, received)).get()?.n ?? 0;
  const byRegion = tx
    .select({ key: subscribers.regionKey, name: regions.name, count: count() })
    .from(subscribers)
    .leftJoin(regions, eq(regions.key, subscribers.regionKey))
    .where(fresh)
    .groupBy(subscribers.regionKey)
    .orderBy(asc(regions.name))
    .all();
  const byRole = tx
    .select({ key: subscriberRoles.roleKey, count: count() })
    .from(subscribers)
    .leftJoin(subscriberRoles, eq(subscriberRoles.subscriberId, subscribers.id))
    .leftJoin(roles, eq(roles.key, subscriberRoles.roleKey))
    .where(fresh)
    .groupBy(subscriberRoles.roleKey)
    .orderBy(asc(roles.position))
    .all();
  return { total, alreadyReceived, byRegion, byRole };
}

/** Deliveries per status, and how many were sent again after a crash (uncertain). */
export function deliveryCounts(
  campaignId: number,
  tx: Tx,
): Record<DeliveryStatus, number> & { uncertain: number } {
  const counts = { queued: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, uncertain: 0 };
  for (const row of tx
    .select({ status: deliveries.status, n: count() })
    .from(deliveries)
    .where(eq(deliveries.campaignId, campaignId))
    .groupBy(deliveries.status)
    .all())
    counts[row.status] = row.n;
  counts.uncertain =
    tx
      .select({ n: count() })
      .from(deliveries)
      .where(and(eq(deliveries.campaignId, campaignId), eq(deliveries.uncertain, true)))
      .get()?.n ?? 0;
  return counts;
}

/** Whether a campaign has a delivery still queued (one index lookup, however large it is). */
export function hasQueued(campaignId: number, tx: Tx): boolean {
  return (
    tx
      .select({ id: deliveries.id })
      .from(deliveries)
      .where(and(eq(deliveries.campaignId, campaignId), eq(deliveries.status, 'queued')))
      .limit(1)
      .get() !== undefined
  );
}

/** The next page of a campaign's queued deliveries after `afterId`, with what a send needs. */
export function queuedDeliveries(campaignId: number, afterId: number, limit: number, tx: Tx) {
  return tx
    .select({
      id: deliveries.id,
      subscriberId: subscribers.id,
      email: subscribers.email,
      name: subscribers.name,
      trackingConsent: subscribers.trackingConsent,
      language: deliveries.language,
      regionKey: deliveries.regionKey,
      roleKey: deliveries.roleKey,
    })
    .from(deliveries)
    .innerJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
    .where(
      and(
        eq(deliveries.campaignId, campaignId),
        eq(deliveries.status, 'queued'),
        gt(deliveries.id, afterId),
      ),
    )
    .orderBy(asc(deliveries.id))
    .limit(limit)
    .all();
}

/** The variants a campaign's queued deliveries need. */
export function queuedVariants(campaignId: number, tx: Tx) {
  return tx
    .select({
      language: deliveries.language,
      regionKey: deliveries.regionKey,
      roleKey: deliveries.roleKey,
    })
    .from(deliveries)
    .where(and(eq(deliveries.campaignId, campaignId), eq(deliveries.status, 'queued')))
    .groupBy(deliveries.language, deliveries.regionKey, deliveries.roleKey)
    .all();
}

/** A delivery's outcome as the send worker reported it. */
export interface DeliveryResult {
  deliveryId: number;
  status: Exclude<DeliveryStatus, 'queued'>;
  uncertain?: boolean;
  attempts?: number;
  messageId?: string | null;
  smtpResponse?: string | null;
  relay?: string | null;
  reason?: string | null;
  at: number;
}

/**
 * Record outcomes in one go. A delivery already sent stays sent (a report that arrives twice
 * changes nothing); failed and skipped ones may still become sent (retry).
 */
export function recordResults(results: DeliveryResult[], tx: Tx): void {
  if (!results.length) return;
  // One statement for the whole round, prepared once: a value left out keeps the column.
  const p = (name: string) => sql.placeholder(name);
  const keep = (flag: string, value: string, column: AnyColumn) =>
    sql`case when ${p(flag)} = 1 then ${p(value)} else ${column} end`;
  const update = tx
    .update(deliveries)
    .set({
      // A bounce that came back before the send result was recorded stays bounced, and keeps
      // its reason.
      status: sql`case when ${deliveries.status} = 'bounced' then 'bounced' else ${p('status')} end`,
      uncertain: sql`case when ${p('uncertain')} = 1 then 1 else ${deliveries.uncertain} end`,
      attempts: sql`coalesce(${p('attempts')}, ${deliveries.attempts})`,
      messageId: keep('setMessageId', 'messageId', deliveries.messageId),
      smtpResponse: keep('setSmtpResponse', 'smtpResponse', deliveries.smtpResponse),
      relay: keep('setRelay', 'relay', deliveries.relay),
      reason: sql`case when ${p('setReason')} = 1 and ${deliveries.status} <> 'bounced' then ${p('reason')} else ${deliveries.reason} end`,
      sentAt: sql`coalesce(${p('sentAt')}, ${deliveries.sentAt})`,
      updatedAt: sql`${p('at')}`,
    })
    .where(and(eq(deliveries.id, p('id')), sql`${deliveries.status} <> 'sent'`))
    .prepare();
  const flag = (value: unknown) => (value === undefined ? 0 : 1);
  for (const r of results)
    update.run({
      id: r.deliveryId,
      status: r.status,
      uncertain: r.uncertain ? 1 : 0,
      attempts: r.attempts ?? null,
      setMessageId: flag(r.messageId),
      messageId: r.messageId ?? null,
      setSmtpResponse: flag(r.smtpResponse),
      smtpResponse: r.smtpResponse?.slice(0, 500) ?? null,
      setRelay: flag(r.relay),
      relay: r.relay ?? null,
      setReason: flag(r.reason),
      reason: r.reason?.slice(0, 500) ?? null,
      sentAt: r.status === 'sent' ? r.at : null,
      at: r.at,
    });
}

/** Put a campaign's failed deliveries back in the queue; returns how many. */
export function requeueFailed(campaignId: number, tx: Tx): number {
  return tx
    .update(deliveries)
    .set({ status: 'queued', reason: null, updatedAt: Date.now() })
    .where(and(eq(deliveries.campaignId, campaignId), eq(deliveries.status, 'failed')))
    .run().changes;
}

/** Skip what is still queued (a cancelled campaign); returns how many. */
export function skipQueued(campaignId: number, reason: string, tx: Tx): number {
  return tx
    .update(deliveries)
    .set({ status: 'skipped', reason, updatedAt: Date.now() })
    .where(and(eq(deliveries.campaignId, campaignId), eq(deliveries.status, 'queued')))
    .run().changes;
}

/** A page of a campaign's deliveries after `afterId`, optionally of one status. */
export function listDeliveries(
  campaignId: number,
  status: DeliveryStatus | undefined,
  afterId: number,
  limit: number,
  tx: Tx,
) {
  return tx
    .select({
      id: deliveries.id,
      subscriberId: deliveries.subscriberId,
      email: subscribers.email,
      status: deliveries.status,
      uncertain: deliveries.uncertain,
      attempts: deliveries.attempts,
      messageId: deliveries.messageId,
      smtpResponse: deliveries.smtpResponse,
      relay: deliveries.relay,
      reason: deliveries.reason,
      sentAt: deliveries.sentAt,
    })
    .from(deliveries)
    .leftJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
    .where(
      and(
        eq(deliveries.campaignId, campaignId),
        status ? eq(deliveries.status, status) : undefined,
        gt(deliveries.id, afterId),
      ),
    )
    .orderBy(asc(deliveries.id))
    .limit(limit)
    .all();
}

/** How many deliveries of a campaign were sent since `since` (the sending rate). */
export function sentSince(campaignId: number, since: number, tx: Tx): number {
  return (
    tx
      .select({ n: count() })
      .from(deliveries)
      .where(
        and(
          eq(deliveries.campaignId, campaignId),
          eq(deliveries.status, 'sent'),
          sql`${deliveries.sentAt} >= ${since}`,
        ),
      )
      .get()?.n ?? 0
  );
}

/**
 * Queued deliveries of people who are no longer confirmed (unsubscribed, blocked, or erased: no
 * subscriber any more): mark them skipped; returns their delivery ids.
 */
export function skipLeavers(campaignId: number, tx: Tx): number[] {
  const leavers = tx
    .select({ id: deliveries.id })
    .from(deliveries)
    .leftJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
    .where(
      and(
        eq(deliveries.campaignId, campaignId),
        eq(deliveries.status, 'queued'),
        sql`(${subscribers.id} is null or ${subscribers.status} <> 'confirmed')`,
      ),
    )
    .all()
    .map((l) => l.id);
  const now = Date.now();
  for (let i = 0; i < leavers.length; i += 500)
    tx.update(deliveries)
      .set({
        status: 'skipped',
        reason: 'unsubscribed, blocked or erased meanwhile',
        updatedAt: now,
      })
      .where(
        and(inArray(deliveries.id, leavers.slice(i, i + 500)), eq(deliveries.status, 'queued')),
      )
      .run();
  return leavers;
}
