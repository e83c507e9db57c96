/**
 * Exactly once, under SIGKILL: a worker process (`npm run worker`) is killed in the middle of a
 * 2,000-recipient campaign — during the fan-out, mid-batch, near the end — and a new one is
 * started. Every recipient has a message at the SMTP server and one `sent` row; the only
 * second copies are of deliveries marked `uncertain`, at most one per SMTP connection open at
 * the kill, and each carries the Message-ID of its first copy.
 *
 * The web role runs in this process (services, database); the workers run in child processes
 * on the same SQLite file, the run's redis-server and a recording SMTP server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../../server/runtime.js';
import type { Actor } from '../../../server/services/context.js';
import { testConfig, type TestConfig } from '../../helpers/env.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

const RECIPIENTS = 2000;
/** The worker's pooled SMTP connections (workers/mailer.ts): the bound on second copies. */
const MAX_CONNECTIONS = 3;
const SEND_CONCURRENCY = 4;
const cli: Actor = { kind: 'cli' };

let smtp: SmtpSink;
let config: TestConfig;
let web: Runtime;
let segmentId: number;
let itemIds: number[];
const children = new Set<ChildProcess>();

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts', '--role=worker'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: config.dataDir,
      REDIS_URL: config.redisUrl,
      QUEUE_PREFIX: config.queuePrefix,
      SMTP_URL: smtp.url,
      SECRET_KEY: config.secretKey,
      PUBLIC_URL: config.publicUrl,
      MAIL_FROM: config.mailFrom,
      SEND_CONCURRENCY: String(SEND_CONCURRENCY),
      SEND_LOCK_MS: '2000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function kill(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const campaigns = () => web.services.campaigns;

beforeAll(async () => {
  // Thousands of messages: record envelopes and headers, skip the MIME parsing.
  smtp = await startSmtpSink({ parse: false });
  config = testConfig({ SMTP_URL: smtp.url });
  web = await startRuntime(config, 'web');
  web.services.organisation.update(
    {
      senderAddress: 'newsletter@landnetz.example',
      imprint: 'Landnetz e. V.\nMarkt 1, 06108 Halle',
      funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung',
    },
    cli,
  );
  const sqlite = web.database.sqlite;
  const insert = sqlite.prepare(
    "insert into subscribers (email, name, status, confirmed_at) values (?, ?, 'confirmed', ?)",
  );
  sqlite.transaction(() => {
    for (let i = 0; i < RECIPIENTS; i++) insert.run(`r${i}@example.org`, `R ${i}`, Date.now());
  })();
  const item = web.services.items.create({ type: 'support', title: 'Hilfe vor Ort' }, cli);
  if (item.kind !== 'saved') throw new Error('item');
  itemIds = [item.item.id];
  const segment = web.services.reference.segments.create(
    { name: 'Alle', description: '', match: 'all', rules: [] },
    cli,
  );
  if (segment.kind !== 'saved') throw new Error('segment');
  segmentId = segment.segment.id;
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await web?.stop();
  await smtp?.close();
  config?.cleanup();
});

/** Start a campaign of a new edition to everybody; the worker is killed once `killAt` is true. */
async function runWithKill(title: string, killAt: (sent: number) => boolean) {
  const edition = web.services.editions.create(
    { title, subject: `Landnetz: ${title}`, items: itemIds },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error('edition');
  const created = campaigns().create(
    { editionId: edition.edition.id, segmentIds: [segmentId] },
    cli,
  );
  if (created.kind !== 'saved') throw new Error('campaign');
  const id = created.campaign.id;
  smtp.clear();
  const first = startWorker();
  const started = await campaigns().start(id, cli);
  expect(started).toEqual({ kind: 'started', audience: RECIPIENTS });
  await expect
    .poll(() => killAt(smtp.messages.length), { timeout: 240_000, interval: 5 })
    .toBe(true);
  const atKill = smtp.messages.length;
  await kill(first);
  const second = startWorker();
  await expect
    .poll(() => campaigns().find(id)?.status, { timeout: 240_000, interval: 200 })
    .toBe('sent');
  await kill(second);

  // Every recipient once at least; a second copy only of an uncertain delivery.
  const byRecipient = new Map<string, string[]>();
  for (const mail of smtp.messages) {
    const to = mail.envelopeTo[0]!;
    byRecipient.set(to, [...(byRecipient.get(to) ?? []), mail.headers.get('message-id')!]);
  }
  expect(byRecipient.size).toBe(RECIPIENTS);
  const rows = web.database.sqlite
    .prepare(
      'select s.email, d.status, d.uncertain, d.message_id from deliveries d join subscribers s on s.id = d.subscriber_id where d.campaign_id = ?',
    )
    .all(id) as { email: string; status: string; uncertain: number; message_id: string }[];
  expect(rows).toHaveLength(RECIPIENTS);
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const uncertain = new Set(rows.filter((r) => r.uncertain).map((r) => r.email));
  const twice = [...byRecipient].filter(([, ids]) => ids.length > 1);
  for (const [email, ids] of twice) {
    expect(uncertain.has(email), `${email} got ${ids.length} copies unmarked`).toBe(true);
    expect(ids.length).toBe(2);
    expect(new Set(ids).size, `${email}: the copies share one Message-ID`).toBe(1);
  }
  expect(twice.length).toBeLessThanOrEqual(MAX_CONNECTIONS);
  expect(uncertain.size).toBeLessThanOrEqual(SEND_CONCURRENCY);
  const ledger = new Map(rows.map((r) => [r.email, r.message_id]));
  for (const [email, ids] of byRecipient) expect(ids[0]).toBe(ledger.get(email));
  console.log(
    `${title}: killed after ${atKill} messages; ${twice.length} second copies, ${uncertain.size} uncertain`,
  );
}

describe('a worker killed in the middle of a campaign', () => {
  it('during the fan-out', async () => {
    await runWithKill('Fan-out', () => (campaigns().list()[0]?.fanoutCursor ?? 0) > 0);
  }, 600_000);

  it('mid-batch', async () => {
    await runWithKill('Mitte', (sent) => sent >= 700);
  }, 600_000);

  it('near the end', async () => {
    await runWithKill('Ende', (sent) => sent >= RECIPIENTS - 100);
  }, 600_000);
});
