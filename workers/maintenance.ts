import { Worker } from 'bullmq';
import type { Queues, MaintenanceJobName } from './queues.js';
import { QUEUE_NAMES, redisConnection } from './queues.js';
import type { WorkerLog } from './mail.js';

export interface MaintenanceTasks {
  /** Delete sign-ups never confirmed within the retention period; returns how many. */
  purgeUnconfirmed(): number;
  /** Delete uploaded import files past their retention; returns how many. */
  purgeImportFiles(): number;
  /** Queue again confirmation mails that never reached the queue; returns how many. */
  resendLostConfirmations(): Promise<number>;
}

/** Scheduled chores. The schedule lives in Redis, so several worker hosts never double it. */
export async function scheduleMaintenance(queues: Queues, everyMs = 3_600_000): Promise<void> {
  await queues.maintenance.upsertJobScheduler(
    'purge-unconfirmed',
    { every: everyMs },
    { name: 'purge-unconfirmed', data: {} },
  );
  await queues.maintenance.upsertJobScheduler(
    'resend-lost-confirmations',
    { every: 60_000 },
    { name: 'resend-lost-confirmations', data: {} },
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
        case 'resend-lost-confirmations': {
          const queued = await opts.tasks.resendLostConfirmations();
          if (queued) opts.log.warn({ queued }, 'queued lost confirmation mails again');
          return { queued };
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
