import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { ensureDebianPackage } from './system-packages.js';

export interface EmbeddedRedis {
  url: string;
  port: number;
  /** The running redis-server's process id (changes when the supervisor restarts it). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** What the supervisor does when redis-server dies on its own. */
export interface RedisSupervision {
  /** Restarts in a row (each after a growing delay) before giving up. */
  maxRestarts?: number;
  /** Delay before the first restart; doubles each time (with jitter), at most 30 s. */
  firstDelayMs?: number;
  /** After this long without dying, the restart count starts again from zero. */
  stableMs?: number;
  /** Restarts failed too often: the app cannot work without Redis, so its owner should exit. */
  onGiveUp(reason: string): void;
}

/** Ask the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start a private redis-server on a free loopback port, with append-only persistence in `dir`
 * and `maxmemory-policy noeviction` (BullMQ loses jobs under eviction).
 */
export async function startEmbeddedRedis(opts: {
  dir: string;
  log: (line: string) => void;
  persistent?: boolean;
  /** Restart redis-server when it dies (the app's own Redis); tests may run it unsupervised. */
  supervise?: RedisSupervision;
}): Promise<EmbeddedRedis> {
  const binary = ensureDebianPackage({
    binary: 'redis-server',
    pkg: 'redis-server',
    alternative: 'set REDIS_URL=redis://HOST:6379 to use a Redis you run yourself',
    log: opts.log,
  });
  mkdirSync(opts.dir, { recursive: true });
  const pidFile = join(opts.dir, 'redis-server.pid');
  await stopStale(pidFile);
  const port = await freePort();
  const persistent = opts.persistent ?? true;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'yes',
    '--dir',
    opts.dir,
    '--daemonize',
    'no',
    '--maxmemory-policy',
    'noeviction',
    '--appendonly',
    persistent ? 'yes' : 'no',
    // Every write on disk before its answer: a killed redis-server loses no queued job, no mark
    // of a sent newsletter (small organisations' volumes afford the fsync).
    '--appendfsync',
    'always',
    '--save',
    '',
    '--loglevel',
    'warning',
    '--pidfile',
    pidFile,
  ];
  const url = `redis://127.0.0.1:${port}`;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.once('exit', () => onExit(child, output));
    await waitForRedis(url, child, () => output);
    return child;
  };

  let current: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const supervise = opts.supervise;
  const maxRestarts = supervise?.maxRestarts ?? 5;
  const firstDelayMs = supervise?.firstDelayMs ?? 500;
  const stableMs = supervise?.stableMs ?? 60_000;

  // Redis holds the queues: when it dies, start it again on the same port (clients reconnect by
  // themselves) with a growing delay, and give up after repeated failures.
  function onExit(child: ChildProcess, output: string) {
    if (stopping || !supervise || !current || child !== current) return;
    if (Date.now() - startedAt > stableMs) restarts = 0;
    const why = `redis-server exited (${child.signalCode ?? child.exitCode})`;
    const last = output.trim().split('\n').pop() ?? '';
    if (restarts >= maxRestarts) {
      opts.log(`${why}; giving up after ${restarts} restarts${last ? `: ${last}` : ''}`);
      supervise.onGiveUp(`${why}; ${restarts} restarts failed`);
      return;
    }
    restarts += 1;
    const delay = Math.min(30_000, firstDelayMs * 2 ** (restarts - 1)) * (0.75 + Math.random() / 2);
    opts.log(
      `${why}; restarting it in ${Math.round(delay)} ms (restart ${restarts} of ${maxRestarts})`,
    );
    timer = setTimeout(() => {
      timer = undefined;
      if (stopping) return;
      startedAt = Date.now();
      launch()
        .then((child) => {
          current = child;
          if (stopping) void stopChild(child);
          else opts.log(`redis-server is running again on port ${port}`);
        })
        .catch((err: Error) => {
          opts.log(`redis-server restart failed: ${err.message}`);
          // A launch that failed counts as a death of its own: try again or give up.
          if (current) onExit(current, err.message);
        });
    }, delay);
  }

  current = await launch();
  // Operator commands (npx landpost campaign send) find the running app's Redis here.
  writeFileSync(urlFile(opts.dir), `${url}\n`);
  return {
    url,
    port,
    get pid() {
      return current && current.exitCode === null && current.signalCode === null
        ? current.pid
        : undefined;
    },
    stop: () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      rmSync(urlFile(opts.dir), { force: true });
      return current ? stopChild(current) : Promise.resolve();
    },
  };
}

const urlFile = (dir: string) => join(dir, 'redis.url');

/** The URL of the embedded redis-server of a running Landpost on this data directory, if any. */
export function embeddedRedisUrl(dir: string): string | undefined {
  const file = urlFile(dir);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

/** One connection attempt and a PING, without retries: does a Redis answer at `url` now? */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function waitForRedis(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `redis-server exited (${child.exitCode}): ${output().trim().split('\n').pop() ?? ''}`,
      );
    }
    // AOF may still be loading right after start: a PONG means the dataset is ready.
    if (await redisAnswers(url)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not become ready: ${output().trim()}`);
}

/**
 * A Landpost that was killed (SIGKILL, power loss) can leave its redis-server running on the
 * same data directory: stop it before starting a new one.
 */
async function stopStale(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    rmSync(pidFile, { force: true });
    return; // not running
  }
  if (!cmdline.includes('redis-server')) return;
  // Orphaned (its Landpost died): stop it. Still owned by a live process: a second Landpost on
  // the same data directory, which must not steal the first one's Redis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  let parent = '';
  try {
    parent = ppid > 1 ? readFileSync(`/proc/${ppid}/cmdline`, 'utf8') : '';
  } catch {
    parent = '';
  }
  if (ppid !== process.pid && /node/.test(parent)) {
    throw new Error(
      `another Landpost (pid ${ppid}) is already running with this DATA_DIR (${dirname(pidFile)})`,
    );
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++)
    await new Promise((r) => setTimeout(r, 50));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGTERM makes redis-server flush the append-only file and exit cleanly.
    child.kill('SIGTERM');
  });
}
