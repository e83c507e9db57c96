import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs } from '../helpers/admin.js';
import { makeToken, apiRequest } from '../helpers/api.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { postSignup } from './routes/_flow.js';

describe('response headers', () => {
  let t: TestApp;
  let https: TestApp;
  let catcher: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    https = await startTestApp({ env: { PUBLIC_URL: 'https://news.example.org' } });
    catcher = await startTestApp({ env: { SMTP_URL: '' } }); // mail goes to the built-in catcher
  });
  afterAll(async () => {
    await t?.close();
    await https?.close();
    await catcher?.close();
  });

  it('API answers are never cached', async () => {
    const token = makeToken(t, 'headers', 'viewer');
    const res = await apiRequest(t, 'GET', '/subscribers', token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const refused = await apiRequest(t, 'GET', '/subscribers', null);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['cache-control']).toBe('no-store');
  });

  it('caught mails (which hold live confirmation links) are never cached', async () => {
    await postSignup(catcher, { email: 'cached@example.org' });
    const admin = await loginAs(catcher, 'admin');
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      const list = await admin.get('/admin/mail');
      expect(list.headers['cache-control']).toBe('no-store');
      id = /\/admin\/mail\/(\d+)/.exec(list.body)?.[1];
      if (!id) await new Promise((r) => setTimeout(r, 100));
    }
    expect(id).toBeDefined();
    for (const path of [`/admin/mail/${id}`, `/admin/mail/${id}/raw`]) {
      const res = await admin.get(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['cache-control'], path).toBe('no-store');
    }
  });

  it('public pages stay cacheable by default and HSTS is sent only for an https PUBLIC_URL', async () => {
    const plain = await t.app.inject({ url: '/privacy' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    const secure = await https.app.inject({ url: '/privacy' });
    expect(secure.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(secure.headers['cache-control']).toBeUndefined();
  });
});

describe('pages take HTML forms only', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const json = (url: string, body: unknown) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'text/html' },
      payload: JSON.stringify(body),
    });

  it('refuses JSON bodies on every public form and the admin login with 415, storing nothing', async () => {
    for (const [url, body] of [
      ['/', { email: 5 }],
      ['/', { email: 'json@example.org', name: {}, consent: 'yes' }],
      ['/p/not-a-token', { name: {} }],
      ['/preferences', { email: 7 }],
      ['/admin/login', { email: 5, password: [] }],
      ['/u/not-a-token', { 'List-Unsubscribe': 'One-Click' }],
    ] as const) {
      const res = await json(url, body);
      expect(res.statusCode, url).toBe(415);
      expect(res.body, url).toContain('<html');
    }
    const count = t.runtime.database.sqlite
      .prepare('select count(*) as n from subscribers')
      .get() as { n: number };
    expect(count.n).toBe(0);
  });

  it('still takes url-encoded and multipart forms', async () => {
    const ok = await postSignup(t, { email: 'form@example.org' });
    expect(ok.statusCode).toBe(200);
  });
});

describe('links on pages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the language links of a 404 page never point to another host', async () => {
    for (const url of ['/.//evil.example/x', '//evil.example/x', '/%2F%2Fevil.example/x']) {
      const res = await t.app.inject({ url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(404);
      const hrefs = [...res.body.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
      expect(hrefs.length).toBeGreaterThan(0);
      for (const href of hrefs) {
        expect(href, `${url}: ${href}`).not.toMatch(/^\/\//);
        expect(href, `${url}: ${href}`).not.toContain('evil.example');
      }
      expect(res.body).toContain('href="/?lang=en"');
    }
  });

  it('the language links of a real page keep its path and query', async () => {
    const res = await t.app.inject({ url: '/privacy?x=1', headers: { accept: 'text/html' } });
    expect(res.body).toContain('href="/privacy?x=1&amp;lang=en"');
  });
});
