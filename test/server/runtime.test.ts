import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { transaction } from '../../db/client.js';
import { startRuntime, type Runtime } from '../../server/runtime.js';
import { testConfig, type TestConfig } from '../helpers/env.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const profile = {
  name: '',
  regionKey: null,
  roleKeys: [],
  topicKeys: [],
  language: 'de',
  trackingConsent: false,
};
const meta = { ip: '127.0.0.1', userAgent: 'vitest', source: 'test', channel: 'test' };

describe('runtime', () => {
  const open: { runtimes: Runtime[]; sinks: SmtpSink[]; configs: TestConfig[] } = {
    runtimes: [],
    sinks: [],
    configs: [],
  };
  afterEach(async () => {
    for (const r of open.runtimes.splice(0)) await r.stop();
    for (const s of open.sinks.splice(0)) await s.close();
    for (const c of open.configs.splice(0)) c.cleanup();
  });

  /** A recording SMTP server and a fresh config for it; closed after each test. */
  async function setup() {
    const smtp = await startSmtpSink();
    open.sinks.push(smtp);
    const config = testConfig({ SMTP_URL: smtp.url });
    open.configs.push(config);
    return { smtp, config };
  }

  /** Landpost in one role on that config; stopped after each test. */
  async function run(config: TestConfig, role: 'all' | 'web' | 'worker' = 'all') {
    const runtime = await startRuntime(config, role);
    open.runtimes.push(runtime);
    return runtime;
  }

  it('runs web and worker as separate roles against one Redis', async () => {
    const { smtp, config } = await setup();
    const web = await run(config, 'web');
    expect(web.app).toBeDefined();
    expect(web.workers).toHaveLength(0);

    await web.services.subscribers.signup.signUp({ email: 'split@example.org', profile, meta });
    // Nobody processes the queue yet: no mail.
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages).toHaveLength(0);

    const worker = await run(config, 'worker');
    expect(worker.app).toBeUndefined();
    const mail = await smtp.waitFor((m) => m.to.includes('split@example.org'));
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('retries a temporary SMTP failure and delivers the mail once', async () => {
    const { smtp, config } = await setup();
    const runtime = await run(config, 'all');

    smtp.failNext(451, 'try again later');
    await runtime.services.subscribers.signup.signUp({ email: 'retry@example.org', profile, meta });
    const mail = await smtp.waitFor((m) => m.to.includes('retry@example.org'), 20_000);
    expect(mail.subject).toMatch(/bestätigen/i);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages.filter((m) => m.to.includes('retry@example.org'))).toHaveLength(1);
    const sent = runtime.database.sqlite
      .prepare(
        "select count(*) as n from consent_events e join subscribers s on s.id = e.subscriber_id where s.email = ? and e.kind = 'confirmation_sent'",
      )
      .get('retry@example.org') as { n: number };
    expect(sent.n).toBe(1);
  }, 30_000);

  it('fails a permanent SMTP rejection without retrying', async () => {
    const { smtp, config } = await setup();
    const runtime = await run(config, 'all');

    smtp.failNext(550, 'no such user');
    await runtime.services.subscribers.signup.signUp({ email: 'gone@example.org', profile, meta });
    let failed = 0;
    for (let i = 0; i < 50 && failed === 0; i++) {
      failed = await runtime.queues.mail.getFailedCount();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(failed).toBe(1);
    const [job] = await runtime.queues.mail.getFailed();
    expect(job?.attemptsMade).toBe(1);
    expect(smtp.messages).toHaveLength(0);
  });

  it('starts its own redis-server when REDIS_URL is unset and stops it again', async () => {
    const { smtp, config } = await setup();
    const runtime = await startRuntime({ ...config, redisUrl: undefined }, 'all');
    const pidFile = join(config.dataDir, 'redis', 'redis-server.pid');
    expect(existsSync(pidFile)).toBe(true);
    expect(await runtime.queues.connection.config('GET', 'maxmemory-policy')).toEqual([
      'maxmemory-policy',
      'noeviction',
    ]);
    expect(await runtime.queues.connection.config('GET', 'appendonly')).toEqual([
      'appendonly',
      'yes',
    ]);
    await runtime.services.subscribers.signup.signUp({
      email: 'embedded@example.org',
      profile,
      meta,
    });
    await smtp.waitFor((m) => m.to.includes('embedded@example.org'));
    await runtime.stop();
    expect(existsSync(pidFile)).toBe(false);
  });

  it('queues an owed mail whose job never reached Redis, exactly once', async () => {
    const { smtp, config } = await setup();
    const runtime = await run(config, 'all');
    const outbox = runtime.services.mailOutbox;
    // The sign-up was committed with the mail it owes, but the process died before queueing it.
    transaction(runtime.database.db, (tx) =>
      runtime.services.subscribers.signup.record({ email: 'lost@example.org', profile, meta }, tx),
    );
    // Within its first minute the mail is left to the request that owes it.
    expect(await outbox.sweep()).toBe(0);
    const later = Date.now() + 2 * 60_000;
    // Two sweeps at once (two worker hosts) queue it under the same job id: BullMQ takes it once.
    const [first, second] = await Promise.all([outbox.sweep(later), outbox.sweep(later)]);
    expect(first + second).toBeGreaterThanOrEqual(1);
    await smtp.waitFor((m) => m.to.includes('lost@example.org'));
    // Marked as queued: a further sweep finds nothing.
    expect(await outbox.sweep(later)).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages.filter((m) => m.to.includes('lost@example.org'))).toHaveLength(1);
  });

  it('a sign-up while Redis is unreachable is stored, answered normally, and mailed by the sweep later', async () => {
    const { smtp, config } = await setup();
    const runtime = await run(config, 'all');
    // The producer connection fails fast while Redis is away.
    runtime.queues.connection.disconnect();
    await expect(
      runtime.services.subscribers.signup.signUp({ email: 'offline@example.org', profile, meta }),
    ).resolves.toBe('confirmation');
    const [row] = runtime.database.sqlite
      .prepare("select id, status from subscribers where email = 'offline@example.org'")
      .all() as { id: number; status: string }[];
    expect(row!.status).toBe('unconfirmed');
    // Redis is back (here: a second process with its own connection); two minutes later the
    // sweep finds the mail that never reached the queue.
    const later = await run(config, 'worker');
    expect(await later.services.mailOutbox.sweep(Date.now() + 2 * 60_000)).toBe(1);
    await smtp.waitFor((m) => m.to.includes('offline@example.org'));
  });
});
