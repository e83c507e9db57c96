import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Mailer, OutgoingMessage } from './mailer.js';
import {
  mailSubscriber,
  QUEUE_NAMES,
  redisConnection,
  type MailJobData,
  type MailJobName,
} from './queues.js';

export interface ComposedMail {
  message: OutgoingMessage;
  onSent(info: { messageId: string }): void;
}

/** Where the mail worker gets its messages from (the web app's database, in one process). */
export interface TransactionalSource {
  compose(name: MailJobName, data: MailJobData): Promise<ComposedMail | null>;
}

export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One worker for the transactional mail queue: confirmation, welcome, preferences link. */
export function createMailWorker(opts: {
  redisUrl: string;
  prefix: string;
  source: TransactionalSource;
  mailer: Mailer;
  log: WorkerLog;
  concurrency?: number;
}): Worker<MailJobData, unknown, MailJobName> {
  const connection = redisConnection(opts.redisUrl, 'worker');
  const worker = new Worker<MailJobData, unknown, MailJobName>(
    QUEUE_NAMES.mail,
    async (job: Job<MailJobData, unknown, MailJobName>) => {
      const composed = await opts.source.compose(job.name, job.data);
      if (!composed) return { skipped: true };
      const sent = await opts.mailer.send(composed.message);
      composed.onSent(sent);
      opts.log.info(
        { job: job.id, kind: job.name, subscriber: mailSubscriber(job.data) },
        'mail sent',
      );
      return { messageId: sent.messageId };
    },
    {
      connection: connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency ?? 4,
      autorun: true,
    },
  );
  worker.on('error', (err) => opts.log.error({ err }, 'mail worker error'));
  worker.on('failed', (job, err) => {
    const permanent = err instanceof UnrecoverableError || err.name === 'UnrecoverableError';
    opts.log.warn(
      { job: job?.id, kind: job?.name, attempts: job?.attemptsMade, permanent, err: err.message },
      'mail job failed',
    );
  });
  worker.on('closed', () => connection.disconnect());
  return worker;
}
