import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { postSignup } from '../routes/_flow.js';

describe('rate limits on public forms', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are counted in Redis, shared by every web process', async () => {
    const ip = '203.0.113.10';
    expect(
      (await postSignup(t, { email: 'shared.1@example.org' }, { remoteAddress: ip })).statusCode,
    ).toBe(200);
    const keys = await t.runtime.queues.connection.keys(`${t.config.queuePrefix}:rate:*`);
    expect(keys.some((k) => k.endsWith(ip))).toBe(true);
  });

  it('hold while Redis is unreachable: counted in the process instead of letting everybody through', async () => {
    t.runtime.queues.connection.disconnect();
    const ip = '203.0.113.20';
    for (let i = 1; i <= 3; i++) {
      const res = await postSignup(t, { email: `down.${i}@example.org` }, { remoteAddress: ip });
      expect(res.statusCode, `sign-up ${i}`).toBe(200);
    }
    const fourth = await postSignup(t, { email: 'down.4@example.org' }, { remoteAddress: ip });
    expect(fourth.statusCode).toBe(429);
    expect(fourth.headers['retry-after']).toBeDefined();
    // Another address is still served.
    const other = await postSignup(
      t,
      { email: 'down.5@example.org' },
      { remoteAddress: '198.51.100.9' },
    );
    expect(other.statusCode).toBe(200);
  });
});
