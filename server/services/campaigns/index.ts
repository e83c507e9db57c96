import type { TrackingService } from '../tracking/index.js';
import { transaction, type Db } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as campaigns from '../../../db/queries/campaigns.js';
import * as editions from '../../../db/queries/editions.js';
import * as lists from '../../../db/queries/lists.js';
import * as segments from '../../../db/queries/segments.js';
import type { CampaignStatus, DeliveryStatus } from '../../../db/schema.js';
import type { JobsOptions } from 'bullmq';
import { compileVariant } from '../../../emails/newsletter/index.js';
import { CampaignStore, type StoredVariant } from '../../../workers/campaign-store.js';
import { queueFanout, variantKey, type SendJobData } from '../../../workers/queues.js';
import { isLanguage } from '../../i18n/index.js';
import { recommendLink } from '../sources/index.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import type { Check, EditionService } from '../editions/index.js';
import { editionContent, organisationForMail } from '../editions/preview.js';
import { eventLinks } from '../registrations/links.js';
import type { OrganisationService } from '../organisation/index.js';
import { hasProblems, type Problems } from '../reference/problems.js';

export type { Campaign, Delivery, AudienceCount } from '../../../db/queries/campaigns.js';
export { campaignStatuses, deliveryStatuses } from '../../../db/schema.js';
export type { CampaignStatus, DeliveryStatus } from '../../../db/schema.js';

/** A campaign with its deliveries counted by status. */
export interface CampaignDetail extends campaigns.Campaign {
  counts: Record<DeliveryStatus, number> & { uncertain: number };
}

/** A campaign's progress as the admin UI and the CLI show it while it sends. */
export interface CampaignProgress extends CampaignDetail {
  /** Deliveries sent in the last minute. */
  perMinute: number;
  /** At the current rate, until nothing is queued; null when not sending or no rate yet. */
  secondsLeft: number | null;
}

/** What a form or an API body gives to create a campaign; not yet checked. */
export interface CampaignDraft {
  editionId: unknown;
  segmentIds?: unknown;
  listIds?: unknown;
  /** Epoch ms, or null/undefined: when it is started. */
  scheduledAt?: number | null;
  /** Epoch ms: only people who confirmed since ("send to newcomers since"). */
  confirmedSince?: number | null;
}

export type CampaignCreated =
  { kind: 'saved'; campaign: CampaignDetail } | { kind: 'invalid'; errors: Problems };

export type CampaignStarted =
  | { kind: 'started'; audience: number }
  | { kind: 'scheduled'; at: number }
  | { kind: 'blocked'; checks: Check[] }
  | { kind: 'empty' }
  | { kind: 'state'; status: CampaignStatus }
  | { kind: 'missing' };

export type CampaignChanged =
  | { kind: 'saved'; campaign: CampaignDetail }
  | { kind: 'state'; status: CampaignStatus }
  | { kind: 'missing' };

/** Send batches hold this many recipients; the fan-out reads the ledger in pages of PAGE. */
const BATCH = 50;
const PAGE = 1000;
/** At least this many processed deliveries before the failure rate can pause a campaign. */
const PAUSE_MIN_PROCESSED = 20;

const ids = (value: unknown): number[] | undefined => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 100) return undefined;
  if (!value.every((v): v is number => Number.isSafeInteger(v) && (v as number) > 0))
    return undefined;
  return [...new Set(value)];
};

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1) || 'localhost';
const headerWord = (value: string) => value.replace(/[\r\n"<>\\]/g, '').trim();

/**
 * Campaigns: one edition to an audience, each person once. The audience is fixed as delivery
 * rows when a campaign starts; the fan-out hands them to the send queue in batches; the send
 * workers report every outcome through Redis at once, and `recordResults` writes them to the
 * ledger in batches and finishes the campaign.
 */
export class CampaignService {
  private readonly db: Db;
  readonly store: CampaignStore;

  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'config' | 'queues' | 'log'>,
    private readonly organisation: OrganisationService,
    private readonly editions: EditionService,
    private readonly tracking: TrackingService,
  ) {
    this.db = ctx.db;
    this.store = new CampaignStore(ctx.queues.connection, ctx.config.queuePrefix);
  }

  find(id: number): CampaignDetail | undefined {
    const campaign = campaigns.findCampaign(id, this.db);
    return campaign && { ...campaign, counts: campaigns.deliveryCounts(id, this.db) };
  }

  /** Counts, the rate of the last minute and the time left at that rate. */
  progress(id: number, now = Date.now()): CampaignProgress | undefined {
    const detail = this.find(id);
    if (!detail) return undefined;
    const perMinute = campaigns.sentSince(id, now - 60_000, this.db);
    const secondsLeft =
      detail.status === 'sending' && perMinute > 0
        ? Math.ceil((detail.counts.queued / perMinute) * 60)
        : null;
    return { ...detail, perMinute, secondsLeft };
  }

  /** Whether this process leads the ledger now (see CampaignStore.leadLedger). */
  leadLedger(owner: string, ttlMs: number): Promise<boolean> {
    return this.store.leadLedger(owner, ttlMs);
  }

  /** A page of the ledger; `next` is the cursor of the following page. */
  deliveries(
    id: number,
    page: { status?: DeliveryStatus; after: number; limit: number },
  ): { deliveries: ReturnType<typeof campaigns.listDeliveries>; next: number | null } | undefined {
    if (!campaigns.findCampaign(id, this.db)) return undefined;
    const rows = campaigns.listDeliveries(id, page.status, page.after, page.limit + 1, this.db);
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    return { deliveries: shown, next: more ? shown.at(-1)!.id : null };
  }

  list(editionId?: number): campaigns.Campaign[] {
    return campaigns.listCampaigns(this.db, editionId);
  }

  /** A draft campaign of an edition to segments and/or lists, started later. */
  create(draft: CampaignDraft, actor: Actor, now = Date.now()): CampaignCreated {
    return transaction(this.db, (tx) => {
      const errors: Problems = {};
      const editionId = draft.editionId;
      const edition =
        typeof editionId === 'number' && Number.isSafeInteger(editionId)
          ? editions.findEdition(editionId, tx)
          : undefined;
      if (!edition) errors.editionId = 'campaigns.errors.edition';
      const segmentIds = ids(draft.segmentIds);
      const listIds = ids(draft.listIds);
      if (!segmentIds || segmentIds.some((id) => !segments.findSegment(id, tx)))
        errors.segmentIds = 'campaigns.errors.segments';
      if (!listIds || listIds.some((id) => !lists.findList(id, tx)))
        errors.listIds = 'campaigns.errors.lists';
      if (segmentIds && listIds && segmentIds.length + listIds.length === 0)
        errors.audience = 'campaigns.errors.audience';
      const scheduledAt = draft.scheduledAt ?? null;
      if (scheduledAt !== null && (!Number.isFinite(scheduledAt) || scheduledAt < now - 60_000))
        errors.scheduledAt = 'campaigns.errors.scheduledAt';
      const confirmedSince = draft.confirmedSince ?? null;
      if (confirmedSince !== null && !Number.isFinite(confirmedSince))
        errors.confirmedSince = 'campaigns.errors.confirmedSince';
      if (hasProblems(errors)) return { kind: 'invalid', errors };
      const campaign = campaigns.createCampaign(
        {
          editionId: edition!.id,
          segmentIds: segmentIds!,
          listIds: listIds!,
          scheduledAt,
          confirmedSince,
        },
        actor.kind === 'user' ? actor.userId : null,
        tx,
      );
      recordAction(auditWho(actor), 'create', 'campaign', campaign.id, { ...campaign }, tx);
      return {
        kind: 'saved',
        campaign: { ...campaign, counts: campaigns.deliveryCounts(campaign.id, tx) },
      };
    });
  }

  /** Who it would reach now, per region and role; people who already got the edition are left out. */
  audience(id: number): campaigns.AudienceCount | undefined {
    const campaign = campaigns.findCampaign(id, this.db);
    if (!campaign) return undefined;
    const where = campaigns.audienceWhere(campaign, this.db);
    if (!where) return { total: 0, alreadyReceived: 0, byRegion: [], byRole: [] };
    return campaigns.countAudience(where, campaign.editionId, this.db);
  }

  /**
   * Start a draft or scheduled campaign (or schedule it, when its time is still ahead): the
   * pre-send check must have no error; the audience is fixed in one transaction — one queued
   * delivery per person, nobody who already has this edition — and the fan-out is queued.
   * Two clicks start it once: only the first finds it a draft.
   */
  async start(id: number, actor: Actor, now = Date.now()): Promise<CampaignStarted> {
    const campaign = campaigns.findCampaign(id, this.db);
    if (!campaign) return { kind: 'missing' };
    if (campaign.status !== 'draft' && campaign.status !== 'scheduled')
      return { kind: 'state', status: campaign.status };
    if (campaign.scheduledAt !== null && campaign.scheduledAt > now) {
      transaction(this.db, (tx) => {
        if (campaigns.transition(id, ['draft'], 'scheduled', {}, tx)) {
          markEdition(campaign.editionId, 'scheduled', tx);
          recordAction(
            auditWho(actor),
            'schedule',
            'campaign',
            id,
            { at: campaign.scheduledAt },
            tx,
          );
        }
      });
      return { kind: 'scheduled', at: campaign.scheduledAt };
    }
    const preview = await this.editions.preview(campaign.editionId);
    if (preview.kind !== 'preview') return { kind: 'missing' };
    const blocking = preview.preview.checks.filter((check) => check.level === 'error');
    if (blocking.length) return { kind: 'blocked', checks: blocking };
    const started = transaction(this.db, (tx): CampaignStarted => {
      const current = campaigns.findCampaign(id, tx)!;
      if (current.status !== 'draft' && current.status !== 'scheduled')
        return { kind: 'state', status: current.status };
      const where = campaigns.audienceWhere(current, tx);
      if (!where || campaigns.countAudience(where, current.editionId, tx).total === 0)
        return { kind: 'empty' };
      if (!campaigns.transition(id, ['draft', 'scheduled'], 'sending', { startedAt: now }, tx))
        return { kind: 'state', status: current.status };
      const edition = editions.findEdition(current.editionId, tx)!;
      const languages = Object.keys(edition.translations).filter(
        (language) => language !== 'de' && isLanguage(language),
      );
      const audience = campaigns.fixAudience(current, where, languages, tx);
      campaigns.transition(id, ['sending'], 'sending', { audienceCount: audience }, tx);
      markEdition(current.editionId, 'scheduled', tx);
      recordAction(auditWho(actor), 'start', 'campaign', id, { audience }, tx);
      return { kind: 'started', audience };
    });
    if (started.kind === 'started') await this.queueFanout(id);
    return started;
  }

  /** Pause a sending campaign; the send workers see it within seconds (batches wait). */
  async pause(id: number, actor: Actor, reason: string | null = null): Promise<CampaignChanged> {
    return this.move(id, ['sending'], 'paused', { pauseReason: reason }, actor, 'pause', 'paused');
  }

  async resume(id: number, actor: Actor): Promise<CampaignChanged> {
    const result = await this.move(
      id,
      ['paused'],
      'sending',
      { pauseReason: null },
      actor,
      'resume',
      'sending',
    );
    if (result.kind === 'saved') {
      // The failures before the resume led to the pause; only new ones may pause it again.
      this.tallies.delete(id);
      this.resumedWith.set(id, this.ledgerTally(id));
      await this.queueFanout(id);
    }
    return result;
  }

  /** Cancel: nothing more is sent; what is still queued is skipped. */
  async cancel(id: number, actor: Actor): Promise<CampaignChanged> {
    const result = transaction(this.db, (tx): CampaignChanged => {
      const campaign = campaigns.findCampaign(id, tx);
      if (!campaign) return { kind: 'missing' };
      if (
        !campaigns.transition(
          id,
          ['draft', 'scheduled', 'sending', 'paused'],
          'cancelled',
          { finishedAt: Date.now() },
          tx,
        )
      )
        return { kind: 'state', status: campaign.status };
      const skipped = campaigns.skipQueued(id, 'campaign cancelled', tx);
      const counts = campaigns.deliveryCounts(id, tx);
      markEdition(campaign.editionId, counts.sent > 0 ? 'sent' : 'draft', tx);
      recordAction(auditWho(actor), 'cancel', 'campaign', id, { skipped }, tx);
      return { kind: 'saved', campaign: { ...campaigns.findCampaign(id, tx)!, counts } };
    });
    if (result.kind === 'saved') await this.syncState(id, 'cancelled');
    return result;
  }

  /** Queue the failed deliveries of a campaign again (it sends again if it had finished). */
  async retryFailed(id: number, actor: Actor): Promise<CampaignChanged & { requeued?: number }> {
    const failed: number[] = [];
    const result = transaction(this.db, (tx) => {
      const campaign = campaigns.findCampaign(id, tx);
      if (!campaign) return { kind: 'missing' as const };
      if (
        campaign.status === 'draft' ||
        campaign.status === 'scheduled' ||
        campaign.status === 'cancelled'
      )
        return { kind: 'state' as const, status: campaign.status };
      failed.push(...campaigns.listDeliveries(id, 'failed', 0, 1_000_000, tx).map((d) => d.id));
      const requeued = campaigns.requeueFailed(id, tx);
      campaigns.restartFanout(id, tx);
      if (campaign.status === 'sent')
        campaigns.transition(id, ['sent'], 'sending', { finishedAt: null }, tx);
      recordAction(auditWho(actor), 'retry-failed', 'campaign', id, { requeued }, tx);
      return { kind: 'saved' as const, requeued, campaign: this.find(id)! };
    });
    if (result.kind === 'saved' && result.requeued) {
      this.tallies.delete(id);
      this.resumedWith.delete(id);
      await this.store.undo(id, failed);
      await this.syncState(id, result.campaign.status === 'paused' ? 'paused' : 'sending');
      await this.queueFanout(id);
    }
    return result;
  }

  /**
   * Hand the campaign's queued deliveries after its cursor to the send queue, in batches with
   * ids of their own (the same batch is never queued twice). On its first run it compiles every
   * variant the audience needs — once per language, region and role — and stores them, with
   * the sending details, beside the jobs in Redis.
   */
  async fanout(campaignId: number): Promise<number> {
    const campaign = campaigns.findCampaign(campaignId, this.db);
    if (!campaign || (campaign.status !== 'sending' && campaign.status !== 'paused')) return 0;
    await this.prepare(campaign);
    let cursor = campaign.fanoutCursor;
    let queued = 0;
    for (;;) {
      const page = campaigns.queuedDeliveries(campaignId, cursor, PAGE, this.db);
      if (!page.length) break;
      const jobs: { name: 'send'; data: SendJobData; opts: JobsOptions }[] = [];
      for (let i = 0; i < page.length; i += BATCH) {
        const batch = page.slice(i, i + BATCH);
        jobs.push({
          name: 'send',
          data: {
            campaignId,
            recipients: batch.map((d) => ({
              deliveryId: d.id,
              subscriberId: d.subscriberId,
              email: d.email,
              name: d.name,
              variant: variantKey(d.language, d.regionKey, d.roleKey),
              ...(d.trackingConsent ? { tracked: true as const } : {}),
            })),
          },
          opts: {
            jobId: `send-${campaignId}-${campaign.fanoutRound}-${batch[0]!.id}`,
            backoff: {
              type: 'exponential',
              delay: this.ctx.config.sendRetryDelayMs,
              jitter: 0.5,
            },
          },
        });
      }
      await this.ctx.queues.send.addBulk(jobs);
      cursor = page.at(-1)!.id;
      campaigns.setFanoutCursor(campaignId, cursor, this.db);
      queued += page.length;
    }
    return queued;
  }

  /**
   * Write the outcomes the send workers reported into the ledger, in one transaction per
   * round; then finish the campaigns that have nothing queued, and pause those whose failures
   * pile up. Returns how many outcomes were written.
   */
  async recordResults(max = 1000): Promise<number> {
    const taken = await this.store.takeResults(max);
    const { results } = taken;
    if (!results.length) return 0;
    const touched = new Set(results.map((r) => r.campaignId));
    transaction(this.db, (tx) => campaigns.recordResults(results, tx));
    await taken.commit();
    for (const id of touched) {
      const round = results.filter((r) => r.campaignId === id);
      await this.settle(id, {
        failed: round.filter((r) => r.status === 'failed').length,
        processed: round.filter((r) => r.status !== 'skipped').length,
      });
    }
    return results.length;
  }

  /**
   * The minute's chores: start scheduled campaigns that are due, queue the fan-out of running
   * ones that have deliveries no batch holds (Redis was down when they started), and tell the
   * send workers each active campaign's state (a pause made while Redis was down).
   */
  async tick(now = Date.now()): Promise<void> {
    const system: Actor = { kind: 'system', task: 'campaigns' };
    for (const campaign of campaigns.campaignsIn(['scheduled', 'sending', 'paused'], this.db)) {
      if (campaign.status === 'scheduled') {
        if (campaign.scheduledAt !== null && campaign.scheduledAt <= now) {
          const result = await this.start(campaign.id, system, now);
          if (result.kind === 'blocked' || result.kind === 'empty')
            this.ctx.log.warn({ campaign: campaign.id, result }, 'scheduled campaign not started');
        }
        continue;
      }
      await this.syncState(campaign.id, campaign.status === 'paused' ? 'paused' : 'sending');
      await this.stopLeavers(campaign.id);
      if (campaigns.queuedDeliveries(campaign.id, campaign.fanoutCursor, 1, this.db).length)
        await this.queueFanout(campaign.id);
      await this.settle(campaign.id);
    }
  }

  /**
   * People who unsubscribed, were blocked, bounced or were erased since the campaign started
   * get nothing more from it: their queued deliveries are skipped, and the send workers are
   * told (a batch already in a worker's hands checks each recipient before sending).
   */
  async stopLeavers(id: number): Promise<number> {
    const leavers = transaction(this.db, (tx) => campaigns.skipLeavers(id, tx));
    if (leavers.length) await this.store.stop(id, leavers);
    return leavers.length;
  }

  /**
   * Failed and processed deliveries of each sending campaign, counted from the ledger once and
   * then kept up to date from the rounds this process records (counted afresh when older than
   * ten seconds: another process may have led the ledger meanwhile).
   */
  private readonly tallies = new Map<number, { failed: number; processed: number; at: number }>();
  /** What had failed and been processed when an editor resumed a campaign: counted no more. */
  private readonly resumedWith = new Map<number, { failed: number; processed: number }>();

  private ledgerTally(id: number): { failed: number; processed: number } {
    const counts = campaigns.deliveryCounts(id, this.db);
    return { failed: counts.failed, processed: counts.sent + counts.failed + counts.bounced };
  }

  /**
   * Finish a campaign with nothing queued (one index lookup, however large the campaign); pause
   * one whose failures pile up. `round` is what the caller just recorded; without it the
   * failures are counted from the ledger.
   */
  private async settle(
    id: number,
    round?: { failed: number; processed: number },
    now = Date.now(),
  ): Promise<void> {
    const campaign = campaigns.findCampaign(id, this.db);
    if (!campaign || (campaign.status !== 'sending' && campaign.status !== 'paused')) return;
    if (!campaigns.hasQueued(id, this.db)) {
      const finished = transaction(this.db, (tx) => {
        if (
          !campaigns.transition(id, ['sending', 'paused'], 'sent', { finishedAt: Date.now() }, tx)
        )
          return false;
        markEdition(campaign.editionId, 'sent', tx);
        recordAction(
          { userId: null, apiTokenId: null, actor: 'system:campaigns', ip: null },
          'finish',
          'campaign',
          id,
          campaigns.deliveryCounts(id, tx),
          tx,
        );
        return true;
      });
      if (finished) {
        this.tallies.delete(id);
        this.resumedWith.delete(id);
        await this.store.forget(id);
      }
      return;
    }
    if (campaign.status !== 'sending') return;
    let tally = this.tallies.get(id);
    if (round && tally && now - tally.at < 10_000) {
      tally.failed += round.failed;
      tally.processed += round.processed;
      tally.at = now;
    } else {
      // The ledger holds this round already.
      const counted = this.ledgerTally(id);
      const before = this.resumedWith.get(id) ?? { failed: 0, processed: 0 };
      tally = {
        failed: counted.failed - before.failed,
        processed: counted.processed - before.processed,
        at: now,
      };
      this.tallies.set(id, tally);
    }
    const { failed, processed } = tally;
    if (
      processed >= PAUSE_MIN_PROCESSED &&
      failed / processed >= this.ctx.config.campaignPauseFailureRate
    ) {
      this.tallies.delete(id);
      const reason = `${failed} of ${processed} deliveries failed`;
      await this.pause(id, { kind: 'system', task: 'campaigns' }, reason);
      this.ctx.log.warn({ campaign: id, reason }, 'campaign paused itself');
    }
  }

  private async move(
    id: number,
    from: CampaignStatus[],
    to: CampaignStatus,
    changes: Partial<campaigns.Campaign>,
    actor: Actor,
    action: string,
    state: 'sending' | 'paused',
  ): Promise<CampaignChanged> {
    const result = transaction(this.db, (tx): CampaignChanged => {
      const campaign = campaigns.findCampaign(id, tx);
      if (!campaign) return { kind: 'missing' };
      if (!campaigns.transition(id, from, to, changes, tx))
        return { kind: 'state', status: campaign.status };
      recordAction(auditWho(actor), action, 'campaign', id, changes, tx);
      return {
        kind: 'saved',
        campaign: { ...campaigns.findCampaign(id, tx)!, counts: campaigns.deliveryCounts(id, tx) },
      };
    });
    if (result.kind === 'saved') await this.syncState(id, state);
    return result;
  }

  /** Tell the send workers; while Redis is down, the next tick does. */
  private async syncState(id: number, state: 'sending' | 'paused' | 'cancelled'): Promise<void> {
    try {
      await this.store.setState(id, state);
    } catch (err) {
      this.ctx.log.warn(
        { campaign: id, err: (err as Error).message },
        'campaign state not in Redis yet',
      );
    }
  }

  /** Queue the fan-out from the campaign's cursor in its current round. */
  private async queueFanout(id: number): Promise<void> {
    const campaign = campaigns.findCampaign(id, this.db);
    if (!campaign) return;
    try {
      await queueFanout(this.ctx.queues, id, campaign.fanoutRound, campaign.fanoutCursor);
    } catch (err) {
      this.ctx.log.warn(
        { campaign: id, err: (err as Error).message },
        'fan-out not queued; the campaign tick queues it once Redis is back',
      );
    }
  }

  /** Compile and store the variants the queued deliveries need, unless stored already. */
  private async prepare(campaign: campaigns.Campaign): Promise<void> {
    const needed = campaigns.queuedVariants(campaign.id, this.db);
    const stored = await this.store.sending(campaign.id);
    const missing: typeof needed = [];
    for (const v of needed)
      if (
        !stored ||
        !(await this.store.variant(campaign.id, variantKey(v.language, v.regionKey, v.roleKey)))
      )
        missing.push(v);
    if (stored && !missing.length) return;
    const edition = editions.findEdition(campaign.editionId, this.db)!;
    const settings = this.organisation.get();
    const org = organisationForMail(settings, this.ctx.config);
    const items = editions.listEditionItems(edition.id, this.db);
    const content = editionContent(edition, items, {
      recommendUrl: recommendLink(this.ctx.config.publicUrl, {
        editionId: edition.id,
        campaignId: campaign.id,
      }),
      eventLinks: eventLinks(
        items,
        this.ctx.config.publicUrl,
        { ed: edition.id, cp: campaign.id },
        this.db,
      ),
    });
    const variants = new Map<string, StoredVariant>();
    const tracking = this.tracking.enabled();
    for (const v of missing) {
      const compiled = await compileVariant(
        content,
        { language: v.language, region: v.regionKey, role: v.roleKey },
        org,
      );
      variants.set(
        variantKey(v.language, v.regionKey, v.roleKey),
        tracking ? this.tracking.trackVariant(campaign.id, compiled) : compiled,
      );
    }
    const senderDomain = domainOf(settings.senderAddress);
    await this.store.prepare(
      {
        campaignId: campaign.id,
        editionNumber: edition.number,
        from: { name: settings.senderName || settings.name, address: settings.senderAddress },
        replyTo: settings.replyTo || null,
        listId: `${headerWord(settings.name) || 'Newsletter'} <newsletter.${senderDomain}>`,
        feedbackId: `${campaign.id}:${edition.number}:newsletter:${senderDomain}`,
        senderDomain,
        bounceDomain: this.ctx.config.bounceDomain ?? senderDomain,
        publicUrl: this.ctx.config.publicUrl,
      },
      variants,
      campaign.status === 'paused' ? 'paused' : 'sending',
    );
  }
}

/** The edition follows its campaigns in the series plan: scheduled, sent, or back to draft. */
function markEdition(
  editionId: number,
  status: 'draft' | 'scheduled' | 'sent',
  tx: Parameters<typeof editions.setEditionStatus>[2],
) {
  const edition = editions.findEdition(editionId, tx);
  if (!edition || edition.status === 'sent') return;
  editions.setEditionStatus(editionId, status, tx);
}
