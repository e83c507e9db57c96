/**
 * Editions in the JSON API: editor tokens create and change, viewer tokens read; a refused
 * body is a 400 naming the field and saves nothing; a taken number and a sent edition are a
 * 409; PATCH changes only what it names; the items keep their order; the series plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';

let t: TestApp;
let editorToken: string;
let viewerToken: string;
const itemIds: number[] = [];

const api = apiClient(() => t);
const count = (table: string) =>
  (t.runtime.database.sqlite.prepare(`select count(*) n from ${table}`).get() as { n: number }).n;

interface EditionBody {
  id: number;
  number: number;
  title: string;
  subject: string;
  preheader: string;
  intro: string;
  status: string;
  targetDate: string | null;
  inArchive: boolean;
  slug: string;
  sections: { type: string; heading: string; elsewhere: string }[];
  translations: Record<string, Record<string, unknown>>;
  items: { id: number; title: string; itemWarnings: { code: string }[] }[];
  warnings: { code: string; message: string }[];
  createdAt: string;
  updatedAt: string;
}

const spring = {
  title: 'Frühjahr',
  subject: 'Landpost Nr. 1: Förderung und Beratung',
  preheader: 'Neues aus dem Netzwerk',
  intro: 'Liebe Engagierte, mehr [hier](https://example.org).',
  translations: { en: { subject: 'Landpost no. 1', headings: { funding: 'Funding' } } },
};

beforeAll(async () => {
  t = await startTestApp();
  editorToken = makeToken(t, 'editorial', 'editor');
  viewerToken = makeToken(t, 'dashboard', 'viewer');
  for (const item of [
    { type: 'funding', title: 'Förderprogramm', fields: { deadline: '2020-01-31' } },
    { type: 'counselling', title: 'Beratung' },
    { type: 'text', title: 'Grußwort' },
  ]) {
    const res = await api('POST', '/items', editorToken, item);
    itemIds.push(res.json<{ id: number }>().id);
  }
});

afterAll(async () => {
  await t?.close();
});

describe('editions API', () => {
  let id: number;

  it('creates a draft with an editor token: 201, the next number, the items in order', async () => {
    const [funding, counselling, text] = itemIds as [number, number, number];
    const res = await api('POST', '/editions', editorToken, {
      ...spring,
      items: [text, funding, counselling],
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<EditionBody>();
    id = body.id;
    expect(res.headers.location).toBe(`/api/v1/editions/${id}`);
    expect(body).toMatchObject({
      ...spring,
      number: 1,
      status: 'draft',
      targetDate: null,
      inArchive: true,
      slug: '1-fruehjahr',
      warnings: [],
    });
    expect(body.sections.map((s) => s.type)).toEqual([
      'funding',
      'counselling',
      'training',
      'meeting',
      'support',
      'text',
    ]);
    expect(body.items.map((i) => i.id)).toEqual([text, funding, counselling]);
    expect(body.items[1]!.itemWarnings.map((w) => w.code)).toEqual(['deadline-past']);
    const audit = t.runtime.database.sqlite
      .prepare("select actor, action from audit_log where entity = 'edition' and entity_id = ?")
      .all(String(id));
    expect(audit).toEqual([{ actor: 'api:editorial', action: 'create' }]);
  });

  it('allows a draft without items and reports it with the warning no-items', async () => {
    const res = await api('POST', '/editions', editorToken, {
      title: 'Sommer',
      subject: 'Landpost Nr. 2',
      items: [],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json<EditionBody>()).toMatchObject({
      number: 2,
      items: [],
      warnings: [{ code: 'no-items', message: 'The edition has no items yet.' }],
    });
  });

  it('reads one edition and the list with a viewer token; an unknown id is a 404', async () => {
    const res = await api('GET', `/editions/${id}`, viewerToken);
    expect(res.statusCode).toBe(200);
    expect(res.json<EditionBody>()).toMatchObject(spring);
    const list = await api('GET', '/editions', viewerToken);
    expect(list.statusCode).toBe(200);
    expect(
      list
        .json<{ editions: { number: number; itemCount: number }[] }>()
        .editions.map((e) => [e.number, e.itemCount]),
    ).toEqual([
      [1, 3],
      [2, 0],
    ]);
    const missing = await api('GET', '/editions/99999', viewerToken);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: 'Not Found',
      message: 'no such edition',
      statusCode: 404,
    });
  });

  it('needs a token (401) and an editor token to write (viewer: 403, nothing saved)', async () => {
    expect((await api('GET', '/editions', null)).statusCode).toBe(401);
    expect((await api('GET', '/editions/plan', null)).statusCode).toBe(401);
    expect((await api('POST', '/editions', null, { ...spring, items: [] })).statusCode).toBe(401);
    const before = count('editions');
    const post = await api('POST', '/editions', viewerToken, { ...spring, items: [] });
    expect(post.statusCode).toBe(403);
    const patch = await api('PATCH', `/editions/${id}`, viewerToken, { title: 'Übernommen' });
    expect(patch.statusCode).toBe(403);
    expect(count('editions')).toBe(before);
    expect((await api('GET', `/editions/${id}`, viewerToken)).json<EditionBody>().title).toBe(
      spring.title,
    );
  });

  it('answers an invalid edition with 400 naming every field and item, and saves nothing', async () => {
    const before = [count('editions'), count('edition_items'), count('audit_log')];
    const res = await api('POST', '/editions', editorToken, {
      title: 'Herbst',
      subject: 'Landpost Nr. 3',
      intro: '[x](javascript:alert(1))',
      items: [itemIds[0], 99999, itemIds[0]],
      translations: { xx: { subject: 'Hallo' } },
      sections: [{ type: 'funding', heading: 'Förderung', elsewhere: 'show' }],
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: string; message: string; errors: Record<string, string> }>();
    expect(body.error).toBe('Bad Request');
    expect(body.errors).toEqual({
      intro: 'links may only start with http://, https://, mailto: or tel:',
      'items.99999': 'is not an item in the library',
      [`items.${itemIds[0]}`]: 'is named more than once',
      sections:
        'must hold one section for each item type: funding, counselling, training, meeting, support, text',
      'translations.xx': 'is not a known language',
    });
    expect(body.message).toContain('items.99999: is not an item in the library');
    expect([count('editions'), count('edition_items'), count('audit_log')]).toEqual(before);
  });

  it('refuses bodies the schema does not describe: 400', async () => {
    for (const payload of [
      { subject: 'Ohne Titel', items: [] },
      { title: 'Ohne Betreff', items: [] },
      { title: 'Ohne Beiträge', subject: 'x' },
      { ...spring, items: [], colour: 'red' },
      { ...spring, items: [], status: 'sent' },
      { ...spring, items: ['eins'] },
      { ...spring, items: [], number: 0 },
      { ...spring, items: [], title: '<script>alert(1)</script>' },
      { ...spring, items: [], intro: 'x'.repeat(2001) },
      { ...spring, items: [], translations: { en: { title: 'x' } } },
      { ...spring, items: [], sections: [{ type: 'funding', heading: 'x' }] },
    ]) {
      const res = await api('POST', '/editions', editorToken, payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
    }
  });

  it('answers a number another edition holds with 409, and saves nothing', async () => {
    const before = count('editions');
    const res = await api('POST', '/editions', editorToken, { ...spring, number: 1, items: [] });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: 'Conflict',
      message: 'number: another edition already has this number',
      statusCode: 409,
      errors: { number: 'another edition already has this number' },
    });
    expect(count('editions')).toBe(before);
    expect((await api('PATCH', `/editions/${id}`, editorToken, { number: 2 })).statusCode).toBe(
      409,
    );
  });

  it('PATCH changes only the given properties; the item list is replaced in its order', async () => {
    const [funding, , text] = itemIds as [number, number, number];
    const res = await api('PATCH', `/editions/${id}`, editorToken, {
      subject: 'Landpost Nr. 1: Förderung',
      targetDate: '2017-04-20',
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<EditionBody>();
    expect(body).toMatchObject({
      ...spring,
      subject: 'Landpost Nr. 1: Förderung',
      targetDate: '2017-04-20',
    });
    expect(body.items).toHaveLength(3);

    const reordered = await api('PATCH', `/editions/${id}`, editorToken, {
      items: [funding, text],
    });
    expect(reordered.statusCode).toBe(200);
    expect(reordered.json<EditionBody>().items.map((i) => i.id)).toEqual([funding, text]);
    const read = await api('GET', `/editions/${id}`, viewerToken);
    expect(read.json<EditionBody>().items.map((i) => i.id)).toEqual([funding, text]);

    const bad = await api('PATCH', `/editions/${id}`, editorToken, { items: [funding, 99999] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: Record<string, string> }>().errors).toEqual({
      'items.99999': 'is not an item in the library',
    });
    expect(
      (await api('GET', `/editions/${id}`, viewerToken)).json<EditionBody>().items,
    ).toHaveLength(2);

    expect((await api('PATCH', `/editions/${id}`, editorToken, {})).statusCode).toBe(400);
    expect((await api('PATCH', `/editions/${id}`, editorToken, { id: 5 })).statusCode).toBe(400);
    expect((await api('PATCH', '/editions/99999', editorToken, { title: 'x' })).statusCode).toBe(
      404,
    );
  });

  it('plans the series: seven numbers with their state and target dates', async () => {
    const res = await api('GET', '/editions/plan', viewerToken);
    expect(res.statusCode).toBe(200);
    const plan = res.json<{
      target: number;
      editions: { number: number; status: string; targetDate: string; dateSet: boolean }[];
    }>();
    expect(plan.target).toBe(7);
    expect(plan.editions.map((e) => [e.number, e.status, e.targetDate, e.dateSet])).toEqual([
      [1, 'draft', '2017-04-20', true],
      [2, 'draft', '2017-05-27', false],
      [3, 'planned', '2017-07-10', false],
      [4, 'planned', '2017-08-22', false],
      [5, 'planned', '2017-10-05', false],
      [6, 'planned', '2017-11-17', false],
      [7, 'planned', '2017-12-31', false],
    ]);
  });

  it('refuses to change a sent edition: 409, nothing changed', async () => {
    t.runtime.database.sqlite.prepare("update editions set status = 'sent' where id = ?").run(id);
    const audit = count('audit_log');
    const res = await api('PATCH', `/editions/${id}`, editorToken, { title: 'Nachträglich' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: 'Conflict',
      message: 'this edition has been sent and can no longer be changed',
      statusCode: 409,
    });
    expect((await api('GET', `/editions/${id}`, viewerToken)).json<EditionBody>()).toMatchObject({
      title: spring.title,
      status: 'sent',
    });
    expect(count('audit_log')).toBe(audit);
  });

  it('describes the edition routes and their limits in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>();
    expect(Object.keys(doc.paths['/api/v1/editions']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/editions/plan']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/editions/{id}']!).sort()).toEqual(['get', 'patch']);
    expect(Object.keys(doc.paths['/api/v1/editions/{id}/test']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/v1/editions/{id}/publish']!).sort()).toEqual([
      'delete',
      'post',
    ]);
    expect(Object.keys(doc.paths['/api/v1/editions/{id}/revisions']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/editions/{id}/revisions/{number}/restore']!)).toEqual([
      'post',
    ]);
    const body = JSON.stringify(doc.paths['/api/v1/editions']!.post!.requestBody);
    expect(body).toContain('"maxLength":2000');
    expect(body).toContain('"maxLength":100');
  });
});

describe('edition preview and check in the API', () => {
  let id: number;

  beforeAll(async () => {
    const res = await api('POST', '/editions', editorToken, {
      ...spring,
      number: 50,
      items: itemIds,
    });
    id = res.json<EditionBody>().id;
  });

  it('previews a variant for a viewer token: subject, HTML, text, size and checks', async () => {
    const res = await api('POST', `/editions/${id}/preview`, viewerToken, { language: 'en' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      subject: string;
      preheader: string;
      html: string;
      text: string;
      size: number;
      checks: { level: string; code: string; message: string }[];
    }>();
    expect(Object.keys(body).sort()).toEqual([
      'checks',
      'html',
      'preheader',
      'size',
      'subject',
      'text',
    ]);
    expect(body.subject).toBe('Landpost no. 1');
    expect(body.preheader).toBe(spring.preheader);
    expect(body.html).toMatch(/<html[^>]*lang="en"/);
    expect(body.html).toContain('Erika Mustermann');
    expect(body.text).toContain('/u/preview');
    expect(body.size).toBe(Buffer.byteLength(body.html));
    // The item's deadline (2020) has passed.
    expect(body.checks).toContainEqual({
      level: 'warning',
      code: 'deadline-past',
      message: expect.stringContaining('2020-01-31') as string,
    });
    expect(body.checks.map((check) => check.code)).not.toContain('spam-score');
  });

  it('answers 404 for an edition that does not exist', async () => {
    const res = await api('POST', '/editions/999999/preview', viewerToken, {});
    expect(res.statusCode).toBe(404);
    expect((await api('POST', '/editions/999999/check', editorToken)).statusCode).toBe(404);
  });

  it('refuses unknown fields and names an unknown language: 400', async () => {
    const extra = await api('POST', `/editions/${id}/preview`, viewerToken, { colour: 'red' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json<{ message: string }>().message).toMatch(/additional properties/);
    const unknown = await api('POST', `/editions/${id}/preview`, viewerToken, {
      language: 'xx',
      region: 'Atlantis',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      statusCode: 400,
      errors: { language: 'is not a known language', region: 'is not a region of this network' },
    });
  });

  it('checks with the spam score (or says it is unavailable)', async () => {
    const viewer = await api('POST', `/editions/${id}/check`, viewerToken);
    expect(viewer.statusCode).toBe(403);
    const res = await api('POST', `/editions/${id}/check`, editorToken);
    expect(res.statusCode).toBe(200);
    const { checks } = res.json<{ checks: { level: string; code: string; message: string }[] }>();
    const spam = checks.find((check) => check.code.startsWith('spam-score'));
    expect(spam).toBeDefined();
    if (spam?.code === 'spam-score-unavailable') expect(spam.level).toBe('info');
    else expect(spam?.message).toMatch(/^SpamAssassin score /);
  }, 60_000);

  it('describes the preview and check routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>();
    expect(Object.keys(doc.paths['/api/v1/editions/{id}/preview']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/v1/editions/{id}/check']!)).toEqual(['post']);
    expect(JSON.stringify(doc.paths['/api/v1/editions/{id}/preview']!.post!.requestBody)).toContain(
      '"additionalProperties":false',
    );
  });
});

describe('test send, publishing and revisions in the API', () => {
  let id: number;

  beforeAll(async () => {
    const saved = t.runtime.services.organisation.update(
      {
        name: 'Landnetz Sachsen-Anhalt',
        senderName: 'Landnetz Newsletter',
        senderAddress: 'newsletter@landnetz.example',
        replyTo: 'redaktion@landnetz.example',
        imprint: 'Landnetz e. V.\nMarkt 1, 06108 Halle',
        funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung',
      },
      { kind: 'cli' },
    );
    if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
    const res = await api('POST', '/editions', editorToken, {
      ...spring,
      number: 60,
      title: 'Testversand',
      items: itemIds,
    });
    id = res.json<EditionBody>().id;
  });

  it('test-sends an edition: 202, and the mail arrives marked as a test from the newsletter sender', async () => {
    t.smtp.clear();
    const res = await api('POST', `/editions/${id}/test`, editorToken, {
      emails: ['redaktion@example.org', 'kollegin@example.net'],
      language: 'en',
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ queued: 2 });
    const mails = await t.smtp.waitForCount(2);
    expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual([
      'kollegin@example.net',
      'redaktion@example.org',
    ]);
    for (const mail of mails) {
      expect(mail.subject).toBe('[Test] Landpost no. 1');
      expect(mail.from).toBe('"Landnetz Newsletter" <newsletter@landnetz.example>');
      expect(mail.headers.get('reply-to')).toBe('redaktion@landnetz.example');
      expect(mail.html).toContain('lang="en"');
      // The sample recipient's links, never a real subscriber's token.
      expect(mail.text).toContain('/u/preview');
    }
    const rows = t.runtime.database.sqlite
      .prepare('select email, language, sent_at from test_sends where edition_id = ? order by id')
      .all(id) as { email: string; language: string; sent_at: number | null }[];
    expect(rows.map((r) => [r.email, r.language])).toEqual([
      ['redaktion@example.org', 'en'],
      ['kollegin@example.net', 'en'],
    ]);
    await expect
      .poll(() => {
        const unsent = t.runtime.database.sqlite
          .prepare('select count(*) n from test_sends where edition_id = ? and sent_at is null')
          .get(id) as { n: number };
        return unsent.n;
      })
      .toBe(0);
  });

  it('refuses bad addresses, more than ten and a viewer token, and sends nothing', async () => {
    const before = count('test_sends');
    const bad = await api('POST', `/editions/${id}/test`, editorToken, {
      emails: ['not an address'],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: Record<string, string> }>().errors).toHaveProperty('emails');
    const many = await api('POST', `/editions/${id}/test`, editorToken, {
      emails: Array.from({ length: 11 }, (_, i) => `p${i}@example.org`),
    });
    expect(many.statusCode).toBe(400);
    const unknownRegion = await api('POST', `/editions/${id}/test`, editorToken, {
      emails: ['a@example.org'],
      region: 'atlantis',
    });
    expect(unknownRegion.statusCode).toBe(400);
    expect(unknownRegion.json<{ errors: Record<string, string> }>().errors).toHaveProperty(
      'region',
    );
    const viewer = await api('POST', `/editions/${id}/test`, viewerToken, {
      emails: ['a@example.org'],
    });
    expect(viewer.statusCode).toBe(403);
    expect(
      (await api('POST', '/editions/999999/test', editorToken, { emails: ['a@example.org'] }))
        .statusCode,
    ).toBe(404);
    expect(count('test_sends')).toBe(before);
  });

  it('publishes an edition to the archive without sending it, and takes it out again', async () => {
    const empty = await api('POST', '/editions', editorToken, {
      title: 'Leer',
      subject: 'Leer',
      number: 61,
      items: [],
    });
    const emptyId = empty.json<EditionBody>().id;
    const blocked = await api('POST', `/editions/${emptyId}/publish`, editorToken);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json<{ checks: { code: string }[] }>().checks.map((c) => c.code)).toContain(
      'no-items',
    );

    const res = await api('POST', `/editions/${id}/publish`, editorToken);
    expect(res.statusCode).toBe(200);
    const body = res.json<EditionBody & { publishedAt: string | null }>();
    expect(body.status).toBe('draft');
    expect(body.publishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const archive = await t.app.inject({ method: 'GET', url: '/archive' });
    expect(archive.body).toContain(`href="/archive/${body.slug}"`);
    expect((await t.app.inject({ method: 'GET', url: `/archive/${body.slug}` })).statusCode).toBe(
      200,
    );

    const out = await api('DELETE', `/editions/${id}/publish`, editorToken);
    expect(out.statusCode).toBe(200);
    expect(out.json<{ publishedAt: string | null }>().publishedAt).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: `/archive/${body.slug}` })).statusCode).toBe(
      404,
    );
  });

  it('keeps every save as a revision and restores an old one as a new revision', async () => {
    const patched = await api('PATCH', `/editions/${id}`, editorToken, {
      subject: 'Geänderter Betreff',
      items: [itemIds[0]],
    });
    expect(patched.statusCode).toBe(200);
    const list = await api('GET', `/editions/${id}/revisions`, viewerToken);
    expect(list.statusCode).toBe(200);
    const revisions = list.json<{
      revisions: { number: number; subject: string; itemCount: number; savedBy: string }[];
    }>().revisions;
    expect(revisions.map((r) => [r.number, r.subject, r.itemCount])).toEqual([
      [2, 'Geänderter Betreff', 1],
      [1, spring.subject, itemIds.length],
    ]);
    expect(revisions[0]!.savedBy).toBe('API: editorial');

    const restored = await api('POST', `/editions/${id}/revisions/1/restore`, editorToken);
    expect(restored.statusCode).toBe(200);
    const edition = restored.json<EditionBody>();
    expect(edition.subject).toBe(spring.subject);
    expect(edition.items.map((i) => i.id)).toEqual(itemIds);
    const after = (await api('GET', `/editions/${id}/revisions`, viewerToken)).json<{
      revisions: { number: number }[];
    }>().revisions;
    expect(after[0]!.number).toBe(3);
    expect(
      (await api('POST', `/editions/${id}/revisions/99/restore`, editorToken)).statusCode,
    ).toBe(404);
    expect((await api('POST', `/editions/${id}/revisions/1/restore`, viewerToken)).statusCode).toBe(
      403,
    );
  });
});
