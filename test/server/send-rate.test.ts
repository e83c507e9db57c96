/**
 * SEND_RATE on the real runtime: a campaign's send workers keep to it (the reservations are
 * in Redis, per message, not per batch of 50).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendCampaignTo, setUpSender } from '../helpers/campaign.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SEND_RATE: '10', SEND_CONCURRENCY: '4' } });
  setUpSender(t.runtime);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('SEND_RATE', () => {
  it('a campaign of 50 at 10 messages a second takes at least (50 - 10) / 10 seconds', async () => {
    const emails = Array.from({ length: 50 }, (_, i) => `leser${i}@example.org`);
    const started = performance.now();
    await sendCampaignTo(t.runtime, emails);
    const seconds = (performance.now() - started) / 1000;
    expect(t.smtp.messages).toHaveLength(50);
    expect(seconds).toBeGreaterThanOrEqual((50 - 10) / 10);
    expect(seconds).toBeLessThan(10);
  }, 60_000);
});
