/**
 * The item library in the JSON API: editor tokens save, change and delete, viewer tokens read;
 * a refused body is a 400 naming the field and saves nothing; PATCH changes only what it
 * names; pages follow `next`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';

let t: TestApp;
let editorToken: string;
let viewerToken: string;

const api = apiClient(() => t);
const count = (table: string) =>
  (t.runtime.database.sqlite.prepare(`select count(*) n from ${table}`).get() as { n: number }).n;

interface ItemBody {
  id: number;
  type: string;
  title: string;
  description: string;
  regions: string[];
  roles: string[];
  fields: Record<string, string>;
  translations: Record<string, { title?: string; description?: string }>;
  warnings: { code: string; message: string }[];
  createdAt: string;
  updatedAt: string;
}

const funding = {
  type: 'funding',
  title: 'Förderprogramm Ehrenamt',
  description: 'Anträge **bis Jahresende**: [Infos](https://example.org/foerderung).',
  regions: ['15085'],
  roles: ['volunteer'],
  fields: { funder: 'Land', deadline: '2099-12-31', url: 'https://example.org/foerderung' },
  translations: { en: { title: 'Volunteering fund' } },
};

beforeAll(async () => {
  t = await startTestApp();
  editorToken = makeToken(t, 'editorial', 'editor');
  viewerToken = makeToken(t, 'dashboard', 'viewer');
});

afterAll(async () => {
  await t?.close();
});

describe('items API', () => {
  let id: number;

  it('saves an item with an editor token: 201, its location, audited under the token', async () => {
    const res = await api('POST', '/items', editorToken, funding);
    expect(res.statusCode).toBe(201);
    const body = res.json<ItemBody>();
    id = body.id;
    expect(res.headers.location).toBe(`/api/v1/items/${id}`);
    expect(body).toMatchObject({ ...funding, warnings: [] });
    expect(Date.parse(body.createdAt)).toBeGreaterThan(0);
    const audit = t.runtime.database.sqlite
      .prepare("select actor, action from audit_log where entity = 'item' and entity_id = ?")
      .all(String(id));
    expect(audit).toEqual([{ actor: 'api:editorial', action: 'create' }]);
  });

  it('reads one item with a viewer token; an unknown id is a 404', async () => {
    const res = await api('GET', `/items/${id}`, viewerToken);
    expect(res.statusCode).toBe(200);
    expect(res.json<ItemBody>()).toMatchObject(funding);
    const missing = await api('GET', '/items/99999', viewerToken);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: 'Not Found',
      message: 'no such item',
      statusCode: 404,
    });
  });

  it('needs a token (401) and an editor token to write (viewer: 403, nothing saved)', async () => {
    expect((await api('GET', '/items', null)).statusCode).toBe(401);
    expect((await api('POST', '/items', null, funding)).statusCode).toBe(401);
    const before = count('items');
    for (const [method, url] of [
      ['POST', '/items'],
      ['PATCH', `/items/${id}`],
      ['DELETE', `/items/${id}`],
    ] as const) {
      const res = await api(method, url, viewerToken, { title: 'Übernommen' });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    expect(count('items')).toBe(before);
    expect((await api('GET', `/items/${id}`, viewerToken)).json<ItemBody>().title).toBe(
      funding.title,
    );
  });

  it('answers an invalid item with 400 naming every field, and saves nothing', async () => {
    const items = count('items');
    const audit = count('audit_log');
    const res = await api('POST', '/items', editorToken, {
      type: 'text',
      title: 'Hinweis',
      description: '[x](javascript:alert(1))',
      regions: ['atlantis'],
      fields: { imageUrl: 'https://example.org/a.png', colour: 'red' },
      translations: { en: { description: '<script>alert(1)</script>' } },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: string; message: string; errors: Record<string, string> }>();
    expect(body.error).toBe('Bad Request');
    expect(Object.keys(body.errors).sort()).toEqual([
      'description',
      'fields.colour',
      'fields.imageAlt',
      'regions',
      'translations.en.description',
    ]);
    expect(body.errors['fields.colour']).toBe('is not a field of this item type');
    expect(body.message).toContain('fields.colour: is not a field of this item type');
    expect(body.errors.description).toMatch(/http:\/\/, https:\/\/, mailto: or tel:/);
    expect(count('items')).toBe(items);
    expect(count('audit_log')).toBe(audit);
  });

  it('refuses bodies the schema does not describe: 400', async () => {
    for (const payload of [
      { title: 'Ohne Art' },
      { type: 'text' },
      { type: 'advert', title: 'Unbekannte Art' },
      { type: 'text', title: 'Zu viel', colour: 'red' },
      { type: 'text', title: '<script>alert(1)</script>' },
      { type: 'text', title: 'Lang', description: 'x'.repeat(2001) },
      { type: 'text', title: 'Übersetzung', translations: { en: { subtitle: 'x' } } },
    ]) {
      const res = await api('POST', '/items', editorToken, payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
    }
  });

  it('PATCH changes only the given properties and checks the whole item', async () => {
    const res = await api('PATCH', `/items/${id}`, editorToken, {
      title: 'Förderprogramm Ehrenamt 2027',
      roles: [],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<ItemBody>()).toMatchObject({
      ...funding,
      title: 'Förderprogramm Ehrenamt 2027',
      roles: [],
    });

    const pastDeadline = await api('PATCH', `/items/${id}`, editorToken, {
      fields: { ...funding.fields, deadline: '2020-01-31' },
    });
    expect(pastDeadline.statusCode).toBe(200);
    expect(pastDeadline.json<ItemBody>().warnings).toEqual([
      { code: 'deadline-past', message: 'The application deadline (2020-01-31) has passed.' },
    ]);

    const wrongType = await api('PATCH', `/items/${id}`, editorToken, { type: 'meeting' });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json<{ errors: Record<string, string> }>().errors).toMatchObject({
      'fields.deadline': 'is not a field of this item type',
    });
    expect((await api('GET', `/items/${id}`, viewerToken)).json<ItemBody>().type).toBe('funding');

    expect((await api('PATCH', `/items/${id}`, editorToken, {})).statusCode).toBe(400);
    expect((await api('PATCH', `/items/${id}`, editorToken, { id: 5 })).statusCode).toBe(400);
    expect((await api('PATCH', '/items/99999', editorToken, { title: 'x' })).statusCode).toBe(404);
  });

  it('lists newest first in pages that follow next, filtered by type', async () => {
    const made: number[] = [];
    for (const title of ['Eins', 'Zwei', 'Drei']) {
      const res = await api('POST', '/items', editorToken, { type: 'support', title });
      made.push(res.json<ItemBody>().id);
    }
    const first = await api('GET', '/items?type=support&limit=2', viewerToken);
    expect(first.statusCode).toBe(200);
    const page1 = first.json<{ items: ItemBody[]; next: number | null }>();
    expect(page1.items.map((i) => i.title)).toEqual(['Drei', 'Zwei']);
    expect(page1.next).not.toBeNull();
    const second = await api('GET', `/items?type=support&limit=2&after=${page1.next}`, viewerToken);
    const page2 = second.json<{ items: ItemBody[]; next: number | null }>();
    expect(page2.items.map((i) => i.title)).toEqual(['Eins']);
    expect(page2.next).toBeNull();

    const all = (await api('GET', '/items', viewerToken)).json<{ items: ItemBody[] }>();
    expect(all.items.map((i) => i.id)).toEqual([...made].reverse().concat(id));
    for (const query of ['type=advert', 'limit=0', 'limit=201', 'after=abc', 'colour=red'])
      expect((await api('GET', `/items?${query}`, viewerToken)).statusCode, query).toBe(400);
  });

  it('DELETE removes the item: 204, then 404', async () => {
    const res = await api('DELETE', `/items/${id}`, editorToken);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await api('GET', `/items/${id}`, viewerToken)).statusCode).toBe(404);
    expect((await api('DELETE', `/items/${id}`, editorToken)).statusCode).toBe(404);
    const actions = t.runtime.database.sqlite
      .prepare("select action from audit_log where entity = 'item' and entity_id = ? order by id")
      .all(String(id));
    expect(actions).toEqual([
      { action: 'create' },
      { action: 'update' },
      { action: 'update' },
      { action: 'delete' },
    ]);
  });

  it('describes the item routes and their limits in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>();
    expect(Object.keys(doc.paths['/api/v1/items']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/items/{id}']!).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(JSON.stringify(doc.paths['/api/v1/items']!.post!.requestBody)).toContain(
      '"maxLength":2000',
    );
  });
});
