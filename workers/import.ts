import { Worker } from 'bullmq';
import type { WorkerLog } from './mail.js';
import { QUEUE_NAMES, redisConnection, type ImportJobData, type ImportJobName } from './queues.js';

/** What the import worker needs: something that writes one validated import. */
export interface ImportRunner {
  run(importId: number): Promise<Record<string, number>>;
}

/** One worker for CSV imports; one import at a time keeps SQLite writes calm for the web app. */
export function createImportWorker(opts: {
  redisUrl: string;
  prefix: string;
  runner: ImportRunner;
  log: WorkerLog;
}): Worker<ImportJobData, unknown, ImportJobName> {
  const connection = redisConnection(opts.redisUrl, 'worker');
  const worker = new Worker<ImportJobData, unknown, ImportJobName>(
    QUEUE_NAMES.import,
    async (job) => {
      const counts = await opts.runner.run(job.data.importId);
      opts.log.info({ job: job.id, import: job.data.importId, ...counts }, 'import done');
      return counts;
    },
    { connection: connection, prefix: opts.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => opts.log.error({ err }, 'import worker error'));
  worker.on('failed', (job, err) =>
    opts.log.warn({ job: job?.id, import: job?.data.importId, err: err.message }, 'import failed'),
  );
  worker.on('closed', () => connection.disconnect());
  return worker;
}
