import { Worker } from 'bullmq';
import type { Queues, MaintenanceJobName } from './queues.js';
import { QUEUE_NAMES, redisConnection } from './queues.js';
import type { WorkerLog } from './mail.js';

export interface MaintenanceTasks {
  /** Delete sign-ups never confirmed within the retention period; returns how many. */
  purgeUnconfirmed(): number;
  /** Delete uploaded import files past their retention; returns how many. */
  purgeImportFiles(): number;
  /** Queue the mails that committed changes owe but that never reached the queue; how many. */
  queueOwedMails(): Promise<number>;
  /** Forget owed mails past their keeping period; returns how many. */
  purgeMailOutbox(): number;
  /** Owe the reminder to everybody registered for an event tomorrow; returns how many. */
  sendRegistrationReminders(): Promise<number>;
}

/** Scheduled chores. The schedule lives in Redis, so several worker hosts never double it. */
export async function scheduleMaintenance(queues: Queues, everyMs = 3_600_000): Promise<void> {
  await queues.maintenance.upsertJobScheduler(
    'purge-unconfirmed',
    { every: everyMs },
    { name: 'purge-unconfirmed', data: {} },
  );
  await queues.maintenance.upsertJobScheduler(
    'queue-owed-mails',
    { every: 60_000 },
    { name: 'queue-owed-mails', data: {} },
  );
  await queues.maintenance.upsertJobScheduler(
    'purge-mail-outbox',
    { every: everyMs },
    { name: 'purge-mail-outbox', data: {} },
  );
  // Its successor is queue-owed-mails, which covers every kind of transactional mail.
  await queues.maintenance.removeJobScheduler('resend-lost-confirmations');
  // Hourly: a reminder goes out on the day before, in the first hour it is due.
  await queues.maintenance.upsertJobScheduler(
    'registration-reminders',
    { every: everyMs },
    { name: 'registration-reminders', data: {} },
  );
  await queues.maintenance.upsertJobScheduler(
    'purge-import-files',
    { every: everyMs },
    { name: 'purge-import-files', data: {} },
  );
}

export function createMaintenanceWorker(opts: {
  redisUrl: string;
  prefix: string;
  tasks: MaintenanceTasks;
  log: WorkerLog;
}): Worker<Record<string, never>, unknown, MaintenanceJobName> {
  const connection = redisConnection(opts.redisUrl, 'worker');
  const worker = new Worker<Record<string, never>, unknown, MaintenanceJobName>(
    QUEUE_NAMES.maintenance,
    async (job) => {
      switch (job.name) {
        case 'purge-unconfirmed': {
          const deleted = opts.tasks.purgeUnconfirmed();
          if (deleted) opts.log.info({ deleted }, 'deleted unconfirmed sign-ups past retention');
          return { deleted };
        }
        case 'queue-owed-mails': {
          const queued = await opts.tasks.queueOwedMails();
          if (queued) opts.log.warn({ queued }, 'queued mails that had not reached the queue');
          return { queued };
        }
        case 'purge-mail-outbox': {
          const deleted = opts.tasks.purgeMailOutbox();
          if (deleted) opts.log.info({ deleted }, 'deleted old rows of the mail outbox');
          return { deleted };
        }
        case 'registration-reminders': {
          const owed = await opts.tasks.sendRegistrationReminders();
          if (owed) opts.log.info({ owed }, 'owed event reminders');
          return { owed };
        }
        case 'purge-import-files': {
          const deleted = opts.tasks.purgeImportFiles();
          if (deleted) opts.log.info({ deleted }, 'deleted stale import files');
          return { deleted };
        }
        default:
          return { unknown: job.name };
      }
    },
    { connection: connection, prefix: opts.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => opts.log.error({ err }, 'maintenance worker error'));
  worker.on('closed', () => connection.disconnect());
  return worker;
}
