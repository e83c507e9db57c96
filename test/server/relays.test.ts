/**
 * Several relays on the real runtime: a campaign goes out although the first relay refuses
 * connections, the ledger names the relay that took each message, and neither the start-up
 * log nor the ledger shows a relay's password.
 */
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../server/runtime.js';
import { sendCampaignTo, setUpSender } from '../helpers/campaign.js';
import { startTestApp } from '../helpers/app.js';
import { testConfig, type TestConfig } from '../helpers/env.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const PASSWORD = 'geheim-Passw0rt';

/** A loopback port nobody listens on (yet): connections to it are refused. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
let smtp: SmtpSink;
let config: TestConfig;
let runtime: Runtime;
let dead: number;
const logged: string[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink();
  dead = await freePort();

  config = testConfig({
    SMTP_URL: `smtps://lp:${PASSWORD}@127.0.0.1:${dead}?weight=5,${smtp.url}?rate=100`,
  });
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logged.push(chunk.toString());
        callback();
      },
    }),
  );
  runtime = await startRuntime(config, 'all', { log });
  setUpSender(runtime);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  await smtp?.close();
  config?.cleanup();
});

describe('a campaign over several relays', () => {
  it('goes out through the relay that answers, and the ledger names it', async () => {
    const emails = Array.from({ length: 8 }, (_, i) => `leser${i}@example.org`);
    const id = await sendCampaignTo(runtime, emails);
    expect(smtp.messages.map((m) => m.envelopeTo[0]).sort()).toEqual([...emails].sort());
    const rows = runtime.database.sqlite
      .prepare('select status, relay from deliveries where campaign_id = ?')
      .all(id) as { status: string; relay: string }[];
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.status === 'sent' && r.relay === `127.0.0.1:${smtp.port}`)).toBe(
      true,
    );
  }, 60_000);

  it('logs the relays with their rates and weights, never the password', () => {
    const line = logged.find((l) => l.includes('"msg":"sending mail"'));
    expect(line).toContain(`127.0.0.1:${dead} (no rate limit, weight 5)`);
    expect(line).toContain(`127.0.0.1:${smtp.port} (100/s, weight 1)`);
    expect(logged.join('\n')).not.toContain(PASSWORD);
  });
});

describe('no relay reachable', () => {
  it('the batch is retried later and arrives once, not marked uncertain', async () => {
    const port = await freePort();
    const t = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
    let late: SmtpSink | undefined;
    try {
      setUpSender(t.runtime);
      const emails = ['spaet1@example.org', 'spaet2@example.org', 'spaet3@example.org'];
      const sending = sendCampaignTo(t.runtime, emails, 45_000);
      // The first attempt fails: the batch waits for its retry.
      await expect
        .poll(() => t.runtime.queues.send.getDelayedCount(), { timeout: 15_000, interval: 100 })
        .toBe(1);
      late = await startSmtpSink({ port });
      const id = await sending;
      expect(late.messages.map((m) => m.envelopeTo[0]).sort()).toEqual(emails);
      const rows = t.runtime.database.sqlite
        .prepare('select status, uncertain, attempts, relay from deliveries where campaign_id = ?')
        .all(id);
      expect(rows).toEqual(
        emails.map(() => ({
          status: 'sent',
          uncertain: 0,
          attempts: 2,
          relay: `127.0.0.1:${port}`,
        })),
      );
    } finally {
      await t.close();
      await late?.close();
    }
  }, 60_000);
});
