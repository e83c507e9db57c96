/**
 * The pixel and the redirect on a listening server, where they are answered before Fastify
 * routes the request: the same answers and headers as the routes give, the client's address
 * taken from X-Forwarded-For behind a trusted proxy (it decides Apple's and Microsoft's
 * ranges), and everything that is not a token of ours left to the app's 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secrets } from '../../../../server/infra/security.js';
import { HOLD_MS, MAX_PENDING, OPEN_HOLD_MS } from '../../../../server/services/tracking/index.js';
import { trackedToken } from '../../../../server/services/tracking/links.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';

const PHONE_MAIL =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const TARGET = 'https://foerderung.example/programm';
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

let t: TestApp;
let pixel: string;
let click: string;

beforeAll(async () => {
  t = await startTestApp({ listen: true, env: { TRUST_PROXY: 'true' } });
  const sql = t.runtime.database.sqlite;
  sql.exec(`
    insert into editions (number, title, subject, slug, sections, translations, status)
      values (1, 'Nr. 1', 'Landnetz', 'nr-1', '[]', '{}', 'sent');
    insert into campaigns (edition_id, status, segment_ids, list_ids, started_at, finished_at)
      values (1, 'sent', '[]', '[]', 0, 0);
    insert into subscribers (email, status, tracking_consent) values ('mit@example.org', 'confirmed', 1);
    insert into deliveries (campaign_id, edition_id, subscriber_id, status, language, sent_at)
      values (1, 1, 1, 'sent', 'de', 0);
  `);
  const link = Number(
    sql.prepare('insert into campaign_links (campaign_id, url) values (1, ?)').run(TARGET)
      .lastInsertRowid,
  );
  const secrets = new Secrets(t.runtime.config.secretKey);
  const input = {
    campaignId: 1,
    deliveryId: 1,
    variant: { language: 'de', region: null, role: null },
  };
  pixel = `/t/o/${trackedToken(secrets, { ...input, kind: 'open', link: null })}`;
  click = `/t/c/${trackedToken(secrets, { ...input, kind: 'click', link })}`;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const get = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  fetch(`${t.baseUrl}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { 'user-agent': PHONE_MAIL, ...init.headers },
  });

/** The headers a user agent sees, without the connection's own. */
function headersOf(headers: Headers | Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries =
    headers instanceof Headers ? [...headers.entries()] : Object.entries(headers as object);
  for (const [name, value] of entries) {
    if (['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)) continue;
    out[name] = String(value);
  }
  return out;
}

const written = () =>
  t.runtime.database.sqlite
    .prepare('select kind, class, reason from tracking_events order by id')
    .all() as { kind: string; class: string; reason: string }[];
const flush = () => t.runtime.services.tracking.flush(Date.now() + HOLD_MS + 1);

describe('tracking on a listening server', () => {
  it('answers the pixel and the redirect with the headers the routes give', async () => {
    const gif = await get(pixel);
    expect(gif.status).toBe(200);
    expect(Buffer.from(await gif.arrayBuffer())).toEqual(GIF);
    const routed = await t.app.inject({ method: 'GET', url: pixel });
    expect(headersOf(gif.headers)).toEqual(headersOf(routed.headers));
    expect(gif.headers.get('referrer-policy')).toBe('no-referrer');
    expect(gif.headers.get('cache-control')).toContain('no-store');

    const head = await get(pixel, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const redirect = await get(click);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(TARGET);
    const routedClick = await t.app.inject({ method: 'GET', url: click });
    expect(headersOf(redirect.headers)).toEqual(headersOf(routedClick.headers));
    flush();
    // The routes' answers were counted as well: two opens and two clicks of one link by a
    // person (the HEAD request counts nothing).
    expect(written().map((r) => `${r.kind}:${r.class}`)).toEqual([
      'open:human',
      'open:human',
      'click:human',
      'click:human',
    ]);
  });

  it("takes the client's address from X-Forwarded-For behind a trusted proxy", async () => {
    const before = written().length;
    // Microsoft's Safe Links follows links from Exchange Online's addresses with an ordinary
    // browser's agent: only the address tells it apart.
    const desktop =
      'Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.79 Safari/537.36';
    const scanned = await get(click, {
      headers: { 'user-agent': desktop, 'x-forwarded-for': '40.107.218.12, 10.0.0.1' },
    });
    expect(scanned.status).toBe(302);
    // The same agent from the proxy's own (loopback) address is a person.
    await get(click, { headers: { 'user-agent': desktop } });
    flush();
    expect(
      written()
        .slice(before)
        .map((r) => r.class),
    ).toEqual(['scanner', 'human']);
  });

  it('leaves tokens that are not ours, other methods and other paths to the app', async () => {
    const before = written().length;
    const flipped = click.slice(0, 12) + (click[12] === 'A' ? 'B' : 'A') + click.slice(13);
    for (const path of [
      flipped,
      `${click}x`,
      `${click}%00`,
      `${click.replace('/t/c/', '/t/o/')}`,
      `${pixel.replace('/t/o/', '/t/c/')}`,
      '/t/c/',
      '/t/x/abc',
    ]) {
      const res = await get(path, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('location'), path).toBeNull();
      if (path.startsWith('/t/c/'))
        expect(res.headers.get('content-type'), path).toContain('text/html');
    }
    const post = await get(click, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(post.headers.get('location')).toBeNull();
    flush();
    expect(written()).toHaveLength(before);
  });

  it('answers an error page, and keeps serving, when the database cannot be read', async () => {
    const sql = t.runtime.database.sqlite;
    const link = Number(
      sql
        .prepare('insert into campaign_links (campaign_id, url) values (1, ?)')
        .run(`${TARGET}/neu`).lastInsertRowid,
    );
    const secrets = new Secrets(t.runtime.config.secretKey);
    const variant = { language: 'de', region: null, role: null };
    const fresh = `/t/c/${trackedToken(secrets, { kind: 'click', campaignId: 1, deliveryId: 1, variant, link })}`;
    sql.exec('alter table campaign_links rename to campaign_links_away');
    try {
      const res = await get(fresh, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(500);
      expect(res.headers.get('location')).toBeNull();
    } finally {
      sql.exec('alter table campaign_links_away rename to campaign_links');
    }
    const again = await get(fresh);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe(`${TARGET}/neu`);
  });

  it('drops and counts what comes beyond the waiting limit, and still answers', async () => {
    const tracking = t.runtime.services.tracking;
    flush();
    const before = written().length;
    const token = pixel.slice('/t/o/'.length);
    // Stamped a minute ahead, so that the running writer leaves them waiting.
    const request = { method: 'GET', ip: '198.51.100.7', headers: {}, at: Date.now() + 60_000 };
    for (let i = 0; i < MAX_PENDING + 5; i++) expect(tracking.open(token, request)).toBe(true);
    expect(tracking.waiting()).toBe(MAX_PENDING);
    expect(tracking.droppedEvents()).toBe(5);
    const res = await get(pixel);
    expect(res.status).toBe(200);
    expect(tracking.droppedEvents()).toBe(6);
    tracking.flush(Date.now() + 120_000);
    expect(written().length - before).toBe(MAX_PENDING);
  }, 60_000);

  it('writes opens after a second, clicks only after the burst window', () => {
    const tracking = t.runtime.services.tracking;
    flush();
    const before = written().length;
    // A minute ahead, so that the running writer does not take them meanwhile.
    const at = Date.now() + 60_000;
    const request = {
      method: 'GET',
      ip: '198.51.100.9',
      headers: { 'user-agent': PHONE_MAIL },
      at,
    };
    expect(tracking.open(pixel.slice('/t/o/'.length), request)).toBe(true);
    expect(tracking.click(click.slice('/t/c/'.length), request)).toEqual({ url: TARGET });
    expect(tracking.flush(at + OPEN_HOLD_MS - 1)).toBe(0);
    expect(tracking.flush(at + OPEN_HOLD_MS)).toBe(1);
    expect(
      written()
        .slice(before)
        .map((r) => r.kind),
    ).toEqual(['open']);
    expect(tracking.flush(at + HOLD_MS - 1)).toBe(0);
    expect(tracking.flush(at + HOLD_MS)).toBe(1);
    expect(
      written()
        .slice(before)
        .map((r) => r.kind),
    ).toEqual(['open', 'click']);
  });
});
