import { and, count, countDistinct, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  bounces,
  campaignLinks,
  campaigns,
  consentEvents,
  deliveries,
  eventRegistrations,
  subscribers,
  trackingEvents,
  type TrackingClass,
} from '../schema.js';

export type TrackingEventRow = typeof trackingEvents.$inferInsert;

/** The ids of a campaign's links, stored on first sight (one row per distinct URL). */
export function ensureCampaignLinks(
  campaignId: number,
  urls: readonly string[],
  tx: Tx,
): Map<string, number> {
  const ids = new Map<string, number>();
  if (!urls.length) return ids;
  tx.insert(campaignLinks)
    .values(urls.map((url) => ({ campaignId, url })))
    .onConflictDoNothing()
    .run();
  for (let i = 0; i < urls.length; i += 500) {
    const rows = tx
      .select({ id: campaignLinks.id, url: campaignLinks.url })
      .from(campaignLinks)
      .where(
        and(
          eq(campaignLinks.campaignId, campaignId),
          inArray(campaignLinks.url, urls.slice(i, i + 500)),
        ),
      )
      .all();
    for (const row of rows) ids.set(row.url, row.id);
  }
  return ids;
}

export function findCampaignLink(id: number, tx: Tx) {
  return tx.select().from(campaignLinks).where(eq(campaignLinks.id, id)).get();
}

/** What classifying and attributing an event needs of its delivery. */
export function deliveryFacts(ids: readonly number[], tx: Tx) {
  if (!ids.length) return [];
  return tx
    .select({
      id: deliveries.id,
      campaignId: deliveries.campaignId,
      sentAt: deliveries.sentAt,
      language: deliveries.language,
      regionKey: deliveries.regionKey,
      roleKey: deliveries.roleKey,
      subscriberId: deliveries.subscriberId,
      trackingConsent: subscribers.trackingConsent,
    })
    .from(deliveries)
    .leftJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
    .where(inArray(deliveries.id, [...ids]))
    .all();
}

/** Which of these campaigns still exist. */
export function existingCampaigns(ids: readonly number[], tx: Tx): Set<number> {
  if (!ids.length) return new Set();
  const rows = tx
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(inArray(campaigns.id, [...ids]))
    .all();
  return new Set(rows.map((r) => r.id));
}

/** Write a batch of events: one prepared statement, run per row (no SQL built per row). */
export function insertTrackingEvents(rows: TrackingEventRow[], tx: Tx): void {
  if (!rows.length) return;
  const p = (name: string) => sql.placeholder(name);
  const insert = tx
    .insert(trackingEvents)
    .values({
      kind: p('kind'),
      class: p('class'),
      reason: p('reason'),
      campaignId: p('campaignId'),
      deliveryId: p('deliveryId'),
      linkId: p('linkId'),
      language: p('language'),
      regionKey: p('regionKey'),
      roleKey: p('roleKey'),
      device: p('device'),
      at: p('at'),
    })
    .prepare();
  for (const row of rows)
    insert.run({
      kind: row.kind,
      class: row.class,
      reason: row.reason ?? null,
      campaignId: row.campaignId,
      deliveryId: row.deliveryId ?? null,
      linkId: row.linkId ?? null,
      language: row.language,
      regionKey: row.regionKey ?? null,
      roleKey: row.roleKey ?? null,
      device: row.device ?? null,
      at: row.at,
    });
}

type ByClass = Record<TrackingClass, number>;

function byClass(rows: { class: TrackingClass; n: number }[]): ByClass {
  const out: ByClass = { human: 0, machine: 0, scanner: 0 };
  for (const row of rows) out[row.class] = row.n;
  return out;
}

/** A campaign's opens and clicks per class, people among them, and clicks per link. */
export function campaignTracking(campaignId: number, tx: Tx) {
  const perKind = (kind: 'open' | 'click') =>
    byClass(
      tx
        .select({ class: trackingEvents.class, n: count() })
        .from(trackingEvents)
        .where(and(eq(trackingEvents.campaignId, campaignId), eq(trackingEvents.kind, kind)))
        .groupBy(trackingEvents.class)
        .all(),
    );
  const uniqueHuman = (kind: 'open' | 'click') =>
    tx
      .select({ n: countDistinct(trackingEvents.deliveryId) })
      .from(trackingEvents)
      .where(
        and(
          eq(trackingEvents.campaignId, campaignId),
          eq(trackingEvents.kind, kind),
          eq(trackingEvents.class, 'human'),
        ),
      )
      .get()?.n ?? 0;
  const links = tx
    .select({
      url: campaignLinks.url,
      human: sql<number>`coalesce(sum(${trackingEvents.class} = 'human'), 0)`,
      scanner: sql<number>`coalesce(sum(${trackingEvents.class} = 'scanner'), 0)`,
    })
    .from(campaignLinks)
    .leftJoin(
      trackingEvents,
      and(eq(trackingEvents.linkId, campaignLinks.id), eq(trackingEvents.kind, 'click')),
    )
    .where(eq(campaignLinks.campaignId, campaignId))
    .groupBy(campaignLinks.id)
    .orderBy(sql`2 desc`, campaignLinks.id)
    .all();
  return {
    opens: perKind('open'),
    clicks: perKind('click'),
    uniqueHumanOpens: uniqueHuman('open'),
    uniqueHumanClicks: uniqueHuman('click'),
    links,
  };
}

/** Deliveries the relay accepted. */
export function deliveredCount(campaignId: number, tx: Tx): number {
  return (
    tx
      .select({ n: count() })
      .from(deliveries)
      .where(and(eq(deliveries.campaignId, campaignId), eq(deliveries.status, 'sent')))
      .get()?.n ?? 0
  );
}

export function bounceCount(campaignId: number, tx: Tx): number {
  return (
    tx
      .select({ n: count() })
      .from(bounces)
      .innerJoin(deliveries, eq(deliveries.id, bounces.deliveryId))
      .where(
        and(
          eq(deliveries.campaignId, campaignId),
          inArray(bounces.kind, ['hard', 'soft', 'complaint']),
        ),
      )
      .get()?.n ?? 0
  );
}

/**
 * People who unsubscribed after this campaign's mail reached them and before the next
 * newsletter did: the mail they left on.
 */
export function unsubscribeCount(campaignId: number, tx: Tx): number {
  const row = tx.get<{ n: number }>(sql`
    select count(distinct d.subscriber_id) as n
    from ${deliveries} d
    join ${consentEvents} c on c.subscriber_id = d.subscriber_id and c.kind = 'unsubscribed'
      and c.at >= d.sent_at
    where d.campaign_id = ${campaignId} and d.status = 'sent'
      and not exists (
        select 1 from ${deliveries} later
        where later.subscriber_id = d.subscriber_id and later.status = 'sent'
          and later.sent_at > d.sent_at and later.sent_at <= c.at
      )`);
  return row?.n ?? 0;
}

/** Sign-ups that came through the campaign's links. */
export function signupCount(campaignId: number, tx: Tx): number {
  return (
    tx
      .select({ n: count() })
      .from(subscribers)
      .where(eq(subscribers.sourceCampaignId, campaignId))
      .get()?.n ?? 0
  );
}

/** Event registrations (not cancelled) that came through the campaign's links. */
export function registrationCount(campaignId: number, tx: Tx): number {
  return (
    tx
      .select({ n: count() })
      .from(eventRegistrations)
      .where(
        and(
          eq(eventRegistrations.sourceCampaignId, campaignId),
          inArray(eventRegistrations.status, ['registered', 'waiting']),
        ),
      )
      .get()?.n ?? 0
  );
}
