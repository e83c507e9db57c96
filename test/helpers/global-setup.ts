import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis } from '../../server/infra/redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * One redis-server for the whole run (installed with apt on first use); test files keep
 * apart by their queue prefix. Not persistent: nothing here needs to survive the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'lp-test-redis-'));
  const redis = await startEmbeddedRedis({ dir, persistent: false, log: console.log });
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
