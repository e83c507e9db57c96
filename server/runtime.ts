import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { migrateDatabase, openDatabase, type Database_ } from '../db/client.js';
import { startBounceServer, type BounceServer } from '../workers/bounce-server.js';
import { startMailCatcher, type MailCatcher } from '../workers/mail-catcher.js';
import { createFanoutWorker, startCampaignLedger } from '../workers/campaign.js';
import { createImportWorker } from '../workers/import.js';
import { createMailWorker } from '../workers/mail.js';
import type { Mailer } from '../workers/mailer.js';
import { createMaintenanceWorker, scheduleMaintenance } from '../workers/maintenance.js';
import { createSendWorker } from '../workers/send.js';
import { createQueues, type Queues } from '../workers/queues.js';
import { buildApp, loggerOptions } from './app.js';
import type { Config } from './config.js';
import { createMailers } from './mailers.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './infra/redis.js';
import { Secrets } from './infra/security.js';
import { MAX_BOUNCE_BYTES } from './services/bounces/index.js';
import { createServices, type Services } from './services/index.js';
import { mailSource } from './services/mail-source.js';

export type Role = 'all' | 'web' | 'worker';

interface Closable {
  close(force?: boolean): Promise<void>;
}

export interface Runtime {
  config: Config;
  role: Role;
  log: Logger;
  app?: FastifyInstance;
  database: Database_;
  queues: Queues;
  services: Services;
  catcher?: MailCatcher;
  /** The bounce endpoint, when BOUNCE_SMTP_PORT is set (worker and all roles). */
  bounceServer?: BounceServer;
  workers: Closable[];
  /** Stop taking work, finish or hand back active jobs (bounded), close everything. */
  stop(): Promise<void>;
}

/**
 * Start Landpost in one role: Redis (embedded unless REDIS_URL), the database (migrated), the
 * queues, and the web app and/or the workers.
 */
export async function startRuntime(
  config: Config,
  role: Role,
  opts: {
    log?: Logger;
    /** Landpost cannot go on (its own Redis keeps dying): the owner should stop and exit non-zero. */
    onFatal?: (reason: string) => void;
    /** Restart policy of the embedded redis-server (tests shorten it). */
    redisRestarts?: { maxRestarts?: number; firstDelayMs?: number };
  } = {},
): Promise<Runtime> {
  const log = opts.log ?? pino(loggerOptions(config.logLevel));
  const cleanup: (() => Promise<void> | void)[] = [];
  const undo = async () => {
    for (const fn of cleanup.reverse()) await Promise.resolve(fn()).catch(() => {});
  };
  try {
    let redisUrl = config.redisUrl;
    let embedded: EmbeddedRedis | undefined;
    if (!redisUrl) {
      embedded = await startEmbeddedRedis({
        dir: join(config.dataDir, 'redis'),
        log: (line) => log.warn(line),
        supervise: {
          ...opts.redisRestarts,
          onGiveUp: (reason) => {
            log.fatal({ reason }, 'the embedded redis-server keeps dying; Landpost stops');
            opts.onFatal?.(reason);
          },
        },
      });
      cleanup.push(() => embedded!.stop());
      redisUrl = embedded.url;
      log.info({ redis: redisUrl }, 'started embedded redis-server (REDIS_URL unset)');
    }

    if (config.redisUrl) await checkEviction(redisUrl, log);

    const database = openDatabase(config.databaseFile);
    cleanup.push(() => database.close());
    migrateDatabase(database);

    const queues = createQueues(redisUrl, config.queuePrefix, (err) =>
      log.error({ err }, 'queue error'),
    );
    cleanup.push(() => queues.close());
    const secrets = new Secrets(config.secretKey);
    const services = createServices({ db: database.db, config, secrets, queues, log });
    const subscriptions = services.subscribers;

    const workers: Closable[] = [];
    let catcher: MailCatcher | undefined;
    let bounceServer: BounceServer | undefined;
    let mailer: Mailer | undefined;
    if (role !== 'web') {
      let smtpUrl = config.smtpUrl;
      if (!smtpUrl) {
        catcher = await startMailCatcher((mail) => {
          services.mailCatcher.store(mail);
        });
        cleanup.push(() => catcher!.close());
        smtpUrl = catcher.smtpUrl;
        log.info(
          { port: catcher.port },
          'SMTP_URL unset: mail goes to the built-in catcher, admins read it at /admin/mail',
        );
      }
      const mailers = createMailers(config, smtpUrl, redisUrl, log);
      mailer = mailers.mailer;
      cleanup.push(() => mailers.close());
      if (config.bounceSmtpPort !== undefined) {
        bounceServer = await startBounceServer({
          inbox: services.bounces,
          port: config.bounceSmtpPort,
          host: config.bounceSmtpHost,
          maxBytes: MAX_BOUNCE_BYTES,
          log,
          closeTimeoutMs: config.shutdownTimeoutMs,
        });
        // It stops taking mail with the workers, before the database closes.
        workers.push(bounceServer);
        cleanup.push(() => bounceServer!.close());
        log.info({ port: bounceServer.port }, 'bounce endpoint listening');
      }
      workers.push(
        createMailWorker({
          redisUrl,
          prefix: config.queuePrefix,
          source: mailSource({ db: database.db, config, secrets, services }),
          mailer,
          log,
        }),
        createMaintenanceWorker({
          redisUrl,
          prefix: config.queuePrefix,
          tasks: {
            purgeUnconfirmed: () => subscriptions.purgeUnconfirmed(),
            purgeImportFiles: () => services.imports.purgeStaleFiles(),
            queueOwedMails: () => services.mailOutbox.sweep(),
            purgeMailOutbox: () => services.mailOutbox.purge(),
            sendRegistrationReminders: () => services.registrations.sendReminders(),
          },
          log,
        }),
        createImportWorker({
          redisUrl,
          prefix: config.queuePrefix,
          runner: services.imports,
          log,
        }),
        createFanoutWorker({
          redisUrl,
          prefix: config.queuePrefix,
          runner: services.campaigns,
          log,
          lockMs: config.sendLockMs,
        }),
        createSendWorker({
          redisUrl,
          prefix: config.queuePrefix,
          store: services.campaigns.store,
          mailer: mailers.campaignMailer,
          secrets,
          log,
          concurrency: config.sendConcurrency,
          lockMs: config.sendLockMs,
        }),
        startCampaignLedger({ runner: services.campaigns, log }),
      );
      await scheduleMaintenance(queues);
    }

    let app: FastifyInstance | undefined;
    if (role !== 'worker') {
      app = await buildApp({ config, database, queues, secrets, services }, { logger: log });
      await app.ready();
    }

    if (app && services.accounts.countUsers() === 0) {
      // First start: a one-time link (valid one hour) to create the first admin.
      const token = secrets.sign('admin-setup', { s: 0, e: Math.floor(Date.now() / 1000) + 3600 });
      log.info(
        `No admin account yet. Create the first one within the hour: ${config.publicUrl}/admin/setup/${token}`,
      );
    }

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        if (app) await app.close();
        // Workers finish their active jobs; a job still running at the deadline is handed back
        // to Redis (its lock expires) and retried by the next worker.
        const closing = Promise.allSettled(workers.map((w) => w.close()));
        const deadline = new Promise((r) => setTimeout(r, config.shutdownTimeoutMs).unref());
        await Promise.race([closing, deadline]);
        await Promise.allSettled(workers.map((w) => w.close(true)));
        await undo();
      })();
      return stopping;
    };
    return {
      config,
      role,
      log,
      app,
      database,
      queues,
      services,
      catcher,
      bounceServer,
      workers,
      stop,
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/** BullMQ loses jobs when Redis evicts keys: say so loudly when an external Redis allows it. */
async function checkEviction(url: string, log: Logger): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    await client.connect();
    const [, policy] = (await client.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy && policy !== 'noeviction') {
      log.warn(
        { policy },
        'Redis maxmemory-policy is not noeviction: queued mail can be lost; set maxmemory-policy noeviction',
      );
    }
  } catch {
    /* managed Redis may forbid CONFIG; nothing to check then */
  } finally {
    client.disconnect();
  }
}
