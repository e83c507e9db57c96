/**
 * The mail outbox: every change that owes a mail notes it in its own transaction, so a mail
 * that could not be queued (Redis down) is queued by the sweep later — once, under its job id.
 * A real SQLite file and the run's redis-server; "Redis down" is a set of queues whose
 * connection was closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrateDatabase,
  openDatabase,
  transaction,
  type Database_,
} from '../../../../db/client.js';
import { Secrets } from '../../../../server/infra/security.js';
import type { Actor } from '../../../../server/services/context.js';
import { createServices, type Services } from '../../../../server/services/index.js';
import { DAY_MS } from '../../../../server/infra/security.js';
import { createQueues, mailSubscriber, type Queues } from '../../../../workers/queues.js';
import { testConfig, type TestConfig } from '../../../helpers/env.js';
import { fixture } from '../imports/_setup.js';

let config: TestConfig;
let database: Database_;
let queues: Queues;
let broken: Queues;
/** The services of a process whose Redis is away, and of one that reaches Redis. */
let offline: Services;
let online: Services;
let editor: Actor;

const quiet = { info() {}, warn() {}, error() {} };
const sql = <T>(query: string, ...params: unknown[]) =>
  database.sqlite.prepare(query).all(...params) as T[];
const idOf = (email: string) =>
  sql<{ id: number }>('select id from subscribers where email = ?', email)[0]!.id;
const owed = () =>
  sql<{ name: string; subscriber_id: number; job_id: string; queued_at: number | null }>(
    'select name, subscriber_id, job_id, queued_at from mail_outbox order by id',
  );
const queuedJobs = async () =>
  (await queues.mail.getJobs(['waiting'])).map((j) => ({
    id: j.id,
    name: j.name,
    subscriberId: mailSubscriber(j.data),
  }));
const later = () => Date.now() + 2 * 60_000;

beforeAll(async () => {
  config = testConfig();
  database = openDatabase(config.databaseFile);
  migrateDatabase(database);
  queues = createQueues(config.redisUrl!, config.queuePrefix, () => {});
  broken = createQueues(config.redisUrl!, config.queuePrefix, () => {});
  await broken.mail.waitUntilReady();
  broken.connection.disconnect();
  const base = { db: database.db, config, secrets: new Secrets(config.secretKey), log: quiet };
  offline = createServices({ ...base, queues: broken });
  online = createServices({ ...base, queues });
  const { id: userId } = database.sqlite
    .prepare(
      "insert into users (email, password_hash, role) values (?, 'x', 'editor') returning id",
    )
    .get('editor@landpost.test') as { id: number };
  editor = { kind: 'user', userId, email: 'editor@landpost.test', ip: '203.0.113.9' };
});

afterAll(async () => {
  await queues?.mail.obliterate({ force: true }).catch(() => {});
  await queues?.close();
  await broken?.close();
  database?.close();
  config?.cleanup();
});

describe('mails owed while Redis is down', () => {
  it('an editor adds somebody by mail: created, the confirmation mail is owed, the sweep queues it once', async () => {
    const result = await offline.subscribers.manage.add(
      { actor: editor },
      { email: 'added@example.org', consent: { mode: 'mail' } },
    );
    expect(result).toMatchObject({ kind: 'created', outcome: 'confirmation' });
    const id = idOf('added@example.org');
    expect(owed()).toEqual([
      {
        name: 'confirmation',
        subscriber_id: id,
        job_id: expect.stringMatching(`^confirmation-${id}-\\d+$`),
        queued_at: null,
      },
    ]);

    // Within its first minute the mail is left to the request that owes it.
    expect(await online.mailOutbox.sweep()).toBe(0);
    expect(await online.mailOutbox.sweep(later())).toBe(1);
    expect(await online.mailOutbox.sweep(later())).toBe(0);
    expect(await queuedJobs()).toEqual([
      { id: owed()[0]!.job_id, name: 'confirmation', subscriberId: id },
    ]);
    expect(owed()[0]!.queued_at).toEqual(expect.any(Number));
  });

  it('an import runs to the end; its confirmation mails are owed and queued once each', async () => {
    const created = online.imports.create(
      { fileName: 'fixed.csv', bytes: fixture('fixed.csv') },
      editor,
    );
    if (!created.ok) throw created.error;
    const { id } = created.import;
    expect(online.imports.validate(id, created.import.options.mapping).kind).toBe('validated');
    const started = await online.imports.start(
      id,
      { mode: 'confirmation', consentSource: '' },
      editor,
    );
    expect(started.kind).toBe('started');
    await queues.import.obliterate({ force: true });

    const counts = await offline.imports.run(id);
    expect(counts.created).toBeGreaterThan(0);
    expect(online.imports.find(id)?.status).toBe('done');
    const imported = sql<{ id: number }>(
      'select id from subscribers where source = ? order by id',
      `import:${id}`,
    ).map((r) => r.id);
    expect(imported).toHaveLength(counts.created);
    const unqueued = owed().filter((m) => m.queued_at === null);
    expect(unqueued.map((m) => [m.name, m.subscriber_id])).toEqual(
      imported.map((s) => ['confirmation', s]),
    );

    const before = (await queuedJobs()).length;
    expect(await online.mailOutbox.sweep(later())).toBe(imported.length);
    expect(await online.mailOutbox.sweep(later())).toBe(0);
    const jobs = await queuedJobs();
    expect(jobs).toHaveLength(before + imported.length);
    expect(jobs.map((j) => j.id)).toEqual(expect.arrayContaining(unqueued.map((m) => m.job_id)));
  });
});

describe('the outbox itself', () => {
  it('owes a mail only once per job id (a welcome mail goes once)', () => {
    const subscriberId = idOf('added@example.org');
    const welcome = { name: 'welcome' as const, subscriberId };
    const first = transaction(database.db, (tx) => online.mailOutbox.owe([welcome], tx));
    const again = transaction(database.db, (tx) => online.mailOutbox.owe([welcome], tx));
    expect(first.map((m) => m.jobId)).toEqual([`welcome-${subscriberId}`]);
    expect(again).toEqual([]);
  });

  it('forgets rows after 30 days, and those of a person who is erased at once', () => {
    const count = () => owed().length;
    const all = count();
    expect(online.mailOutbox.purge()).toBe(0);
    expect(online.mailOutbox.purge(Date.now() + 31 * DAY_MS)).toBe(all);
    expect(count()).toBe(0);

    const subscriberId = idOf('added@example.org');
    transaction(database.db, (tx) =>
      online.mailOutbox.owe([{ name: 'preferences-link', subscriberId, at: 1 }], tx),
    );
    expect(count()).toBe(1);
    expect(online.subscribers.manage.erase({ actor: editor }, subscriberId)).toBe(true);
    expect(count()).toBe(0);
  });
});
