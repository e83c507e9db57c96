import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

export const QUEUE_NAMES = {
  mail: 'mail',
  maintenance: 'maintenance',
  import: 'import',
  campaign: 'campaign',
  send: 'send',
} as const;

/** A subscriber's transactional mail: confirmation, welcome, preferences link. */
export type SubscriberMailName = 'confirmation' | 'welcome' | 'preferences-link';
/** The mails of an event registration: confirmed, on the waiting list, moved up, reminder. */
export type RegistrationMailName =
  | 'registration-confirmed'
  | 'registration-waiting'
  | 'registration-promoted'
  | 'registration-reminder';
/** Mail jobs carry ids only; the processor loads the rest and mints tokens. */
export type MailJobName = SubscriberMailName | 'edition-test' | RegistrationMailName;
/**
 * A subscriber's mail names the subscriber; an edition's test mail its test send; a
 * registration's mail the registration.
 */
export type MailJobData =
  { subscriberId: number } | { testSendId: number } | { registrationId: number };

export const isSubscriberMail = (name: MailJobName): name is SubscriberMailName =>
  name === 'confirmation' || name === 'welcome' || name === 'preferences-link';

/** The subscriber a mail job is for; null for a test mail. */
export const mailSubscriber = (data: MailJobData): number | null =>
  'subscriberId' in data ? data.subscriberId : null;

export type MaintenanceJobName =
  | 'purge-unconfirmed'
  | 'purge-import-files'
  | 'queue-owed-mails'
  | 'purge-mail-outbox'
  | 'registration-reminders';

/**
 * The id of a mail job: one job per subscriber and claim time (`last_confirmation_at`) for
 * confirmation-type mails, one per subscriber for the welcome mail, one per test send. The
 * request and the sweep for mails that never reached Redis queue under the same id, so BullMQ
 * takes a mail only once.
 */
export function mailJobId(mail: MailRequest): string {
  if (mail.name === 'edition-test') return `${mail.name}-${mail.testSendId}`;
  if ('registrationId' in mail) {
    const { name, registrationId, at } = mail;
    return at === undefined ? `${name}-${registrationId}` : `${name}-${registrationId}-${at}`;
  }
  const { name, subscriberId, at } = mail;
  return at === undefined ? `${name}-${subscriberId}` : `${name}-${subscriberId}-${at}`;
}

/**
 * A mail owed: a subscriber's transactional mail (`at` is the claim time, see mailJobId), or
 * the test mail of an edition.
 */
export type MailRequest =
  | { name: SubscriberMailName; subscriberId: number; at?: number }
  | { name: 'edition-test'; testSendId: number }
  | { name: RegistrationMailName; registrationId: number; at?: number };

/** A mail job as it goes into the queue, under its own job id (see mailJobId). */
export type MailJob = { name: MailJobName; data: MailJobData; jobId: string };

/** Queue mail; a job id BullMQ already holds is not taken a second time. */
export async function queueMails(queues: Pick<Queues, 'mail'>, mails: MailJob[]): Promise<void> {
  if (!mails.length) return;
  await queues.mail.addBulk(
    mails.map(({ name, data, jobId }) => ({ name, data, opts: { jobId } })),
  );
}

/** A CSV import that was validated and started in the admin UI. */
export type ImportJobName = 'run';
export interface ImportJobData {
  importId: number;
}

/**
 * Redis connections: workers wait for Redis forever (BullMQ requires maxRetriesPerRequest null),
 * producers fail fast so a web request never hangs on a dead Redis.
 */
export function redisConnection(url: string, role: 'worker' | 'producer'): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 };
  const redis = new Redis(url, options);
  redis.on('error', () => {
    /* reported by the queue/worker error listeners and /readyz */
  });
  return redis;
}

/** Queue a started import. A restarted import gets a new job: the failed one stays for a look. */
export async function queueImport(queues: Pick<Queues, 'import'>, importId: number): Promise<void> {
  await queues.import.add('run', { importId });
}

/**
 * A started campaign's fan-out: walk its queued deliveries after the campaign's cursor and hand
 * them to the send queue in batches. Needs the database: the web/worker process that owns it
 * runs these.
 */
export type CampaignJobName = 'fanout';
export interface CampaignJobData {
  campaignId: number;
}

/** One recipient of a send batch: ids and merge data, no secrets. */
export interface SendRecipient {
  deliveryId: number;
  subscriberId: number;
  email: string;
  name: string;
  /** The key of the compiled variant (see variantKey), stored beside the job in Redis. */
  variant: string;
  /** The person gave tracking consent: the opens and clicks of this mail name the delivery. */
  tracked?: true;
}

/**
 * A batch of deliveries of one campaign. Needs only Redis and SMTP: the compiled variants and
 * the campaign's sending details are in Redis beside the job, results go back through Redis.
 */
export type SendJobName = 'send';
export interface SendJobData {
  campaignId: number;
  recipients: SendRecipient[];
}

/** `de|harz|` — the variant of a language, region and role (empty: none). */
export const variantKey = (language: string, region: string | null, role: string | null) =>
  `${language}|${region ?? ''}|${role ?? ''}`;

/**
 * Queue a campaign's fan-out from its cursor; the same round and cursor is queued once (a
 * retry of failed deliveries starts a new round from the beginning).
 */
export async function queueFanout(
  queues: Pick<Queues, 'campaign'>,
  campaignId: number,
  round: number,
  cursor: number,
): Promise<void> {
  await queues.campaign.add(
    'fanout',
    { campaignId },
    { jobId: `fanout-${campaignId}-${round}-${cursor}` },
  );
}

/** Sending attempts: temporary failures are retried with exponential backoff and jitter. */
export const sendJobOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
} as const;

export interface Queues {
  mail: Queue<MailJobData, unknown, MailJobName>;
  campaign: Queue<CampaignJobData, unknown, CampaignJobName>;
  send: Queue<SendJobData, unknown, SendJobName>;
  maintenance: Queue<Record<string, never>, unknown, MaintenanceJobName>;
  import: Queue<ImportJobData, unknown, ImportJobName>;
  connection: Redis;
  close(): Promise<void>;
}

export const mailJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: false,
} as const;

export function createQueues(
  redisUrl: string,
  prefix: string,
  onError: (err: Error) => void,
): Queues {
  const connection = redisConnection(redisUrl, 'producer');
  const opts = { connection: connection as ConnectionOptions, prefix };
  const mail = new Queue<MailJobData, unknown, MailJobName>(QUEUE_NAMES.mail, {
    ...opts,
    defaultJobOptions: mailJobOptions,
  });
  const maintenance = new Queue<Record<string, never>, unknown, MaintenanceJobName>(
    QUEUE_NAMES.maintenance,
    {
      ...opts,
      defaultJobOptions: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
    },
  );
  // An import keeps its progress in the database; a failed one is restarted from the admin UI.
  const importQueue = new Queue<ImportJobData, unknown, ImportJobName>(QUEUE_NAMES.import, {
    ...opts,
    defaultJobOptions: {
      attempts: 1,
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
  const campaign = new Queue<CampaignJobData, unknown, CampaignJobName>(QUEUE_NAMES.campaign, {
    ...opts,
    defaultJobOptions: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
  const send = new Queue<SendJobData, unknown, SendJobName>(QUEUE_NAMES.send, {
    ...opts,
    defaultJobOptions: sendJobOptions,
  });
  for (const queue of [mail, maintenance, importQueue, campaign, send]) queue.on('error', onError);
  return {
    mail,
    maintenance,
    import: importQueue,
    campaign,
    send,
    connection,
    async close() {
      await Promise.allSettled([
        mail.close(),
        maintenance.close(),
        importQueue.close(),
        campaign.close(),
        send.close(),
      ]);
      connection.disconnect();
    },
  };
}
