/**
 * The public archive: only sent editions kept in the archive are listed, shown and in the feed;
 * the web version is everybody's view without any personal data or token link; an old slug
 * redirects; a language the edition has no translation for is a 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeToken } from '../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';

let t: TestApp;
const api = apiClient(() => t);
const slugs: Record<string, string> = {};

const attribution = 'Gefördert von der Bundeszentrale für politische Bildung';

async function edition(token: string, key: string, body: Record<string, unknown>) {
  const res = await api('POST', '/editions', token, body);
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json<{ id: number; slug: string }>();
  slugs[key] = created.slug;
  return created.id;
}

beforeAll(async () => {
  t = await startTestApp();
  const token = makeToken(t, 'editorial', 'editor');
  t.runtime.services.organisation.update(
    { funderAttribution: attribution },
    { kind: 'system', task: 'test' },
  );
  t.runtime.database.sqlite
    .prepare(
      "insert into subscribers (email, name, status) values (?, 'Hildegard Leser', 'active')",
    )
    .run('hildegard@example.org');
  const items: number[] = [];
  for (const item of [
    { type: 'funding', title: 'Förderprogramm Dorfleben' },
    { type: 'counselling', title: 'Beratung im Harz', regions: ['15085'] },
  ]) {
    const res = await api('POST', '/items', token, item);
    expect(res.statusCode).toBe(201);
    items.push(res.json<{ id: number }>().id);
  }
  const sql = t.runtime.database.sqlite;
  const sent = await edition(token, 'sent', {
    title: 'Frühling & Aufbruch',
    subject: 'Landpost Nr. 1',
    items,
    translations: { ar: { subject: 'لاندبوست العدد 1' } },
  });
  const draft = await edition(token, 'draft', { title: 'Entwurf', subject: 'Nr. 2', items });
  const hidden = await edition(token, 'hidden', { title: 'Intern', subject: 'Nr. 3', items });
  sql.prepare("update editions set status = 'sent' where id in (?, ?)").run(sent, hidden);
  sql.prepare('update editions set in_archive = 0 where id = ?').run(hidden);
  // Markup the forms refuse, stored all the same: every page and the feed escape it.
  sql
    .prepare('update editions set title = ?, preheader = ? where id = ?')
    .run('Frühling & <Aufbruch>', 'Neues & Wichtiges <aus> dem Netzwerk', sent);
  void draft;
});

afterAll(async () => {
  await t?.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url, headers: { 'accept-language': 'en', ...headers } });

describe('public archive', () => {
  it('lists only the sent editions kept in the archive', async () => {
    const res = await get('/archive');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`href="/archive/${slugs.sent}"`);
    expect(res.body).toContain('Frühling &amp; &lt;Aufbruch&gt;');
    expect(res.body).toContain(`href="/archive/${slugs.sent}?lang=ar"`);
    expect(res.body).not.toContain('Entwurf');
    expect(res.body).not.toContain('Intern');
  });

  it('shows a sent edition with all its items and the attribution, without personal data', async () => {
    const res = await get(`/archive/${slugs.sent}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toMatch(/^<!doctype html>/i);
    expect(res.body).toContain('Förderprogramm Dorfleben');
    expect(res.body).toContain('Beratung im Harz');
    expect(res.body).toContain(attribution);
    expect(res.body).toContain(`href="${t.config.publicUrl}/"`);
    expect(res.body).not.toMatch(/\/[up]\/[A-Za-z0-9._~-]/);
    expect(res.body).not.toContain('{{');
    expect(res.body).not.toMatch(/%%|\[\[|PLACEHOLDER/i);
    expect(res.body).not.toContain('Hildegard');
    expect(res.body).not.toContain('Erika Mustermann');
    expect(res.body).toContain(`href="/archive/${slugs.sent}?lang=ar"`);
  });

  it('answers 404 for a draft and for an edition kept out of the archive', async () => {
    for (const key of ['draft', 'hidden']) {
      const res = await get(`/archive/${slugs[key]}`);
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('Edition not found');
      expect(res.body).not.toContain(key === 'draft' ? 'Entwurf' : 'Intern');
    }
    expect((await get('/archive/99-nothing')).statusCode).toBe(404);
  });

  it('redirects the right number under an old slug to the current address', async () => {
    const res = await get('/archive/1-alter-titel');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe(`/archive/${slugs.sent}`);
    const bare = await get('/archive/1?lang=ar');
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe(`/archive/${slugs.sent}?lang=ar`);
  });

  it('shows a translation right to left, and a language without translation is a 404', async () => {
    const ar = await get(`/archive/${slugs.sent}?lang=ar`);
    expect(ar.statusCode).toBe(200);
    expect(ar.body).toContain('dir="rtl"');
    expect(ar.body).toContain('لاندبوست العدد 1');
    const uk = await get(`/archive/${slugs.sent}?lang=uk`);
    expect(uk.statusCode).toBe(404);
  });

  it('lists only the archived editions in a well-formed Atom feed, all escaped', async () => {
    const res = await get('/archive/feed.xml');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    // Well-formed enough: one root, every entry closed, no raw `<` or `&` in any text.
    expect(res.body).toMatch(
      /^<\?xml version="1.0" encoding="utf-8"\?>\n<feed [^>]*>[\s\S]*<\/feed>\n$/,
    );
    const texts = res.body.replace(/<[^<>]*>/g, '');
    expect(texts).not.toMatch(/[<>]|&(?!(?:lt|gt|amp|quot|apos);)/);
    const entries = [...res.body.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map(([, e]) => e);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toContain('<title>Frühling &amp; &lt;Aufbruch&gt;</title>');
    expect(entries[0]).toContain(
      '<summary>Neues &amp; Wichtiges &lt;aus&gt; dem Netzwerk</summary>',
    );
    expect(entries[0]).toContain(`href="${t.config.publicUrl}/archive/${slugs.sent}"`);
    expect(entries[0]).toMatch(/<id>[^<]+<\/id>/);
    expect(entries[0]).toMatch(/<updated>\d{4}-\d\d-\d\dT[^<]+<\/updated>/);
    expect(res.body).toContain(`rel="self"`);
    expect(res.body).not.toContain('<Aufbruch>');
  });
});

describe('public archive: sign-up and recommendation links', () => {
  it('the web version links to the sign-up form naming its archive page, which carries it on', async () => {
    const id = (
      t.runtime.database.sqlite
        .prepare('select id from editions where slug = ?')
        .get(slugs.sent) as { id: number }
    ).id;
    const res = await get(`/archive/${slugs.sent}`, { 'accept-language': 'de' });
    expect(res.statusCode).toBe(200);
    const href = `/signup?ed=${id}&amp;from=archive`;
    expect(res.body).toContain(`<a href="http://localhost:3000${href}">Newsletter abonnieren</a>`);
    expect(res.body).toMatch(
      new RegExp(`<a href="http://localhost:3000${href.replace('?', '\\?')}"[^>]*>Einer Kollegin`),
    );
    // The footer's preferences link (no personal link in the archive) goes there too.
    expect(res.body).toMatch(
      new RegExp(`<a href="http://localhost:3000${href.replace('?', '\\?')}"[^>]*>Einstellungen`),
    );

    const form = await t.app.inject({
      method: 'GET',
      url: `/signup?ed=${id}&from=archive`,
      headers: { accept: 'text/html' },
    });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain(`<input type="hidden" name="ed" value="${id}">`);
    expect(form.body).toContain('<input type="hidden" name="from" value="archive">');
  });
});
