/**
 * The counselling log in the JSON API: editor tokens record, change and delete, viewer tokens
 * read only; a refused body is a 400 naming the field and stores nothing (never a 5xx); pages
 * follow `next` and carry the period's count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';

let t: TestApp;
let editorToken: string;
let viewerToken: string;

const api = apiClient(() => t);
const count = () =>
  (
    t.runtime.database.sqlite.prepare('select count(*) n from consultations').get() as {
      n: number;
    }
  ).n;

interface ConsultationBody {
  id: number;
  heldOn: string;
  kind: string;
  region: string | null;
  topic: string;
  followUp: string;
  people: number;
  createdAt: string;
  updatedAt: string;
}
interface PageBody {
  items: ConsultationBody[];
  count: number;
  people: number;
  next: string | null;
}
interface ProblemBody {
  statusCode: number;
  errors?: Record<string, string>;
}

const association = {
  heldOn: '2026-06-15',
  kind: 'association',
  region: '15085',
  topic: 'Satzung und Gemeinnützigkeit',
  followUp: 'Entwurf prüfen',
  people: 3,
};

beforeAll(async () => {
  t = await startTestApp();
  editorToken = makeToken(t, 'editorial', 'editor');
  viewerToken = makeToken(t, 'dashboard', 'viewer');
});

afterAll(async () => {
  await t?.close();
});

describe('consultations API', () => {
  let id: number;

  it('records a consultation with an editor token: 201, its location, audited under the token', async () => {
    const res = await api('POST', '/consultations', editorToken, association);
    expect(res.statusCode).toBe(201);
    const body = res.json<ConsultationBody>();
    id = body.id;
    expect(res.headers.location).toBe(`/api/v1/consultations/${id}`);
    expect(body).toMatchObject(association);
    expect(Date.parse(body.createdAt)).toBeGreaterThan(0);
    const audit = t.runtime.database.sqlite
      .prepare(
        "select actor, action from audit_log where entity = 'consultation' and entity_id = ?",
      )
      .all(String(id));
    expect(audit).toEqual([{ actor: 'api:editorial', action: 'create' }]);
  });

  it('takes one person and no region when they are not given', async () => {
    const res = await api('POST', '/consultations', editorToken, {
      heldOn: '2026-06-10',
      kind: 'person',
      topic: 'Ehrenamtspauschale',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json<ConsultationBody>()).toMatchObject({ people: 1, region: null, followUp: '' });
  });

  it('reads one consultation with a viewer token; an unknown id is a 404', async () => {
    const res = await api('GET', `/consultations/${id}`, viewerToken);
    expect(res.statusCode).toBe(200);
    expect(res.json<ConsultationBody>().topic).toBe(association.topic);
    expect((await api('GET', '/consultations/999999', viewerToken)).statusCode).toBe(404);
  });

  it('refuses a viewer token every change with 403', async () => {
    const before = count();
    expect((await api('POST', '/consultations', viewerToken, association)).statusCode).toBe(403);
    expect(
      (await api('PATCH', `/consultations/${id}`, viewerToken, { people: 9 })).statusCode,
    ).toBe(403);
    expect((await api('DELETE', `/consultations/${id}`, viewerToken)).statusCode).toBe(403);
    expect(count()).toBe(before);
    expect(
      (await api('GET', `/consultations/${id}`, viewerToken)).json<ConsultationBody>().people,
    ).toBe(3);
  });

  it.each([
    ['a number where a string belongs', { ...association, topic: 42 }, 'topic'],
    ['a number as the day', { ...association, heldOn: 20260615 }, 'heldOn'],
    ['a string as the number of people', { ...association, people: '3' }, 'people'],
    ['a NUL in the follow-up', { ...association, followUp: 'a\u0000b' }, 'followUp'],
    ['a day that does not exist', { ...association, heldOn: '2026-02-30' }, 'heldOn'],
    ['a day in the future', { ...association, heldOn: '2999-01-01' }, 'heldOn'],
    ['an unknown region', { ...association, region: 'atlantis' }, 'region'],
  ])('answers %s with 400 naming the field, and stores nothing', async (_, body, field) => {
    const before = count();
    const res = await api('POST', '/consultations', editorToken, body);
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json<ProblemBody>().errors ?? {})).toEqual([field]);
    expect(count()).toBe(before);
  });

  it.each([
    ['a NUL in the topic', { ...association, topic: 'a\u0000b' }],
    ['an unknown kind', { ...association, kind: 'family' }],
    ['no topic', { heldOn: '2026-06-01', kind: 'person' }],
    ['no people', { ...association, people: 0 }],
    ['an unknown property', { ...association, name: 'Erika Mustermann' }],
  ])('answers %s with 400 and stores nothing', async (_, body) => {
    const before = count();
    const res = await api('POST', '/consultations', editorToken, body);
    expect(res.statusCode).toBe(400);
    expect(count()).toBe(before);
  });

  it('changes only what PATCH names; a wrong value is a 400, an unknown id a 404', async () => {
    const res = await api('PATCH', `/consultations/${id}`, editorToken, {
      people: 5,
      region: null,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<ConsultationBody>()).toMatchObject({
      people: 5,
      region: null,
      topic: association.topic,
    });
    const wrong = await api('PATCH', `/consultations/${id}`, editorToken, { topic: 7 });
    expect(wrong.statusCode).toBe(400);
    const stored = await api('GET', `/consultations/${id}`, viewerToken);
    expect(stored.json<ConsultationBody>()).toMatchObject({ topic: association.topic, people: 5 });
    expect(
      (await api('PATCH', '/consultations/999999', editorToken, { people: 2 })).statusCode,
    ).toBe(404);
  });

  it('lists newest first in pages with the count of the filtered period', async () => {
    for (const day of ['2026-07-01', '2026-07-02', '2026-07-03'])
      await api('POST', '/consultations', editorToken, {
        heldOn: day,
        kind: 'group',
        topic: `Gruppe am ${day}`,
        people: 2,
      });
    const first = await api(
      'GET',
      '/consultations?from=2026-07-01&to=2026-07-31&limit=2',
      viewerToken,
    );
    expect(first.statusCode).toBe(200);
    const page1 = first.json<PageBody>();
    expect(page1.items.map((c) => c.heldOn)).toEqual(['2026-07-03', '2026-07-02']);
    expect(page1).toMatchObject({ count: 3, people: 6 });
    expect(page1.next).toEqual(expect.any(String));
    const second = await api(
      'GET',
      `/consultations?from=2026-07-01&to=2026-07-31&limit=2&after=${encodeURIComponent(page1.next!)}`,
      viewerToken,
    );
    const page2 = second.json<PageBody>();
    expect(page2.items.map((c) => c.heldOn)).toEqual(['2026-07-01']);
    expect(page2.next).toBeNull();

    const groups = await api('GET', '/consultations?kind=association', viewerToken);
    expect(groups.json<PageBody>().items.map((c) => c.id)).toEqual([id]);
  });

  it('answers a cursor it did not give out, a non-day or an unknown region with 400', async () => {
    for (const query of [
      'after=17',
      'from=2026-02-30',
      'region=atlantis',
      'kind=family',
      'limit=0',
    ])
      expect((await api('GET', `/consultations?${query}`, viewerToken)).statusCode, query).toBe(
        400,
      );
  });

  it('deletes with an editor token, once', async () => {
    expect((await api('DELETE', `/consultations/${id}`, editorToken)).statusCode).toBe(204);
    expect((await api('GET', `/consultations/${id}`, viewerToken)).statusCode).toBe(404);
    expect((await api('DELETE', `/consultations/${id}`, editorToken)).statusCode).toBe(404);
  });

  it('names the routes in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const doc = res.json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(doc.paths['/api/v1/consultations'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/consultations/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
  });
});
