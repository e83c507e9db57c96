import { transaction, type Db } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import { findOrganisationSettings, saveReachSettings } from '../../../db/queries/settings.js';
import * as tracking from '../../../db/queries/tracking.js';
import type { TrackingClass } from '../../../db/schema.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { attributionToken, referralToken } from '../sources/index.js';
import { readTracked, type TrackedPayload } from './links.js';
import { TRAP_LINK, variantLinks, withTracking } from './rewrite.js';
import {
  BurstWindow,
  DEFAULT_BURST_WINDOW_MS,
  classifyClick,
  classifyOpen,
  ignoredRequest,
  type TrackedRequest,
} from './rules.js';

export { TRAP_LINK } from './rewrite.js';

/**
 * How long a click waits in memory before it is written. Clicks of one mail within the burst
 * window must see each other, the later ones included, so the writer waits longer than the
 * window.
 */
export const HOLD_MS = 6_000;
/**
 * Opens have no burst rule and wait only until the next write after this long: fewer events in
 * memory, fewer lost on a crash.
 */
export const OPEN_HOLD_MS = 1_000;
/** How often the writer runs. */
export const FLUSH_EVERY_MS = 1_000;
/** Beyond this many waiting events, new ones are dropped (and counted) rather than piling up. */
export const MAX_PENDING = 200_000;

/** What the pixel and the redirect keep of a request. */
export interface TrackingRequest extends TrackedRequest {
  at: number;
}

/**
 * An event waiting to be written: only what the rules still need (the request was a GET and no
 * prefetch, or it would not wait). Kept flat: up to a few hundred thousand of these live for
 * seconds, and every object among them is work for the garbage collector.
 */
interface Pending {
  payload: TrackedPayload;
  at: number;
  ip: string;
  agent: string | undefined;
  /** For clicks: the burst window of the reader's client. */
  window: BurstWindow | undefined;
  /** For clicks, once judged: part of a burst. */
  burst?: boolean;
}

export interface CampaignStats {
  delivered: number;
  opens: { human: number; machine: number; unique_human: number };
  clicks: {
    human: number;
    scanner: number;
    unique_human: number;
    by_link: { url: string; human: number; scanner: number }[];
  };
  unsubscribes: number;
  bounces: number;
  signups: number;
  registrations: number;
}

const headerNames = ['user-agent', 'purpose', 'sec-purpose', 'x-moz', 'x-purpose'] as const;

/** The headers the rules look at, nothing else (no cookies, no referrer). */
export function trackedHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of headerNames) {
    const value = headers[name];
    out[name] = Array.isArray(value) ? value[0] : value;
  }
  return out;
}

const deviceOf = (agent: string | undefined): 'mobile' | 'desktop' | null =>
  !agent ? null : /Mobile|Android|iPhone|iPad|iPod/i.test(agent) ? 'mobile' : 'desktop';

/**
 * Opens and clicks: the pixel and the redirect hand their request over and answer at once; a
 * writer classifies the requests (the rules in `rules.ts`) and writes them in batches. Per
 * person only for subscribers with tracking consent (the token names a delivery only then, and
 * consent withdrawn since is respected when the event is written).
 */
export class TrackingService {
  private readonly db: Db;
  /** Waiting opens and clicks, each in time order. */
  private opens: Pending[] = [];
  private clicks: Pending[] = [];
  /** The burst rule's window per client (key), over its clicks as they come. */
  private readonly windows = new Map<string, BurstWindow>();
  private readonly links = new Map<number, { campaignId: number; url: string }>();
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;
  private droppedSaidAt = -Infinity;
  private failures = 0;

  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'config' | 'secrets' | 'log'>) {
    this.db = ctx.db;
  }

  /** Whether Landpost is served over https (its tracking answers then carry HSTS). */
  get https(): boolean {
    return this.ctx.config.publicUrl.startsWith('https:');
  }

  /** Whether campaigns started now get tracked links and the open pixel. */
  enabled(): boolean {
    return findOrganisationSettings(this.db)?.trackingEnabled !== false;
  }

  /** Turn tracking on or off for campaigns started from now on. */
  setEnabled(on: boolean, actor: Actor): void {
    transaction(this.db, (tx) => {
      saveReachSettings({ trackingEnabled: on }, tx);
      recordAction(auditWho(actor), on ? 'enable' : 'disable', 'tracking', null, {}, tx);
    });
  }

  /** A compiled variant with its links and pixel as markers; the links stored for redirects. */
  trackVariant<V extends { html: string; text: string }>(campaignId: number, variant: V) {
    const urls = variantLinks(variant);
    const ids = transaction(this.db, (tx) => tracking.ensureCampaignLinks(campaignId, urls, tx));
    return withTracking(variant, ids);
  }

  /** Note an open; false for a token that is not ours (the pixel answers 404). */
  open(token: string, request: TrackingRequest): boolean {
    const payload = readTracked(this.ctx.secrets, token, 'open');
    if (!payload) return false;
    this.hold(payload, request);
    return true;
  }

  /**
   * Note a click and tell where it goes: only to a link of the token's campaign. Null for a
   * token that is not ours or a link of another campaign (the redirect answers 404). The trap
   * link goes to the home page.
   */
  click(token: string, request: TrackingRequest): { url: string } | null {
    const payload = readTracked(this.ctx.secrets, token, 'click');
    if (!payload) return null;
    if (payload.link === TRAP_LINK) {
      this.hold(payload, request);
      return { url: `${this.ctx.config.publicUrl}/` };
    }
    const link = this.link(payload.link!);
    if (!link || link.campaignId !== payload.campaignId) return null;
    this.hold(payload, request);
    return { url: this.target(link.url, payload) };
  }

  /** Write what waited long enough (everything with `all`); returns how many were written. */
  flush(now = Date.now(), all = false): number {
    const { opens, clicks } = this;
    // Events arrive in time order: the due ones are a prefix.
    const duePrefix = (events: Pending[], hold: number) => {
      let count = all ? events.length : 0;
      while (count < events.length && events[count]!.at <= now - hold) count++;
      return count;
    };
    const openCount = duePrefix(opens, OPEN_HOLD_MS);
    const clickCount = duePrefix(clicks, HOLD_MS);
    const count = openCount + clickCount;
    if (!count) return 0;
    const due = opens.slice(0, openCount).concat(clicks.slice(0, clickCount));
    const rest = () => {
      this.opens = opens.slice(openCount);
      this.clicks = clicks.slice(clickCount);
    };
    // Every click within the window after a due one has arrived: judge the due clicks.
    for (const p of due) if (p.window && p.burst === undefined) p.burst = p.window.judgeNext();
    try {
      const written = transaction(this.db, (tx) => {
        const ids = [...new Set(due.map((p) => p.payload.deliveryId).filter((id) => id !== null))];
        const facts = new Map(tracking.deliveryFacts(ids, tx).map((f) => [f.id, f]));
        const campaigns = tracking.existingCampaigns(
          [...new Set(due.map((p) => p.payload.campaignId))],
          tx,
        );
        const rows: tracking.TrackingEventRow[] = [];
        for (const p of due) {
          // Deleted meanwhile: nothing to count it against.
          if (!campaigns.has(p.payload.campaignId)) continue;
          const row = this.row(p, facts, p.burst ?? false);
          if (row) rows.push(row);
        }
        tracking.insertTrackingEvents(rows, tx);
        return rows.length;
      });
      // Nothing else ran meanwhile (the write is synchronous): the rest still waits.
      rest();
      // A client's window goes once no later click can join its bursts.
      const before = now - HOLD_MS - DEFAULT_BURST_WINDOW_MS;
      for (const [key, window] of this.windows)
        if (window.doneBefore(before)) this.windows.delete(key);
      this.failures = 0;
      return written;
    } catch (err) {
      // The database is busy: keep the events for the next rounds, but not forever.
      if (++this.failures >= 10) {
        rest();
        this.dropped += count;
        this.failures = 0;
      }
      this.ctx.log.warn(
        { err: (err as Error).message, waiting: this.waiting() },
        'tracking events not written yet',
      );
      return 0;
    }
  }

  /** Start the writer (the web process; the tests flush by hand). */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** Stop the writer and write everything still waiting. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush(Date.now(), true);
    if (this.dropped)
      this.ctx.log.warn({ dropped: this.dropped }, 'tracking events dropped under load');
  }

  /** How many events wait in memory. */
  waiting(): number {
    return this.opens.length + this.clicks.length;
  }

  /** How many events were dropped since start: too many waiting, or the database kept failing. */
  droppedEvents(): number {
    return this.dropped;
  }

  /** A campaign's reach: opens and clicks with human and machine apart, never summed. */
  stats(campaignId: number): CampaignStats {
    const t = tracking.campaignTracking(campaignId, this.db);
    return {
      delivered: tracking.deliveredCount(campaignId, this.db),
      opens: { human: t.opens.human, machine: t.opens.machine, unique_human: t.uniqueHumanOpens },
      clicks: {
        human: t.clicks.human,
        scanner: t.clicks.scanner,
        unique_human: t.uniqueHumanClicks,
        by_link: t.links.map((l) => ({ url: l.url, human: l.human, scanner: l.scanner })),
      },
      unsubscribes: tracking.unsubscribeCount(campaignId, this.db),
      bounces: tracking.bounceCount(campaignId, this.db),
      signups: tracking.signupCount(campaignId, this.db),
      registrations: tracking.registrationCount(campaignId, this.db),
    };
  }

  private hold(payload: TrackedPayload, request: TrackingRequest): void {
    // Never counted, and no burst partner of a click either.
    if (ignoredRequest(request)) return;
    if (this.waiting() >= MAX_PENDING) {
      // Said when it starts, and then at most once a minute.
      if (request.at - this.droppedSaidAt >= 60_000) {
        this.droppedSaidAt = request.at;
        this.ctx.log.warn(
          { waiting: this.waiting(), dropped: this.dropped + 1 },
          'tracking events dropped: more arrive than can wait to be written',
        );
      }
      this.dropped++;
      return;
    }
    const agent = request.headers['user-agent'];
    let window: BurstWindow | undefined;
    if (payload.kind === 'click') {
      // One reader's client: the same mail (or, without a delivery, campaign and address) and
      // agent. A person clicking just after a scanner walked the mail is not part of its burst.
      const key =
        payload.deliveryId !== null
          ? `d:${payload.deliveryId}:${agent ?? ''}`
          : `a:${payload.campaignId}:${request.ip}:${agent ?? ''}`;
      window = this.windows.get(key);
      if (!window) this.windows.set(key, (window = new BurstWindow()));
      window.add(request.at, payload.link!);
    }
    (payload.kind === 'click' ? this.clicks : this.opens).push({
      payload,
      at: request.at,
      ip: request.ip,
      agent,
      window,
    });
  }

  private link(id: number) {
    let link = this.links.get(id);
    if (!link) {
      const row = tracking.findCampaignLink(id, this.db);
      if (!row) return undefined;
      if (this.links.size >= 10_000) this.links.clear();
      link = { campaignId: row.campaignId, url: row.url };
      this.links.set(id, link);
    }
    return link;
  }

  /**
   * Where a click goes. A link to our own sign-up or event pages from a mail of somebody with
   * tracking consent names them: a recommendation link becomes their personal one (`ref`), an
   * event link attributes the registration to them (`who`).
   */
  private target(url: string, payload: TrackedPayload): string {
    const own = `${this.ctx.config.publicUrl}/`;
    if (payload.deliveryId === null || !url.startsWith(own)) return url;
    const parsed = new URL(url);
    const path = parsed.pathname;
    if (path !== '/signup' && !path.startsWith('/events/')) return url;
    const [fact] = tracking.deliveryFacts([payload.deliveryId], this.db);
    if (!fact?.subscriberId || !fact.trackingConsent) return url;
    if (parsed.searchParams.get('recommend') === '1') {
      parsed.searchParams.delete('recommend');
      parsed.searchParams.set('ref', referralToken(this.ctx.secrets, fact.subscriberId));
    } else {
      parsed.searchParams.set('who', attributionToken(this.ctx.secrets, fact.subscriberId));
    }
    return parsed.toString();
  }

  private row(
    p: Pending,
    facts: Map<number, ReturnType<typeof tracking.deliveryFacts>[number]>,
    inBurst: boolean,
  ): tracking.TrackingEventRow | null {
    const { payload, at } = p;
    // What the rules look at (the waiting event was a GET and no prefetch).
    const request = { method: 'GET', ip: p.ip, headers: { 'user-agent': p.agent } };
    const fact = payload.deliveryId !== null ? facts.get(payload.deliveryId) : undefined;
    // A delivery of another campaign cannot be in a token we signed; a purged one can.
    if (payload.deliveryId !== null && (!fact || fact.campaignId !== payload.campaignId))
      return null;
    const deliveredAt = fact?.sentAt ?? undefined;
    const verdict: { kind: 'ignored' | TrackingClass; reason: string } =
      payload.kind === 'open'
        ? classifyOpen(request, { now: at, deliveredAt })
        : classifyClick(request, {
            now: at,
            deliveredAt,
            link: payload.link!,
            inBurst,
            trap: payload.link === TRAP_LINK,
          });
    if (verdict.kind === 'ignored') return null;
    const variant = fact
      ? { language: fact.language, region: fact.regionKey, role: fact.roleKey }
      : payload.variant!;
    return {
      kind: payload.kind,
      class: verdict.kind,
      reason: verdict.reason,
      campaignId: payload.campaignId,
      // Per person only while the consent stands.
      deliveryId: fact?.trackingConsent ? fact.id : null,
      linkId: payload.kind === 'click' && payload.link !== TRAP_LINK ? payload.link : null,
      language: variant.language,
      regionKey: variant.region,
      roleKey: variant.role,
      device: verdict.kind === 'human' ? deviceOf(p.agent) : null,
      at,
    };
  }
}
