/**
 * `npm run bench:send -- --recipients N` (default 100000): a realistic edition (12 items, about
 * 80 KB of HTML) to N subscribers through the real pipeline — database → fan-out → send workers
 * (one worker process that owns the database, plus one sender per further core) → nodemailer →
 * an SMTP server in a process of its own that only counts. In the same run:
 * - a baseline: what a competent developer writes first — nodemailer's pooled transport with its
 *   default pool, five sendMail calls in flight, one per recipient with the edition's HTML and
 *   text, DKIM from the PEM in the transport options;
 * - a raw floor: the same number of prebuilt messages pushed over SMTP, no rendering or signing;
 * - peak RSS of each process, Redis memory at its peak, and the time of N against N/10.
 * The last line is one JSON object. Timings never fail anything: this prints, it does not judge.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { loadConfig } from '../../server/config.js';
import { startEmbeddedRedis } from '../../server/infra/redis.js';
import { startRuntime } from '../../server/runtime.js';
import type { Actor } from '../../server/services/context.js';
import { boerde, harz, org, twelveItemEdition } from '../helpers/edition.js';

const { values } = parseArgs({
  options: { recipients: { type: 'string', default: '100000' } },
  allowPositionals: true,
});
const N = Math.max(10, Number(values.recipients) || 100000);
const cores = availableParallelism();
const cli: Actor = { kind: 'cli' };
const log = (line: string) => console.log(line);
const dir = mkdtempSync(join(tmpdir(), 'lp-bench-send-'));
const children: ChildProcess[] = [];

// The relay: counts, in its own process.
const counter = fork(new URL('./smtp-counter.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx'],
});
children.push(counter);
const ask = <T>(question: string) =>
  new Promise<T>((resolve) => {
    counter.once('message', (m) => resolve(m as T));
    counter.send({ ask: question });
  });
const port = await new Promise<number>((resolve) =>
  counter.once('message', (m) => resolve((m as { port: number }).port)),
);
const smtpUrl = `smtp://127.0.0.1:${port}`;

const redis = await startEmbeddedRedis({ dir: join(dir, 'redis'), log, persistent: false });
const monitor = new Redis(redis.url);
let redisPeak = 0;
const redisTimer = setInterval(() => {
  void monitor.info('memory').then((info) => {
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
    redisPeak = Math.max(redisPeak, used);
  });
}, 200);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
void publicKey;
const env: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  DATA_DIR: join(dir, 'data'),
  REDIS_URL: redis.url,
  QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
  SMTP_URL: smtpUrl,
  SECRET_KEY: randomBytes(32).toString('hex'),
  PUBLIC_URL: 'https://news.landnetz.example',
  MAIL_FROM: 'Landnetz <newsletter@landnetz.example>',
  DKIM_DOMAIN: 'landnetz.example',
  DKIM_SELECTOR: 'bench',
  DKIM_PRIVATE_KEY: pem,
};
const config = loadConfig(env);
const dkimOn = 'dkim' in config && Boolean((config as { dkim?: unknown }).dkim);
const web = await startRuntime(config, 'web');

// The edition: the realistic 12 items, descriptions lengthened to about 80 KB of HTML.
const content = twelveItemEdition();
const itemIds: number[] = [];
/** An editorial of the full allowed length: with it the HTML is about 80 KB. */
const intro = Array(12).fill(content.intro).join('\n\n').slice(0, 2000);
for (const section of content.sections)
  for (const item of section.items) {
    const saved = web.services.items.create(
      {
        type: item.type,
        title: item.title,
        description: Array(8).fill(item.description).join('\n\n').slice(0, 2000),
        regions: item.regions,
        fields: item.fields,
        translations: item.translations,
      },
      cli,
    );
    if (saved.kind !== 'saved') throw new Error(`item: ${JSON.stringify(saved)}`);
    itemIds.push(saved.item.id);
  }
web.services.organisation.update(
  {
    name: org.name,
    imprint: org.imprint,
    postalAddress: org.postalAddress,
    funderAttribution: org.attribution,
    senderName: 'Landnetz',
    senderAddress: 'newsletter@landnetz.example',
  },
  cli,
);
const segment = web.services.reference.segments.create(
  { name: 'Alle', description: '', match: 'all', rules: [] },
  cli,
);
if (segment.kind !== 'saved') throw new Error('segment');
const segmentId = segment.segment.id;

const sqlite = web.database.sqlite;
const insert = sqlite.prepare(
  "insert into subscribers (email, name, region_key, language, status, confirmed_at) values (?, ?, ?, ?, 'confirmed', ?)",
);
sqlite.transaction(() => {
  for (let i = 0; i < N; i++)
    insert.run(
      `reader${i}@mail${i % 50}.example`,
      `Leserin ${i}`,
      i % 3 === 0 ? harz : i % 3 === 1 ? boerde : null,
      i % 10 === 0 ? 'ar' : 'de',
      Date.now(),
    );
})();

// Worker processes: one owns the database (fan-out, ledger) and sends; one sender per further core.
const spawnWorker = (role: 'worker' | 'sender') => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts', `--role=${role}`], {
    env: { ...process.env, ...env, SEND_CONCURRENCY: '8' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
};
const workers = [spawnWorker('worker')];
for (let i = 1; i < cores; i++) workers.push(spawnWorker('sender'));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ours: a campaign of a new edition to the first `n` subscribers; seconds to the last message. */
async function ours(n: number, label: string): Promise<number> {
  const edition = web.services.editions.create(
    {
      title: `Bench ${label}`,
      subject: content.subject,
      preheader: content.preheader,
      intro,
      items: itemIds,
      translations: { ar: content.translations.ar! },
    },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error(`edition: ${JSON.stringify(edition)}`);
  const created = web.services.campaigns.create(
    {
      editionId: edition.edition.id,
      segmentIds: [segmentId],
    },
    cli,
  );
  if (created.kind !== 'saved') throw new Error('campaign');
  // Limit the audience to n people: the others already "got" this edition.
  if (n < N)
    sqlite
      .prepare(
        "insert into deliveries (campaign_id, edition_id, subscriber_id, status, language) select ?, ?, id, 'skipped', 'de' from subscribers where id > ?",
      )
      .run(created.campaign.id, edition.edition.id, n);
  await ask('reset');
  const t0 = Date.now();
  const started = await web.services.campaigns.start(created.campaign.id, cli);
  if (started.kind !== 'started') throw new Error(`start: ${JSON.stringify(started)}`);
  for (;;) {
    const { accepted, lastAt } = await ask<{ accepted: number; lastAt: number }>('count');
    if (accepted >= n) {
      const seconds = (lastAt - t0) / 1000;
      while (web.services.campaigns.find(created.campaign.id)?.status !== 'sent') await sleep(100);
      const whole = (Date.now() - t0) / 1000;
      log(
        `ours ${label}: ${n} messages in ${seconds.toFixed(1)} s (${Math.round(n / seconds)} msg/s); recorded in the ledger after ${whole.toFixed(1)} s`,
      );
      return seconds;
    }
    await sleep(50);
  }
}

/**
 * The same HTML and text for every message of the baseline and the raw floor: the stored
 * edition as the sample recipient gets it in German (the items the pipeline sends).
 */
const reference = web.services.editions.create(
  {
    title: 'Bench reference',
    subject: content.subject,
    preheader: content.preheader,
    intro,
    items: itemIds,
  },
  cli,
);
if (reference.kind !== 'saved') throw new Error('reference edition');
const previewed = await web.services.editions.preview(reference.edition.id);
if (previewed.kind !== 'preview') throw new Error('preview');
const compiled = { subject: previewed.preview.subject, size: previewed.preview.size };
const sample = { html: previewed.preview.html, text: previewed.preview.text };

async function baseline(n: number): Promise<number> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    pool: true,
    dkim: { domainName: 'landnetz.example', keySelector: 'bench', privateKey: pem },
  });
  await ask('reset');
  const t0 = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await transport.sendMail({
        from: 'Landnetz <newsletter@landnetz.example>',
        to: `reader${i}@mail${i % 50}.example`,
        subject: compiled.subject,
        html: sample.html,
        text: sample.text,
      });
    }
  };
  await Promise.all(Array.from({ length: 5 }, lane));
  const seconds = (Date.now() - t0) / 1000;
  transport.close();
  log(`baseline: ${n} messages in ${seconds.toFixed(1)} s (${Math.round(n / seconds)} msg/s)`);
  return seconds;
}

async function raw(n: number): Promise<number> {
  const message = await new MailComposer({
    from: 'Landnetz <newsletter@landnetz.example>',
    to: 'reader@example.org',
    subject: compiled.subject,
    html: sample.html,
    text: sample.text,
  })
    .compile()
    .build();
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    pool: true,
    maxConnections: 8,
    // As our pipeline's connections: the floor must not pay reconnects that ours does not.
    maxMessages: 1000,
  });
  await ask('reset');
  const t0 = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await transport.sendMail({
        envelope: { from: 'bounces@landnetz.example', to: `reader${i}@example.org` },
        raw: message,
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  const seconds = (Date.now() - t0) / 1000;
  transport.close();
  log(`raw floor: ${n} messages in ${seconds.toFixed(1)} s (${Math.round(n / seconds)} msg/s)`);
  return seconds;
}

/** CPU seconds (user + system) a process has used so far. */
const cpuSeconds = (pid: number | undefined) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
};

/** Run a phase and say how much CPU each process spent on one message of it. */
async function measured(label: string, n: number, run: () => Promise<number>): Promise<number> {
  const processes: [string, number | undefined][] = [
    ['bench', process.pid],
    ...workers.map((w, i): [string, number | undefined] => [i ? `sender${i}` : 'worker', w.pid]),
    ['counter', counter.pid],
    ['redis', redis.pid],
  ];
  const before = processes.map(([, pid]) => cpuSeconds(pid));
  const seconds = await run();
  const spent = processes.map(([name, pid], i) => [name, cpuSeconds(pid) - before[i]!] as const);
  const total = spent.reduce((sum, [, s]) => sum + s, 0);
  log(
    `  CPU per message (${label}): ${spent
      .filter(([, s]) => s > 0)
      .map(([name, s]) => `${name} ${((s * 1000) / n).toFixed(2)} ms`)
      .join(', ')}; all ${((total * 1000) / n).toFixed(2)} ms in ${seconds.toFixed(1)} s`,
  );
  return seconds;
}

const peakRss = (pid: number | undefined) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
};

try {
  log(
    `machine: ${cores} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}`,
  );
  log(
    `edition: ${(compiled.size / 1024).toFixed(1)} KB HTML, 12 items; ${N} recipients; DKIM ${dkimOn ? 'on' : 'not available in this build: our pipeline sends unsigned'}`,
  );
  await sleep(3000); // the worker processes start
  const small = await ours(Math.round(N / 10), 'N/10');
  const whole = await measured('ours', N, () => ours(N, 'N'));
  const base = await measured('baseline', N, () => baseline(N));
  const floor = await measured('raw floor', N, () => raw(N));
  const msgPerSec = Math.round(N / whole);
  const baselineMsgPerSec = Math.round(N / base);
  const rawMsgPerSec = Math.round(N / floor);
  const rss = {
    bench: Math.round(process.memoryUsage().rss / 2 ** 20),
    benchPeak: peakRss(process.pid),
    workers: workers.map((w) => peakRss(w.pid)),
    counter: peakRss(counter.pid),
  };
  log(
    `peak RSS (MB): this process ${rss.benchPeak}, workers ${rss.workers.join(', ')}, SMTP counter ${rss.counter}`,
  );
  log(`Redis memory at its peak: ${(redisPeak / 2 ** 20).toFixed(1)} MB`);
  log(`time N / time N/10: ${(whole / small).toFixed(2)} (10 = linear)`);
  console.log(
    JSON.stringify({
      recipients: N,
      msgPerSec,
      baselineMsgPerSec,
      rawMsgPerSec,
      vsBaseline: Number((msgPerSec / baselineMsgPerSec).toFixed(2)),
      vsRaw: Number((msgPerSec / rawMsgPerSec).toFixed(2)),
      peakRssMb: Math.max(rss.benchPeak, ...rss.workers),
    }),
  );
} finally {
  clearInterval(redisTimer);
  monitor.disconnect();
  for (const child of children) child.kill('SIGKILL');
  await web.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
