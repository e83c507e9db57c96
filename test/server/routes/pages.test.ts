/**
 * Pages in the visitor's language (German default, right-to-left Arabic), the language switcher,
 * and the health endpoints an orchestrator polls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HTML } from './_flow.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
});

afterAll(async () => {
  await t?.close();
});

const htmlTag = (body: string) => /<html[^>]*>/.exec(body)?.[0];

describe('languages', () => {
  it('German is the default', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(htmlTag(res.body)).toBe('<html lang="de" dir="ltr">');
    expect(res.body).toContain('<h1>Newsletter abonnieren</h1>');
  });

  it('Accept-Language: ar gives the Arabic page, right to left', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { ...HTML, 'accept-language': 'ar' },
    });
    expect(res.statusCode).toBe(200);
    expect(htmlTag(res.body)).toBe('<html lang="ar" dir="rtl">');
    expect(res.body).not.toContain('<h1>Newsletter abonnieren</h1>');
  });

  it('q-values are honoured', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { ...HTML, 'accept-language': 'fr;q=1, en;q=0.5, uk;q=0.8' },
    });
    expect(htmlTag(res.body)).toBe('<html lang="uk" dir="ltr">');
  });

  it('?lang=uk switches to Ukrainian and remembers it in a cookie', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/?lang=uk',
      headers: { ...HTML, 'accept-language': 'ar' },
    });
    expect(htmlTag(res.body)).toBe('<html lang="uk" dir="ltr">');
    const cookie = String(res.headers['set-cookie'] ?? '');
    expect(cookie).toMatch(/^lang=uk;/);
    expect(cookie).toMatch(/HttpOnly/i);

    const next = await t.app.inject({
      method: 'GET',
      url: '/preferences',
      headers: { ...HTML, cookie: 'lang=uk', 'accept-language': 'de' },
    });
    expect(htmlTag(next.body)).toBe('<html lang="uk" dir="ltr">');
  });

  it('an unknown ?lang falls back without error', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/?lang=xx', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(htmlTag(res.body)).toBe('<html lang="de" dir="ltr">');
  });

  it('each entry of the language switcher carries its own lang attribute', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/?lang=ar', headers: HTML });
    const nav = /<ul class="languages">([\s\S]*?)<\/ul>/.exec(res.body)?.[1] ?? '';
    const links = [...nav.matchAll(/<a\b[^>]*>[^<]*<\/a>/g)].map((m) => m[0]);
    expect(links.length).toBeGreaterThanOrEqual(4);
    const codes = links.map((a) => / lang="([a-z-]+)"/.exec(a)?.[1]);
    expect(codes).toEqual(expect.arrayContaining(['de', 'en', 'ar', 'uk']));
    for (const a of links) {
      const code = / lang="([a-z-]+)"/.exec(a)?.[1];
      expect(a, 'link leads to the same page in that language').toContain(`href="/?lang=${code}"`);
    }
    expect(links.find((a) => a.includes('lang="ar"'))).toContain('aria-current="true"');
    expect(links.find((a) => a.includes('lang="de"'))).toContain('>Deutsch<');
    expect(links.find((a) => a.includes('lang="uk"'))).toContain('>Українська<');
  });

  it('the switcher keeps the page and its other query parameters', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/?source=flyer', headers: HTML });
    expect(res.body).toMatch(/href="\/\?source=flyer&amp;lang=en"/);
  });

  it('the ?source parameter is echoed into the form escaped', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/?source=${encodeURIComponent('"><script>alert(1)</script>')}`,
      headers: HTML,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).toContain(
      '<input type="hidden" name="source" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">',
    );
  });

  it('error pages are in the visitor language too', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/no-such-page',
      headers: { ...HTML, 'accept-language': 'ar' },
    });
    expect(res.statusCode).toBe(404);
    expect(htmlTag(res.body)).toBe('<html lang="ar" dir="rtl">');
  });
});

describe('security headers on pages', () => {
  it('sets nosniff, no-referrer, a CSP and frame denial', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });
});

describe('health', () => {
  it('/healthz answers 200 {status:"ok"}', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 with database and redis ok', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });

  // Last in the file: it takes this app's Redis connection away.
  it('/readyz answers 503 naming redis when Redis is unreachable, /healthz stays 200', async () => {
    t.runtime.queues.connection.disconnect();
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', redis: 'failed' },
    });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
