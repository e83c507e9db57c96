import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { transaction } from '../../db/client.js';
import * as reference from '../../db/queries/reference.js';
import * as subscribers from '../../db/queries/subscribers.js';
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

  it('queues a confirmation mail again when its job never reached Redis, exactly once', async () => {
    const { smtp, config } = await setup();
    const runtime = await run(config, 'all');
    const { db, sqlite } = runtime.database;
    // The sign-up was committed, but the process died before the mail job was queued.
    const claimedAt = Date.now() - 5 * 60_000;
    transaction(db, (tx) => {
      const outcome = subscribers.signUp(
        {
          email: 'lost@example.org',
          emailHash: 'hash',
          profile,
          listIds: [reference.defaultList(tx).id],
          consentTextVersion: 'v',
          consentLanguage: 'de',
          meta,
          cooldownMs: 600_000,
          now: claimedAt,
        },
        tx,
      );
      subscribers.claimConfirmationSlot(outcome.subscriber.id, 600_000, claimedAt, tx);
    });
    expect(await runtime.services.subscribers.resendLostConfirmations()).toBe(1);
    // A second sweep before the mail went out queues nothing new (same job id).
    await runtime.services.subscribers.resendLostConfirmations();
    await smtp.waitFor((m) => m.to.includes('lost@example.org'));
    for (let i = 0; i < 50; i++) {
      const sent = sqlite
        .prepare("select count(*) as n from consent_events where kind = 'confirmation_sent'")
        .get() as { n: number };
      if (sent.n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await runtime.services.subscribers.resendLostConfirmations()).toBe(0);
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
    expect(await later.services.subscribers.resendLostConfirmations(Date.now() + 3 * 60_000)).toBe(
      1,
    );
    await smtp.waitFor((m) => m.to.includes('offline@example.org'));
  });
});
