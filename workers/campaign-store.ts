import type { VariantTracking } from '../server/services/tracking/rewrite.js';
import type { Redis } from 'ioredis';
import type { CompiledVariant } from '../emails/newsletter/index.js';

/** What every message of a campaign shares: sender, list headers, where links and bounces go. */
export interface CampaignSending {
  campaignId: number;
  editionNumber: number;
  /** The From header's name and address (the mailer encodes the name as the header needs). */
  from: { name: string; address: string };
  replyTo: string | null;
  /** `List-Id` value, e.g. `Landnetz <newsletter.landnetz.example>`. */
  listId: string;
  /** `Feedback-ID` value. */
  feedbackId: string;
  /** Domain of Message-IDs. */
  senderDomain: string;
  /** Domain of the VERP envelope sender and the mailto unsubscribe address. */
  bounceDomain: string;
  publicUrl: string;
}

/**
 * A compiled variant as the send worker needs it; with `tracking` when its links and open pixel
 * are markers the worker fills per mail.
 */
export type StoredVariant = Pick<
  CompiledVariant,
  'variant' | 'subject' | 'preheader' | 'html' | 'text' | 'size' | 'placeholders' | 'greeting'
> & { tracking?: VariantTracking };

export type SendState = 'sending' | 'paused' | 'cancelled';

/** A delivery's outcome as a send worker reports it through Redis. */
export interface SendResult {
  deliveryId: number;
  status: 'sent' | 'failed' | 'skipped';
  uncertain?: boolean;
  attempts?: number;
  messageId?: string | null;
  smtpResponse?: string | null;
  relay?: string | null;
  reason?: string | null;
  at: number;
}

const KEEP_SECONDS = 30 * 24 * 3600;

/**
 * The attempt marks as one script each: one command per message and mark instead of a MULTI
 * of four to six (each a write of its own on the connection).
 * open: KEYS open; ARGV delivery, time, ttl → 1 when newly marked.
 * finish: KEYS done, open, results; ARGV delivery, status, result JSON, ttl.
 */
const SCRIPTS = {
  lpSendOpen: {
    numberOfKeys: 1,
    lua: `local added = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return added`,
  },
  lpSendFinish: {
    numberOfKeys: 3,
    lua: `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[3])
return 1`,
  },
} as const;

interface Scripted {
  lpSendOpen(key: string, deliveryId: string, now: string, ttl: number): Promise<number>;
  lpSendFinish(
    done: string,
    open: string,
    results: string,
    deliveryId: string,
    status: string,
    result: string,
    ttl: number,
  ): Promise<number>;
}

/**
 * A campaign's sending state in Redis, shared by the process that owns the database (it
 * prepares variants, sets the state, records results) and the stateless send workers (they
 * read variants and state, mark attempts, report results). The attempt marks make "exactly
 * once" checkable: a delivery is marked open before its DATA starts and done the moment its
 * 250 arrives; one still open after a crash is sent again and reported as uncertain.
 */
export class CampaignStore {
  private readonly variants = new Map<string, StoredVariant>();
  private readonly sendings = new Map<number, CampaignSending>();

  private readonly scripts: Scripted;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    for (const [name, script] of Object.entries(SCRIPTS))
      if (!(name in redis)) redis.defineCommand(name, script);
    this.scripts = redis as unknown as Scripted;
  }

  private key(campaignId: number, part: string) {
    return `${this.prefix}:campaign:${campaignId}:${part}`;
  }

  private get resultsKey() {
    return `${this.prefix}:send-results`;
  }

  /**
   * Store the campaign's sending details and compiled variants before its first batch, and its
   * state unless one is set.
   */
  async prepare(
    sending: CampaignSending,
    variants: Map<string, StoredVariant>,
    state: SendState,
  ): Promise<void> {
    const id = sending.campaignId;
    const multi = this.redis.multi();
    multi.set(this.key(id, 'sending'), JSON.stringify(sending), 'EX', KEEP_SECONDS);
    if (variants.size) {
      multi.hset(
        this.key(id, 'variants'),
        Object.fromEntries([...variants].map(([key, v]) => [key, JSON.stringify(v)])),
      );
      multi.expire(this.key(id, 'variants'), KEEP_SECONDS);
    }
    // A pause or cancel made meanwhile has set the state already: it wins.
    multi.set(this.key(id, 'state'), state, 'EX', KEEP_SECONDS, 'NX');
    await multi.exec();
  }

  async setState(campaignId: number, state: SendState): Promise<void> {
    await this.redis.set(this.key(campaignId, 'state'), state, 'EX', KEEP_SECONDS);
  }

  async state(campaignId: number): Promise<SendState | null> {
    return (await this.redis.get(this.key(campaignId, 'state'))) as SendState | null;
  }

  async sending(campaignId: number): Promise<CampaignSending | undefined> {
    const cached = this.sendings.get(campaignId);
    if (cached) return cached;
    const raw = await this.redis.get(this.key(campaignId, 'sending'));
    if (!raw) return undefined;
    const sending = JSON.parse(raw) as CampaignSending;
    this.sendings.set(campaignId, sending);
    return sending;
  }

  async variant(campaignId: number, key: string): Promise<StoredVariant | undefined> {
    const cacheKey = `${campaignId}/${key}`;
    const cached = this.variants.get(cacheKey);
    if (cached) return cached;
    const raw = await this.redis.hget(this.key(campaignId, 'variants'), key);
    if (!raw) return undefined;
    const variant = JSON.parse(raw) as StoredVariant;
    if (this.variants.size > 200) this.variants.clear();
    this.variants.set(cacheKey, variant);
    return variant;
  }

  /** Deliveries that must not go out any more (the person unsubscribed, bounced, was erased). */
  async stop(campaignId: number, deliveryIds: number[]): Promise<void> {
    for (let i = 0; i < deliveryIds.length; i += 1000)
      await this.redis.sadd(
        this.key(campaignId, 'stop'),
        ...deliveryIds.slice(i, i + 1000).map(String),
      );
    if (deliveryIds.length) await this.redis.expire(this.key(campaignId, 'stop'), KEEP_SECONDS);
  }

  async stopped(campaignId: number, deliveryId: number): Promise<boolean> {
    return (await this.redis.sismember(this.key(campaignId, 'stop'), String(deliveryId))) === 1;
  }

  /** Which of these deliveries are stopped (one round trip for a whole batch). */
  async stoppedAmong(campaignId: number, deliveryIds: number[]): Promise<Set<number>> {
    if (!deliveryIds.length) return new Set();
    const flags = await this.redis.smismember(
      this.key(campaignId, 'stop'),
      ...deliveryIds.map(String),
    );
    return new Set(deliveryIds.filter((_, i) => flags[i] === 1));
  }

  /** Which of these deliveries have an outcome already (one round trip for a whole batch). */
  async doneAmong(campaignId: number, deliveryIds: number[]): Promise<Set<number>> {
    if (!deliveryIds.length) return new Set();
    const values = await this.redis.hmget(this.key(campaignId, 'done'), ...deliveryIds.map(String));
    return new Set(deliveryIds.filter((_, i) => values[i] !== null));
  }

  async isDone(campaignId: number, deliveryId: number): Promise<boolean> {
    return (await this.redis.hexists(this.key(campaignId, 'done'), String(deliveryId))) === 1;
  }

  /**
   * Mark an attempt open before its DATA starts. True when it was open already: an earlier
   * attempt died between DATA and the relay's answer, so this one may be a second copy.
   */
  async open(campaignId: number, deliveryId: number, now = Date.now()): Promise<boolean> {
    const added = await this.scripts.lpSendOpen(
      this.key(campaignId, 'open'),
      String(deliveryId),
      String(now),
      KEEP_SECONDS,
    );
    return added === 0;
  }

  /** The attempt surely did not deliver (the relay said 4xx): the next one is no duplicate. */
  async reopen(campaignId: number, deliveryId: number): Promise<void> {
    await this.redis.hdel(this.key(campaignId, 'open'), String(deliveryId));
  }

  /** Record an outcome at once, unbatched: done, attempt closed, result queued for the ledger. */
  async finish(campaignId: number, result: SendResult): Promise<void> {
    await this.scripts.lpSendFinish(
      this.key(campaignId, 'done'),
      this.key(campaignId, 'open'),
      this.resultsKey,
      String(result.deliveryId),
      result.status,
      JSON.stringify({ campaignId, ...result }),
      KEEP_SECONDS,
    );
  }

  /**
   * The oldest reported results (up to `max`); `commit` removes them once they are in the
   * database. A crash in between records them again — recording is idempotent.
   */
  async takeResults(
    max = 1000,
  ): Promise<{ results: (SendResult & { campaignId: number })[]; commit(): Promise<void> }> {
    const raw = await this.redis.lrange(this.resultsKey, 0, max - 1);
    return {
      results: raw.map((r) => JSON.parse(r) as SendResult & { campaignId: number }),
      commit: async () => {
        if (raw.length) await this.redis.ltrim(this.resultsKey, raw.length, -1);
      },
    };
  }

  /**
   * Lead the ledger for `ttlMs`: only one process writes reported outcomes to the database at a
   * time (several worker processes may run). True when `owner` holds the lead (taken or renewed).
   */
  async leadLedger(owner: string, ttlMs: number): Promise<boolean> {
    const key = `${this.prefix}:ledger-lead`;
    if ((await this.redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK') return true;
    if ((await this.redis.get(key)) !== owner) return false;
    await this.redis.pexpire(key, ttlMs);
    return true;
  }

  /** Forget outcomes of deliveries queued again (retry of failed ones). */
  async undo(campaignId: number, deliveryIds: number[]): Promise<void> {
    for (let i = 0; i < deliveryIds.length; i += 1000)
      await this.redis.hdel(
        this.key(campaignId, 'done'),
        ...deliveryIds.slice(i, i + 1000).map(String),
      );
  }

  /** Drop a finished campaign's keys (the ledger in the database keeps the outcome). */
  async forget(campaignId: number): Promise<void> {
    await this.redis.del(
      ...['sending', 'variants', 'state', 'stop', 'done', 'open'].map((part) =>
        this.key(campaignId, part),
      ),
    );
    this.sendings.delete(campaignId);
  }
}
