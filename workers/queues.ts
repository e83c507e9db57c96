import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

export const QUEUE_NAMES = { mail: 'mail', maintenance: 'maintenance', import: 'import' } as const;

/** A subscriber's transactional mail: confirmation, welcome, preferences link. */
export type SubscriberMailName = 'confirmation' | 'welcome' | 'preferences-link';
/** Mail jobs carry ids only; the processor loads the rest and mints tokens. */
export type MailJobName = SubscriberMailName | 'edition-test';
/** A subscriber's mail names the subscriber; an edition's test mail its test send. */
export type MailJobData = { subscriberId: number } | { testSendId: number };

/** The subscriber a mail job is for; null for a test mail. */
export const mailSubscriber = (data: MailJobData): number | null =>
  'subscriberId' in data ? data.subscriberId : null;

export type MaintenanceJobName =
  'purge-unconfirmed' | 'purge-import-files' | 'queue-owed-mails' | 'purge-mail-outbox';

/**
 * The id of a mail job: one job per subscriber and claim time (`last_confirmation_at`) for
 * confirmation-type mails, one per subscriber for the welcome mail, one per test send. The
 * request and the sweep for mails that never reached Redis queue under the same id, so BullMQ
 * takes a mail only once.
 */
export function mailJobId(mail: MailRequest): string {
  if (mail.name === 'edition-test') return `${mail.name}-${mail.testSendId}`;
  const { name, subscriberId, at } = mail;
  return at === undefined ? `${name}-${subscriberId}` : `${name}-${subscriberId}-${at}`;
}

/**
 * A mail owed: a subscriber's transactional mail (`at` is the claim time, see mailJobId), or
 * the test mail of an edition.
 */
export type MailRequest =
  | { name: SubscriberMailName; subscriberId: number; at?: number }
  | { name: 'edition-test'; testSendId: number };

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

export interface Queues {
  mail: Queue<MailJobData, unknown, MailJobName>;
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
  mail.on('error', onError);
  maintenance.on('error', onError);
  importQueue.on('error', onError);
  return {
    mail,
    maintenance,
    import: importQueue,
    connection,
    async close() {
      await Promise.allSettled([mail.close(), maintenance.close(), importQueue.close()]);
      connection.disconnect();
    },
  };
}
