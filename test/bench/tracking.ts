/**
 * `npm run bench:tracking`: the open pixel and the click redirect under load from autocannon on
 * loopback, against a bare Fastify app with the same two routes that only answer, in the same
 * run. Each server runs in a process of its own; the load generator in this one. Landpost's
 * side is the web role on a seeded database (10,000 deliveries, half with tracking consent),
 * with its batched writes running; after each run it reports how many events it wrote. Requests
 * carry X-Forwarded-For, one client per path, as behind a reverse proxy. Prints
 * requests per second and p99 latency per route and the ratio ours / bare (goal: at least 0.5),
 * and each server's CPU time per request (ours includes writing the events), which other work
 * on the machine disturbs less than requests per second.
 * The last line is one JSON object. Timings never fail anything: this prints, it does not judge.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startEmbeddedRedis } from '../../server/infra/redis.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
});
const duration = Math.max(2, Number(values.duration) || 10);
const connections = Math.max(1, Number(values.connections) || 50);
const log = (line: string) => console.log(line);
const dir = mkdtempSync(join(tmpdir(), 'lp-bench-tracking-'));
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';

const redis = await startEmbeddedRedis({ dir: join(dir, 'redis'), log, persistent: false });
const env = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  DATA_DIR: join(dir, 'data'),
  REDIS_URL: redis.url,
  QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
  SECRET_KEY: randomBytes(32).toString('hex'),
  PUBLIC_URL: 'https://news.landnetz.example',
  MAIL_FROM: 'Landnetz <newsletter@landnetz.example>',
  SMTP_URL: 'smtp://127.0.0.1:9',
  // Behind a proxy, as in production: each path's requests come from a client of their own
  // (X-Forwarded-For), not all of them from one address.
  TRUST_PROXY: 'true',
};

interface Server {
  child: ChildProcess;
  port: number;
  paths: string[];
  ask(): Promise<{
    rss: number;
    cpu: number;
    written?: number;
    waiting?: number;
    dropped?: number;
  }>;
}

async function server(kind: 'bare' | 'landpost'): Promise<Server> {
  const child = fork(
    new URL('./tracking-server.ts', import.meta.url).pathname,
    [kind, JSON.stringify(env)],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const { port, paths } = await new Promise<{ port: number; paths: string[] }>((resolve) =>
    child.once('message', (m) => resolve(m as { port: number; paths: string[] })),
  );
  return {
    child,
    port,
    paths,
    ask: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { rss: number; cpu: number }));
        child.send({ ask: 'stats' });
      }),
  };
}

interface Result {
  rps: number;
  total: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(target: Server, kind: 'o' | 'c', seconds: number): Promise<Result> {
  const paths = target.paths.filter((p) => p.startsWith(`/t/${kind}/`));
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections,
    duration: seconds,
    headers: { 'user-agent': PHONE },
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const i = next++ % paths.length;
          const client = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
          return {
            ...request,
            path: paths[i]!,
            headers: { ...request.headers, 'x-forwarded-for': client },
          };
        },
      },
    ],
  });
  const expected = kind === 'o' ? 200 : 302;
  const wrong = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => Number(code) !== expected)
    .reduce((sum, [, stat]) => sum + (stat as { count: number }).count, 0);
  return {
    rps: Math.round(result.requests.average),
    total: result.requests.total,
    p99: result.latency.p99,
    non2xx: wrong,
    errors: result.errors + result.timeouts,
  };
}

const bare = await server('bare');
const ours = await server('landpost');
const figures: Record<string, unknown> = {};
try {
  for (const [kind, name] of [
    ['o', 'pixel'],
    ['c', 'redirect'],
  ] as const) {
    // Warm both up (JIT, connections, the link cache), then measure each in turn.
    await load(bare, kind, 2);
    await load(ours, kind, 2);
    await ours.ask();
    const bareBefore = (await bare.ask()).cpu;
    const b = await load(bare, kind, duration);
    const bareCpu = (await bare.ask()).cpu - bareBefore;
    const before = await ours.ask();
    const o = await load(ours, kind, duration);
    const after = await ours.ask();
    const ratio = Number((o.rps / b.rps).toFixed(2));
    // CPU per request, each server's own: steadier than req/s when other work shares the cores.
    const cpuUs = {
      ours: Math.round((after.cpu - before.cpu) / o.total),
      bare: Math.round(bareCpu / b.total),
    };
    const written = (after.written ?? 0) - (before.written ?? 0);
    const dropped = (after.dropped ?? 0) - (before.dropped ?? 0);
    figures[name] = { bare: b, ours: o, ratio, written, dropped, cpuUsPerRequest: cpuUs };
    log(
      `${name}: ours ${o.rps} req/s (p99 ${o.p99} ms), bare Fastify ${b.rps} req/s (p99 ${b.p99} ms) → ratio ${ratio}; ` +
        `CPU per request: ours ${cpuUs.ours} µs, bare ${cpuUs.bare} µs; ` +
        `${written} events written in batches, ${after.waiting} waiting, ${dropped} dropped; ` +
        `unexpected answers: ours ${o.non2xx + o.errors}, bare ${b.non2xx + b.errors}`,
    );
  }
  const rss = { ours: (await ours.ask()).rss, bare: (await bare.ask()).rss };
  figures.rssMB = { ours: Math.round(rss.ours / 2 ** 20), bare: Math.round(rss.bare / 2 ** 20) };
  figures.machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  figures.connections = connections;
  figures.durationS = duration;
  log(JSON.stringify(figures));
} finally {
  for (const s of [bare, ours]) s.child.kill('SIGTERM');
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
