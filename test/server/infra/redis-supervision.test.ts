import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  redisAnswers,
  startEmbeddedRedis,
  type EmbeddedRedis,
} from '../../../server/infra/redis.js';
import { startRuntime, type Runtime } from '../../../server/runtime.js';
import type { TestApp } from '../../helpers/app.js';
import { testConfig, type TestConfig } from '../../helpers/env.js';
import { postSignup } from '../routes/_flow.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the embedded redis-server is supervised', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function start(supervise: Parameters<typeof startEmbeddedRedis>[0]['supervise']) {
    const dir = await mkdtemp(join(tmpdir(), 'lp-test-supervised-redis-'));
    const lines: string[] = [];
    const redis: EmbeddedRedis = await startEmbeddedRedis({
      dir,
      persistent: false,
      log: (line) => lines.push(line),
      supervise,
    });
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    cleanup.push(() => redis.stop());
    return { redis, lines };
  }

  it('starts it again on the same port after SIGKILL, with a log line', async () => {
    const { redis, lines } = await start({ firstDelayMs: 50, onGiveUp: () => {} });
    const first = redis.pid!;
    process.kill(first, 'SIGKILL');
    await until('a new redis-server', async () => redis.pid !== undefined && redis.pid !== first);
    expect(await until('PONG', async () => (await redisAnswers(redis.url)) || undefined)).toBe(
      true,
    );
    expect(lines.some((l) => /redis-server exited \(SIGKILL\); restarting it/.test(l))).toBe(true);
    expect(lines.some((l) => /running again on port/.test(l))).toBe(true);
  });

  it('gives up after repeated deaths and says so', async () => {
    const reasons: string[] = [];
    const { redis, lines } = await start({
      maxRestarts: 1,
      firstDelayMs: 50,
      onGiveUp: (reason) => reasons.push(reason),
    });
    const first = redis.pid!;
    process.kill(first, 'SIGKILL');
    await until('the restart', async () => redis.pid !== undefined && redis.pid !== first);
    process.kill(redis.pid!, 'SIGKILL');
    await until('giving up', async () => reasons.length > 0);
    expect(reasons[0]).toMatch(/1 restarts failed/);
    expect(lines.some((l) => /giving up/.test(l))).toBe(true);
    await sleep(300);
    expect(redis.pid).toBeUndefined(); // no further restart after giving up
  });

  it('a running Landpost is ready again within 30 s after its redis-server was killed', async () => {
    const smtp: SmtpSink = await startSmtpSink();
    const config: TestConfig = testConfig({ SMTP_URL: smtp.url });
    const runtime: Runtime = await startRuntime({ ...config, redisUrl: undefined }, 'all', {
      redisRestarts: { firstDelayMs: 100 },
    });
    cleanup.push(async () => {
      await runtime.stop();
      await smtp.close();
      config.cleanup();
    });
    const app = runtime.app!;
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);

    const pidFile = join(config.dataDir, 'redis', 'redis-server.pid');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    const started = Date.now();
    await until(
      '/readyz 200',
      async () => (await app.inject({ url: '/readyz' })).statusCode === 200,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    const newPid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(newPid).not.toBe(pid);
    expect(existsSync(`/proc/${newPid}`)).toBe(true);

    // The queues work again: a sign-up's confirmation mail arrives.
    const signup = await postSignup({ app, runtime } as TestApp, {
      email: 'after-restart@example.org',
    });
    expect(signup.statusCode).toBe(200);
    await smtp.waitFor((m) => m.to.includes('after-restart@example.org'));
  });
});
