import { pino, type Logger } from 'pino';
import { CampaignStore } from '../workers/campaign-store.js';
import { redisConnection } from '../workers/queues.js';
import { createSendWorker } from '../workers/send.js';
import { loggerOptions } from './app.js';
import type { Config } from './config.js';
import { createMailers } from './mailers.js';
import { Secrets } from './infra/security.js';

/**
 * A send worker on its own (`npm run worker -- --role=sender`): it needs only Redis and SMTP —
 * no database, no web — so it can run on other hosts against the app's Redis. The compiled
 * variants and the sending details are in Redis beside each batch; outcomes go back through
 * Redis to the process that owns the database.
 */
export async function startSender(
  config: Config,
  opts: { log?: Logger } = {},
): Promise<{ log: Logger; stop(): Promise<void> }> {
  const log = opts.log ?? pino(loggerOptions(config.logLevel));
  if (!config.redisUrl)
    throw new SenderConfigError(
      'a sender needs REDIS_URL: the Redis of the Landpost app it serves',
    );
  if (!config.smtpUrl)
    throw new SenderConfigError('a sender needs SMTP_URL: the relay it delivers through');
  const redis = redisConnection(config.redisUrl, 'producer');
  const mailers = createMailers(config, config.smtpUrl, config.redisUrl, log);
  const worker = createSendWorker({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    store: new CampaignStore(redis, config.queuePrefix),
    mailer: mailers.campaignMailer,
    secrets: new Secrets(config.secretKey),
    log,
    concurrency: config.sendConcurrency,
    lockMs: config.sendLockMs,
  });
  return {
    log,
    async stop() {
      const closing = worker.close();
      const deadline = new Promise((r) => setTimeout(r, config.shutdownTimeoutMs).unref());
      await Promise.race([closing, deadline]);
      await worker.close(true);
      mailers.close();
      redis.disconnect();
    },
  };
}

export class SenderConfigError extends Error {}
