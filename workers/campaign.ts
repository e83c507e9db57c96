import { Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkerLog } from './mail.js';
import {
  QUEUE_NAMES,
  redisConnection,
  type CampaignJobData,
  type CampaignJobName,
} from './queues.js';

/** What the campaign worker needs from the process that owns the database. */
export interface CampaignRunner {
  fanout(campaignId: number): Promise<number>;
  recordResults(max?: number): Promise<number>;
  tick(now?: number): Promise<void>;
  /** Whether this process leads the ledger now (one writer of outcomes at a time). */
  leadLedger(owner: string, ttlMs: number): Promise<boolean>;
}

/** How long the ledger's lead lasts without renewal (a round renews it every half second). */
const LEAD_MS = 5_000;

/** The fan-out worker of the database owner: one campaign's fan-out at a time. */
export function createFanoutWorker(opts: {
  redisUrl: string;
  prefix: string;
  runner: CampaignRunner;
  log: WorkerLog;
  lockMs?: number;
}): Worker<CampaignJobData, unknown, CampaignJobName> {
  const connection = redisConnection(opts.redisUrl, 'worker');
  const worker = new Worker<CampaignJobData, unknown, CampaignJobName>(
    QUEUE_NAMES.campaign,
    async (job) => {
      const queued = await opts.runner.fanout(job.data.campaignId);
      opts.log.info({ campaign: job.data.campaignId, queued }, 'campaign fanned out');
      return { queued };
    },
    {
      connection,
      prefix: opts.prefix,
      concurrency: 1,
      lockDuration: opts.lockMs ?? 30_000,
      stalledInterval: opts.lockMs ?? 30_000,
      maxStalledCount: 1000,
    },
  );
  worker.on('error', (err) => opts.log.error({ err }, 'campaign worker error'));
  worker.on('failed', (job, err) =>
    opts.log.warn({ campaign: job?.data.campaignId, err: err.message }, 'campaign fan-out failed'),
  );
  worker.on('closed', () => connection.disconnect());
  return worker;
}

/**
 * The ledger keeper of the database owner: writes reported outcomes every `everyMs` (in
 * batches), and runs the campaign chores (due schedules, fan-outs Redis missed, pause state)
 * every `tickMs`.
 */
export function startCampaignLedger(opts: {
  runner: CampaignRunner;
  log: WorkerLog;
  everyMs?: number;
  tickMs?: number;
}): { close(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> | undefined;
  let lastTick = 0;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const round = async () => {
    try {
      // Several worker processes may run: one of them writes the outcomes and runs the chores.
      if (!(await opts.runner.leadLedger(owner, LEAD_MS))) return;
      while (!stopped && (await opts.runner.recordResults()) > 0) {
        /* drain what piled up */
      }
      if (Date.now() - lastTick >= (opts.tickMs ?? 5_000)) {
        lastTick = Date.now();
        await opts.runner.tick();
      }
    } catch (err) {
      opts.log.warn(
        { err: (err as Error).message },
        'campaign ledger round failed; next round retries',
      );
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = round().finally(() => (running = undefined));
  }, opts.everyMs ?? 500);
  return {
    async close() {
      stopped = true;
      clearInterval(timer);
      await running;
      // What the workers reported last still reaches the ledger.
      if (await opts.runner.leadLedger(owner, LEAD_MS).catch(() => false))
        await opts.runner.recordResults().catch(() => 0);
    },
  };
}
