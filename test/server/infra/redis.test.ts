import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../server/infra/redis.js';

const log = (line: string) => console.log(line);

async function withClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('startEmbeddedRedis', () => {
  let dir: string;
  let redis: EmbeddedRedis | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lp-test-embedded-redis-'));
  });

  afterAll(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs with noeviction and append-only persistence', async () => {
    redis = await startEmbeddedRedis({ dir, persistent: true, log });
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    await withClient(redis.url, async (client) => {
      expect(await client.config('GET', 'maxmemory-policy')).toEqual([
        'maxmemory-policy',
        'noeviction',
      ]);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    });
  });

  it('keeps data across a stop and a start with the same directory', async () => {
    redis ??= await startEmbeddedRedis({ dir, persistent: true, log });
    await withClient(redis.url, async (client) => {
      await client.set('landpost:test:survivor', 'still here');
      await client.rpush('landpost:test:list', 'a', 'b', 'c');
    });
    const oldPort = redis.port;
    await redis.stop();
    expect(await connectionRefused(oldPort)).toBe(true);

    redis = await startEmbeddedRedis({ dir, persistent: true, log });
    await withClient(redis.url, async (client) => {
      expect(await client.get('landpost:test:survivor')).toBe('still here');
      expect(await client.lrange('landpost:test:list', 0, -1)).toEqual(['a', 'b', 'c']);
    });
  });

  it('stop() closes the port', async () => {
    redis ??= await startEmbeddedRedis({ dir, persistent: true, log });
    const { port } = redis;
    expect(await connectionRefused(port)).toBe(false);
    await redis.stop();
    redis = undefined;
    expect(await connectionRefused(port)).toBe(true);
  });
});
