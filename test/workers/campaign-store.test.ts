/**
 * The campaign's state in Redis (the run's redis-server): one ledger writer at a time, attempt
 * marks that tell a second attempt from a first, and outcomes taken only once committed.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CampaignStore } from '../../workers/campaign-store.js';

let redis: Redis;
let store: CampaignStore;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  store = new CampaignStore(redis, `lp-test-${randomBytes(6).toString('hex')}`);
});

afterAll(() => redis.disconnect());

describe('CampaignStore', () => {
  it('lets one process lead the ledger until its lead runs out', async () => {
    expect(await store.leadLedger('a', 300)).toBe(true);
    expect(await store.leadLedger('b', 300)).toBe(false);
    expect(await store.leadLedger('a', 300)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(await store.leadLedger('b', 300)).toBe(true);
    expect(await store.leadLedger('a', 300)).toBe(false);
  });

  it('marks a second attempt of a delivery that was left open', async () => {
    expect(await store.open(1, 10)).toBe(false);
    expect(await store.open(1, 10)).toBe(true);
    await store.reopen(1, 10);
    expect(await store.open(1, 10)).toBe(false);
    await store.finish(1, { deliveryId: 10, status: 'sent', at: 1 });
    expect(await store.isDone(1, 10)).toBe(true);
    expect(await store.open(1, 10)).toBe(false);
  });

  it('gives reported outcomes until they are committed, then not again', async () => {
    await store.finish(2, { deliveryId: 20, status: 'sent', at: 2 });
    const first = await store.takeResults();
    expect(first.results.map((r) => [r.campaignId, r.deliveryId])).toEqual([
      [1, 10],
      [2, 20],
    ]);
    // Not committed (the process died before the database write): given again.
    expect((await store.takeResults()).results).toHaveLength(2);
    await first.commit();
    expect((await store.takeResults()).results).toEqual([]);
  });
});
