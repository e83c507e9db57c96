/**
 * `--role=sender`: a send worker with Redis and SMTP only. The process runs on an empty data
 * directory (no database at all) while this process owns the database: it fans the campaign out
 * and records the outcomes the sender reports through Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../server/runtime.js';
import type { Actor } from '../../server/services/context.js';
import { testConfig, type TestConfig } from '../helpers/env.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const cli: Actor = { kind: 'cli' };
let smtp: SmtpSink;
let config: TestConfig;
let web: Runtime;
let sender: ChildProcess | undefined;
let emptyDir: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  config = testConfig({ SMTP_URL: smtp.url });
  web = await startRuntime(config, 'web');
  emptyDir = mkdtempSync(join(tmpdir(), 'lp-sender-'));
}, 60_000);

afterAll(async () => {
  sender?.kill('SIGKILL');
  await web?.stop();
  await smtp?.close();
  config?.cleanup();
  rmSync(emptyDir, { recursive: true, force: true });
});

it('delivers a campaign with no database of its own', async () => {
  web.services.organisation.update(
    { imprint: 'Landnetz e. V.\nMarkt 1', funderAttribution: 'Gefördert von der bpb' },
    cli,
  );
  const sqlite = web.database.sqlite;
  for (let i = 0; i < 25; i++)
    sqlite
      .prepare("insert into subscribers (email, status, confirmed_at) values (?, 'confirmed', ?)")
      .run(`s${i}@example.org`, Date.now());
  const item = web.services.items.create({ type: 'support', title: 'Hilfe' }, cli);
  if (item.kind !== 'saved') throw new Error('item');
  const edition = web.services.editions.create(
    { title: 'Nr. 1', subject: 'Landnetz Nr. 1', items: [item.item.id] },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error('edition');
  const segment = web.services.reference.segments.create(
    { name: 'Alle', description: '', match: 'all', rules: [] },
    cli,
  );
  if (segment.kind !== 'saved') throw new Error('segment');
  const created = web.services.campaigns.create(
    { editionId: edition.edition.id, segmentIds: [segment.segment.id] },
    cli,
  );
  if (created.kind !== 'saved') throw new Error('campaign');
  const id = created.campaign.id;

  // As `npm run worker -- --role=sender` starts it: the last --role counts.
  sender = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/index.ts', '--role=worker', '--role=sender'],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATA_DIR: emptyDir,
        REDIS_URL: config.redisUrl,
        QUEUE_PREFIX: config.queuePrefix,
        SMTP_URL: smtp.url,
        SECRET_KEY: config.secretKey,
      },
      stdio: 'ignore',
    },
  );
  expect(await web.services.campaigns.start(id, cli)).toEqual({ kind: 'started', audience: 25 });
  // This process owns the database: it fans out and writes what the sender reports.
  expect(await web.services.campaigns.fanout(id)).toBe(25);
  await expect
    .poll(
      async () => {
        await web.services.campaigns.recordResults();
        await web.services.campaigns.tick();
        return web.services.campaigns.find(id)?.status;
      },
      { timeout: 60_000, interval: 200 },
    )
    .toBe('sent');
  expect(new Set(smtp.messages.flatMap((m) => m.envelopeTo)).size).toBe(25);
  expect(web.services.campaigns.find(id)?.counts).toMatchObject({ sent: 25 });
  // It wrote nothing to its data directory: no database, no secret key file.
  expect(existsSync(join(emptyDir, 'landpost.sqlite'))).toBe(false);
  expect(readdirSync(emptyDir)).toEqual([]);
}, 90_000);

it('refuses to start without REDIS_URL, with one line saying why', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts', '--role=sender'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATA_DIR: emptyDir,
      REDIS_URL: '',
      SMTP_URL: smtp.url,
      SECRET_KEY: config.secretKey,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise((r) => child.once('exit', r));
  expect(code).toBe(1);
  expect(stderr.trim()).toBe(
    'landpost: a sender needs REDIS_URL: the Redis of the Landpost app it serves',
  );
}, 30_000);
