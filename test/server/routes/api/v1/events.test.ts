/**
 * Events in the JSON API: editor tokens create and change, viewer tokens read only; times go in
 * as Berlin time or with an offset and come back with Berlin's offset; a refused body is a 400
 * naming the field and stores nothing (never a 5xx); pages follow `next`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';

let t: TestApp;
let editorToken: string;
let viewerToken: string;

const api = apiClient(() => t);
const count = () =>
  (t.runtime.database.sqlite.prepare('select count(*) n from events').get() as { n: number }).n;

interface EventBody {
  id: number;
  type: string;
  title: string;
  startsAt: string;
  endsAt: string | null;
  place: string | null;
  online: boolean;
  region: string | null;
  capacity: number | null;
  registrationDeadline: string | null;
  description: string;
  contact: string | null;
  slug: string;
  url: string;
}
interface PageBody {
  items: EventBody[];
  next: string | null;
}
interface ProblemBody {
  statusCode: number;
  errors?: Record<string, string>;
}

const training = {
  type: 'training',
  title: 'Vereinsrecht kompakt',
  startsAt: '2026-06-15T18:00',
  endsAt: '2026-06-15T20:30+02:00',
  place: 'Rathaus Wernigerode, Saal 2',
  region: '15085',
  capacity: 25,
  registrationDeadline: '2026-06-12T12:00',
  description: 'Satzung, Vorstand, **Haftung**.',
  contact: 'info@example.org',
};

beforeAll(async () => {
  t = await startTestApp();
  editorToken = makeToken(t, 'editorial', 'editor');
  viewerToken = makeToken(t, 'dashboard', 'viewer');
});

afterAll(async () => {
  await t?.close();
});

describe('events API', () => {
  let id: number;

  it('creates an event with an editor token: 201, its location and the registration page', async () => {
    const res = await api('POST', '/events', editorToken, training);
    expect(res.statusCode).toBe(201);
    const body = res.json<EventBody>();
    id = body.id;
    expect(res.headers.location).toBe(`/api/v1/events/${id}`);
    expect(body).toMatchObject({
      ...training,
      startsAt: '2026-06-15T18:00+02:00',
      endsAt: '2026-06-15T20:30+02:00',
      registrationDeadline: '2026-06-12T12:00+02:00',
      online: false,
      slug: '2026-06-15-vereinsrecht-kompakt',
      url: 'http://localhost:3000/events/2026-06-15-vereinsrecht-kompakt',
    });
    const row = t.runtime.database.sqlite
      .prepare('select starts_at from events where id = ?')
      .get(id) as { starts_at: number };
    expect(row.starts_at).toBe(Date.UTC(2026, 5, 15, 16, 0));
    const audit = t.runtime.database.sqlite
      .prepare("select actor, action from audit_log where entity = 'event' and entity_id = ?")
      .all(String(id));
    expect(audit).toEqual([{ actor: 'api:editorial', action: 'create' }]);
  });

  it('takes an online event without place, end, capacity or deadline', async () => {
    const res = await api('POST', '/events', editorToken, {
      type: 'meeting',
      title: 'Netzwerktreffen',
      startsAt: '2026-12-03T17:00:00Z',
      online: true,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json<EventBody>()).toMatchObject({
      startsAt: '2026-12-03T18:00+01:00',
      place: null,
      online: true,
      endsAt: null,
      capacity: null,
      registrationDeadline: null,
      description: '',
    });
  });

  it('reads one event with a viewer token; an unknown id is a 404', async () => {
    const res = await api('GET', `/events/${id}`, viewerToken);
    expect(res.statusCode).toBe(200);
    expect(res.json<EventBody>().title).toBe(training.title);
    expect((await api('GET', '/events/999999', viewerToken)).statusCode).toBe(404);
  });

  it('refuses a viewer token every change with 403', async () => {
    const before = count();
    expect((await api('POST', '/events', viewerToken, training)).statusCode).toBe(403);
    expect((await api('PATCH', `/events/${id}`, viewerToken, { capacity: 9 })).statusCode).toBe(
      403,
    );
    expect(count()).toBe(before);
    expect((await api('GET', `/events/${id}`, viewerToken)).json<EventBody>().capacity).toBe(25);
  });

  it.each([
    ['a number where a string belongs', { ...training, title: 42 }, 'title'],
    ['a number as the start', { ...training, startsAt: 20260615 }, 'startsAt'],
    ['a string as the capacity', { ...training, capacity: '25' }, 'capacity'],
    ['a string as online', { ...training, online: 'yes' }, 'online'],
    ['a NUL in the description', { ...training, description: 'a\u0000b' }, 'description'],
    ['HTML in the description', { ...training, description: '<img src=x>' }, 'description'],
    ['a start that does not exist', { ...training, startsAt: '2026-02-30T10:00' }, 'startsAt'],
    ['an end before the start', { ...training, endsAt: '2026-06-15T17:59' }, 'endsAt'],
    [
      'a registration deadline after the start',
      { ...training, registrationDeadline: '2026-06-15T18:01' },
      'registrationDeadline',
    ],
    ['neither place nor online', { ...training, place: null }, 'place'],
    ['an unknown region', { ...training, region: 'atlantis' }, 'region'],
  ])('answers %s with 400 naming the field, and stores nothing', async (_, body, field) => {
    const before = count();
    const res = await api('POST', '/events', editorToken, body);
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json<ProblemBody>().errors ?? {})).toEqual([field]);
    expect(count()).toBe(before);
  });

  it.each([
    ['a NUL in the title', { ...training, title: 'a\u0000b' }],
    ['an unknown type', { ...training, type: 'party' }],
    ['no title', { type: 'other', startsAt: '2026-06-01T10:00', online: true }],
    ['no start', { type: 'other', title: 'Ohne Zeit', online: true }],
    ['a capacity of 0', { ...training, capacity: 0 }],
    ['a time in another format', { ...training, startsAt: '15.06.2026 18:00' }],
    ['an unknown property', { ...training, slug: 'eigener-slug' }],
  ])('answers %s with 400 and stores nothing', async (_, body) => {
    const before = count();
    const res = await api('POST', '/events', editorToken, body);
    expect(res.statusCode).toBe(400);
    expect(count()).toBe(before);
  });

  it('changes only what PATCH names; a wrong value is a 400, an unknown id a 404', async () => {
    const res = await api('PATCH', `/events/${id}`, editorToken, {
      capacity: null,
      title: 'Vereinsrecht für Vorstände',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<EventBody>()).toMatchObject({
      capacity: null,
      title: 'Vereinsrecht für Vorstände',
      startsAt: '2026-06-15T18:00+02:00',
      slug: '2026-06-15-vereinsrecht-kompakt',
    });
    const before = await api('PATCH', `/events/${id}`, editorToken, {
      endsAt: '2026-06-15T10:00',
    });
    expect(before.statusCode).toBe(400);
    expect(Object.keys(before.json<ProblemBody>().errors ?? {})).toEqual(['endsAt']);
    expect((await api('PATCH', `/events/${id}`, editorToken, { title: 7 })).statusCode).toBe(400);
    const stored = await api('GET', `/events/${id}`, viewerToken);
    expect(stored.json<EventBody>()).toMatchObject({
      title: 'Vereinsrecht für Vorstände',
      endsAt: '2026-06-15T20:30+02:00',
    });
    expect((await api('PATCH', '/events/999999', editorToken, { title: 'x' })).statusCode).toBe(
      404,
    );
  });

  it('lists by start in pages, filtered by Berlin day and type', async () => {
    for (const day of ['2026-07-03', '2026-07-01', '2026-07-02'])
      await api('POST', '/events', editorToken, {
        type: 'other',
        title: `Sprechstunde am ${day}`,
        startsAt: `${day}T09:00`,
        online: true,
      });
    const first = await api('GET', '/events?from=2026-07-01&to=2026-07-31&limit=2', viewerToken);
    expect(first.statusCode).toBe(200);
    const page1 = first.json<PageBody>();
    expect(page1.items.map((e) => e.startsAt)).toEqual([
      '2026-07-01T09:00+02:00',
      '2026-07-02T09:00+02:00',
    ]);
    expect(page1.next).toEqual(expect.any(String));
    const second = await api(
      'GET',
      `/events?from=2026-07-01&to=2026-07-31&limit=2&after=${encodeURIComponent(page1.next!)}`,
      viewerToken,
    );
    const page2 = second.json<PageBody>();
    expect(page2.items.map((e) => e.startsAt)).toEqual(['2026-07-03T09:00+02:00']);
    expect(page2.next).toBeNull();

    const trainings = await api('GET', '/events?type=training&region=15085', viewerToken);
    expect(trainings.json<PageBody>().items.map((e) => e.id)).toEqual([id]);
  });

  it('answers a cursor it did not give out, a non-day or an unknown filter with 400', async () => {
    for (const query of ['after=17', 'from=2026-02-30', 'region=atlantis', 'type=party', 'limit=0'])
      expect((await api('GET', `/events?${query}`, viewerToken)).statusCode, query).toBe(400);
  });

  it('names the routes in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const doc = res.json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(doc.paths['/api/v1/events'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/events/{id}'] ?? {}).sort()).toEqual(['get', 'patch']);
  });
});
