/**
 * The subscriber service on its own: a fresh, migrated SQLite file, the run's redis-server
 * under a queue prefix of its own, no HTTP. Mails are looked at as the jobs that were queued.
 */
import { migrateDatabase, openDatabase, type Database_ } from '../../../../db/client.js';
import { createQueues, mailSubscriber, type Queues } from '../../../../workers/queues.js';
import { Secrets } from '../../../../server/infra/security.js';
import { createServices, type Actor } from '../../../../server/services/index.js';
import type { SubscriberService } from '../../../../server/services/subscribers/index.js';
import { testConfig, type TestConfig } from '../../../helpers/env.js';

export interface ServiceTest {
  config: TestConfig;
  database: Database_;
  queues: Queues;
  service: SubscriberService;
  /** An editor of the admin UI, as the session names them. */
  editor: Actor;
  /** An editor token of the API, named crm. */
  apiToken: Actor;
  sql<T = Record<string, unknown>>(query: string, ...params: unknown[]): T[];
  run(query: string, ...params: unknown[]): void;
  /** The mails queued so far: job name and subscriber. */
  queuedMails(): Promise<{ name: string; subscriberId: number | null }[]>;
  close(): Promise<void>;
}

export async function startServiceTest(env: Record<string, string> = {}): Promise<ServiceTest> {
  const config = testConfig(env);
  const database = openDatabase(config.databaseFile);
  migrateDatabase(database);
  const queues = createQueues(config.redisUrl!, config.queuePrefix, () => {});
  const secrets = new Secrets(config.secretKey);
  const log = { info() {}, warn() {}, error() {} };
  const { subscribers: service } = createServices({
    db: database.db,
    config,
    secrets,
    queues,
    log,
  });
  const { id: userId } = database.sqlite
    .prepare(
      "insert into users (email, password_hash, role) values (?, 'x', 'editor') returning id",
    )
    .get('editor@landpost.test') as { id: number };
  const { id: tokenId } = database.sqlite
    .prepare(
      "insert into api_tokens (name, role, token_hash, prefix) values ('crm', 'editor', 'h', 'lp_') returning id",
    )
    .get() as { id: number };
  return {
    config,
    database,
    queues,
    service,
    editor: { kind: 'user', userId, email: 'editor@landpost.test', ip: '203.0.113.9' },
    apiToken: { kind: 'api-token', tokenId, name: 'crm', ip: '203.0.113.10' },
    sql: <T>(query: string, ...params: unknown[]) =>
      database.sqlite.prepare(query).all(...params) as T[],
    run: (query, ...params) => void database.sqlite.prepare(query).run(...params),
    async queuedMails() {
      const jobs = await queues.mail.getJobs(['waiting', 'delayed', 'prioritized']);
      return jobs
        .sort((a, b) => a.timestamp - b.timestamp)
        .map((j) => ({ name: j.name, subscriberId: mailSubscriber(j.data) }));
    },
    async close() {
      await queues.mail.obliterate({ force: true }).catch(() => {});
      await queues.close();
      database.close();
      config.cleanup();
    },
  };
}
