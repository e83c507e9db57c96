import { createHmac } from 'node:crypto';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { preferencesLink, unsubscribeLink } from '../server/infra/links.js';
import type { Secrets } from '../server/infra/security.js';
import {
  openPixelUrl,
  trackedClickUrl,
  type TrackedVariant,
} from '../server/services/tracking/links.js';
import { TRAP_LINK, type VariantTracking } from '../server/services/tracking/rewrite.js';
import type {
  CampaignSending,
  CampaignStore,
  SendResult,
  StoredVariant,
} from './campaign-store.js';
import type { DkimKey } from './dkim.js';
import type { WorkerLog } from './mail.js';
import { unreachable, type Mailer, type PreparedMessage } from './mailer.js';
import {
  newsletterMessage,
  newsletterTemplate,
  type NewsletterTemplate,
} from './newsletter-message.js';
import {
  QUEUE_NAMES,
  redisConnection,
  type SendJobData,
  type SendJobName,
  type SendRecipient,
} from './queues.js';

/** How long a batch of a paused campaign waits before it looks again. */
export const PAUSED_RECHECK_MS = 5_000;
/** How often a batch looks at its campaign's state and stop marks while it sends. */
const STATE_RECHECK_MS = 500;

/** A short keyed tag that makes Message-IDs and VERP addresses unguessable and unforgeable. */
function tag(secrets: Secrets, value: string): string {
  return createHmac('sha256', secrets.cookieSecret()).update(value).digest('hex').slice(0, 12);
}

/**
 * The Message-ID of a delivery: the same for every copy of it, so a copy sent again after a
 * crash is folded into the first by mail clients that notice.
 */
export function deliveryMessageId(
  secrets: Secrets,
  sending: Pick<CampaignSending, 'campaignId' | 'senderDomain'>,
  deliveryId: number,
): string {
  const id = `${sending.campaignId}.${deliveryId}`;
  return `<lp.${id}.${tag(secrets, `mid:${id}`)}@${sending.senderDomain}>`;
}

/** The VERP envelope sender: a bounce to it names its delivery. */
export function verpAddress(secrets: Secrets, bounceDomain: string, deliveryId: number): string {
  return `bounces+${deliveryId}.${tag(secrets, `verp:${deliveryId}`)}@${bounceDomain}`;
}

/** The delivery a VERP address names, when its tag is right. */
export function deliveryOfVerp(secrets: Secrets, address: string): number | undefined {
  const match = /^bounces\+([1-9][0-9]{0,15})\.([0-9a-f]{12})@/i.exec(address.trim());
  if (!match) return undefined;
  const id = Number(match[1]);
  return tag(secrets, `verp:${id}`) === match[2]!.toLowerCase() ? id : undefined;
}

/** The mailto address of a delivery's List-Unsubscribe header (RFC 2369/8058). */
export function unsubscribeAddress(
  secrets: Secrets,
  bounceDomain: string,
  deliveryId: number,
): string {
  return `unsubscribe+${deliveryId}.${tag(secrets, `unsub:${deliveryId}`)}@${bounceDomain}`;
}

/** The delivery an unsubscribe mailto address names, when its tag is right. */
export function deliveryOfUnsubscribe(secrets: Secrets, address: string): number | undefined {
  const match = /^unsubscribe\+([1-9][0-9]{0,15})\.([0-9a-f]{12})@/i.exec(address.trim());
  if (!match) return undefined;
  const id = Number(match[1]);
  return tag(secrets, `unsub:${id}`) === match[2]!.toLowerCase() ? id : undefined;
}

interface Views {
  /** Links and pixel name only the campaign and the variant: the same for every mail. */
  anonymous?: NewsletterTemplate;
  /** Links and pixel name the delivery: filled per mail. */
  personal?: NewsletterTemplate;
  plain?: NewsletterTemplate;
}

const views = new WeakMap<StoredVariant, Views>();

function trackedVariant(variant: StoredVariant): TrackedVariant {
  const { language, region, role } = variant.variant;
  return { language, region, role };
}

/** Every tracking marker of a variant with its URL for one delivery (or none: anonymous). */
function trackingValues(
  sending: CampaignSending,
  tracking: VariantTracking,
  variant: StoredVariant,
  secrets: Secrets,
  deliveryId: number | null,
): Record<string, string> {
  const input = {
    campaignId: sending.campaignId,
    deliveryId,
    variant: trackedVariant(variant),
  };
  const values: Record<string, string> = {
    [tracking.open]: openPixelUrl(secrets, sending.publicUrl, input),
    [tracking.trap]: trackedClickUrl(secrets, sending.publicUrl, { ...input, link: TRAP_LINK }),
  };
  for (const [marker, link] of Object.entries(tracking.links))
    values[marker] = trackedClickUrl(secrets, sending.publicUrl, { ...input, link });
  return values;
}

function replaceAll(source: string, values: Record<string, string>): string {
  const markers = Object.keys(values);
  if (!markers.length) return source;
  return source.replace(new RegExp(markers.join('|'), 'g'), (marker) => values[marker]!);
}

/** The template of a variant's messages for a recipient with or without tracking consent. */
function templateFor(
  sending: CampaignSending,
  variant: StoredVariant,
  personal: boolean,
  secrets: Secrets,
): NewsletterTemplate {
  let found = views.get(variant);
  if (!found) views.set(variant, (found = {}));
  const { tracking } = variant;
  if (!tracking) return (found.plain ??= newsletterTemplate(sending, variant));
  if (personal) {
    const markers = [tracking.open, tracking.trap, ...Object.keys(tracking.links)];
    return (found.personal ??= newsletterTemplate(sending, {
      ...variant,
      placeholders: {
        ...variant.placeholders,
        ...Object.fromEntries(markers.map((m) => [m, m])),
      },
    }));
  }
  if (!found.anonymous) {
    const values = trackingValues(sending, tracking, variant, secrets, null);
    found.anonymous = newsletterTemplate(sending, {
      ...variant,
      html: replaceAll(variant.html, values),
      text: replaceAll(variant.text, values),
    });
  }
  return found.anonymous;
}

/**
 * One newsletter message for one recipient, with every header COMPLIANCE.md asks for, signed
 * with `dkim` when given. The variant's template is built on its first message. Its tracked
 * links and open pixel name the delivery only when the person gave tracking consent.
 */
export function buildMessage(
  sending: CampaignSending,
  variant: StoredVariant,
  recipient: SendRecipient,
  secrets: Secrets,
  dkim?: DkimKey,
): PreparedMessage {
  const personal = recipient.tracked === true && variant.tracking !== undefined;
  const template = templateFor(sending, variant, personal, secrets);
  const unsubscribeUrl = unsubscribeLink(secrets, sending.publicUrl, recipient.subscriberId, null);
  const mailto = unsubscribeAddress(secrets, sending.bounceDomain, recipient.deliveryId);
  return newsletterMessage(
    template,
    {
      to: recipient.email,
      name: recipient.name,
      unsubscribeUrl,
      preferencesUrl: preferencesLink(secrets, sending.publicUrl, recipient.subscriberId),
      listUnsubscribe: `<${unsubscribeUrl}>, <mailto:${mailto}>`,
      messageId: deliveryMessageId(secrets, sending, recipient.deliveryId),
      envelopeFrom: verpAddress(secrets, sending.bounceDomain, recipient.deliveryId),
      links: personal
        ? trackingValues(sending, variant.tracking!, variant, secrets, recipient.deliveryId)
        : undefined,
    },
    dkim,
  );
}

/**
 * An outcome must reach Redis: once the relay has said 250, a lost report would send the message
 * again. While Redis restarts, try again with growing pauses for up to a minute.
 */
async function untilRedisAnswers(write: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let wait = 100; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      return await write();
    } catch (err) {
      if (Date.now() + wait > deadline) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

const smtpCode = (err: unknown) => (err as { responseCode?: number }).responseCode;

/**
 * The send worker: needs only Redis and SMTP. Per recipient of a batch: skip what is done or
 * stopped, mark the attempt open, send, and report the outcome at once. A temporary failure
 * (4xx, timeout, dropped connection) fails the batch so BullMQ retries it with backoff — the
 * recipients already done are skipped then; a permanent one (5xx) is reported as failed.
 */
export function createSendWorker(opts: {
  redisUrl: string;
  prefix: string;
  store: CampaignStore;
  mailer: Mailer;
  secrets: Secrets;
  log: WorkerLog;
  concurrency?: number;
  /** The relay's name in the ledger when the mailer does not say which one took a message. */
  relay?: string;
  /** How long a dead worker's batch stays locked before another worker takes it again. */
  lockMs?: number;
}): Worker<SendJobData, unknown, SendJobName> {
  const { store, mailer, secrets, log } = opts;
  const connection = redisConnection(opts.redisUrl, 'worker');

  async function deliver(job: Job<SendJobData, unknown, SendJobName>, token?: string) {
    const { campaignId, recipients } = job.data;
    const ids = recipients.map((r) => r.deliveryId);
    // What is done and what is stopped, for the whole batch in two round trips; the state and
    // the stop marks are read again at most every half second, so a pause or an unsubscribe takes
    // effect within seconds.
    const done = await store.doneAmong(campaignId, ids);
    let stopped = new Set<number>();
    let state: Awaited<ReturnType<typeof store.state>> = null;
    let checkedAt = 0;
    let sent = 0;
    for (const recipient of recipients) {
      if (Date.now() - checkedAt >= STATE_RECHECK_MS) {
        [state, stopped] = await Promise.all([
          store.state(campaignId),
          store.stoppedAmong(campaignId, ids),
        ]);
        checkedAt = Date.now();
      }
      if (state === 'cancelled' || state === null) return { sent, stoppedBy: state };
      if (state === 'paused') {
        await job.moveToDelayed(Date.now() + PAUSED_RECHECK_MS, token);
        throw new DelayedError();
      }
      const { deliveryId } = recipient;
      if (done.has(deliveryId)) continue;
      const report = (result: Omit<SendResult, 'deliveryId' | 'at' | 'attempts'>) =>
        untilRedisAnswers(() =>
          store.finish(campaignId, {
            deliveryId,
            attempts: job.attemptsMade + 1,
            at: Date.now(),
            ...result,
          }),
        );
      if (stopped.has(deliveryId)) {
        await report({ status: 'skipped', reason: 'unsubscribed, blocked or erased meanwhile' });
        continue;
      }
      const sending = await store.sending(campaignId);
      const variant = await store.variant(campaignId, recipient.variant);
      if (!sending || !variant)
        throw new UnrecoverableError(`campaign ${campaignId}: variant ${recipient.variant} gone`);
      const message = buildMessage(sending, variant, recipient, secrets, mailer.dkim);
      const uncertain = await store.open(campaignId, deliveryId);
      try {
        const info = await mailer.send(message);
        await report({
          status: 'sent',
          uncertain,
          messageId: message.messageId,
          smtpResponse: info.response ?? null,
          relay: info.relay ?? opts.relay ?? null,
        });
        sent++;
      } catch (err) {
        const code = smtpCode(err);
        const reason = (err as Error).message;
        if (err instanceof UnrecoverableError || (code !== undefined && code >= 500)) {
          await report({ status: 'failed', uncertain, reason, smtpResponse: reason });
          continue;
        }
        // The relay answered 4xx, or no relay could be reached: surely not delivered, the next
        // attempt is no duplicate. A dropped connection or timeout later on leaves the attempt
        // open: it may have arrived.
        if (code !== undefined || unreachable(err)) await store.reopen(campaignId, deliveryId);
        throw err;
      }
    }
    return { sent };
  }

  const worker = new Worker<SendJobData, unknown, SendJobName>(QUEUE_NAMES.send, deliver, {
    connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? 4,
    autorun: true,
    lockDuration: opts.lockMs ?? 30_000,
    stalledInterval: opts.lockMs ?? 30_000,
    // A batch whose worker died is taken again, however often: the attempt marks in Redis keep
    // what was sent from going out twice unmarked.
    maxStalledCount: 1000,
  });
  worker.on('error', (err) => log.error({ err }, 'send worker error'));
  // Retries used up: what is still not done is reported failed, so the campaign can finish.
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
    log.warn(
      {
        job: job.id,
        campaign: job.data.campaignId,
        attempts: job.attemptsMade,
        final,
        err: err.message,
      },
      'send batch failed',
    );
    if (!final) return;
    void (async () => {
      for (const { deliveryId } of job.data.recipients) {
        if (await store.isDone(job.data.campaignId, deliveryId)) continue;
        await store.finish(job.data.campaignId, {
          deliveryId,
          status: 'failed',
          attempts: job.attemptsMade,
          reason: err.message,
          at: Date.now(),
        });
      }
    })().catch((e: unknown) => log.error({ err: e }, 'could not report failed deliveries'));
  });
  worker.on('closed', () => connection.disconnect());
  return worker;
}
