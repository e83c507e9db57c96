/**
 * The sign-up form is rate-limited per IP address (SIGNUP_RATE_LIMIT per 10 minutes) instead
 * of a puzzle CAPTCHA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { FORM, formBody, postSignup, subscriberByEmail } from '../_flow.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '3' } });
});

afterAll(async () => {
  await t?.close();
});

describe('sign-up rate limit per IP', () => {
  it('answers the 4th sign-up from one address within the window with 429', async () => {
    const ip = '203.0.113.50';
    for (let i = 1; i <= 3; i++) {
      const res = await postSignup(t, { email: `rate.${i}@example.org` }, { remoteAddress: ip });
      expect(res.statusCode, `sign-up ${i}`).toBe(200);
    }
    const fourth = await postSignup(t, { email: 'rate.4@example.org' }, { remoteAddress: ip });
    expect(fourth.statusCode).toBe(429);
    expect(fourth.headers['content-type']).toMatch(/^text\/html/);
    expect(fourth.body).toContain('Zu viele Anfragen.');
    expect(fourth.headers['retry-after']).toBeDefined();
    expect(subscriberByEmail(t, 'rate.4@example.org')).toBeUndefined();
  });

  it('counts per IP: another address can still sign up', async () => {
    const res = await postSignup(
      t,
      { email: 'rate.other@example.org' },
      { remoteAddress: '198.51.100.77' },
    );
    expect(res.statusCode).toBe(200);
    expect(subscriberByEmail(t, 'rate.other@example.org')?.status).toBe('unconfirmed');
  });

  it('counts invalid posts too (a bot cannot probe endlessly)', async () => {
    const ip = '192.0.2.200';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/',
        headers: FORM,
        payload: formBody({ email: 'not-valid' }),
        remoteAddress: ip,
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([400, 400, 400, 429]);
  });
});
