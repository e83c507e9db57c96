/**
 * An event's registrations in the JSON API: a viewer token reads them in the order they came
 * in, with their needs, source and status; pages follow `next`; a foreign cursor is a 400, an
 * unknown event a 404, no token a 401; the OpenAPI document describes the route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../../server/services/context.js';
import { DIRECT_SOURCE, readSource } from '../../../../../server/services/sources/index.js';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';

let t: TestApp;
let viewerToken: string;
let eventId: number;
let editionId: number;
let campaignId: number;
const api = apiClient(() => t);

interface RegistrationBody {
  id: number;
  status: string;
  name: string;
  email: string;
  region: string | null;
  accessibilityNeeds: string;
  interpreter: string;
  source: { kind: string; editionId: number | null; campaignId: number | null };
}
interface PageBody {
  items: RegistrationBody[];
  counts: { registered: number; waiting: number; cancelled: number };
  next: string | null;
}

beforeAll(async () => {
  t = await startTestApp();
  viewerToken = makeToken(t, 'dashboard', 'viewer');
  const sqlite = t.runtime.database.sqlite;
  const userId = Number(
    sqlite
      .prepare("insert into users (email, password_hash) values ('editor@example.org', 'x')")
      .run().lastInsertRowid,
  );
  const editor: Actor = { kind: 'user', userId, email: 'editor@example.org' };
  const saved = t.app.services.events.create(
    {
      type: 'training',
      title: 'Vereinsrecht kompakt',
      startsAt: '2031-06-15T18:00',
      place: 'Rathaus Wernigerode',
      capacity: 2,
    },
    editor,
  );
  if (saved.kind !== 'saved') throw new Error('no event');
  eventId = saved.event.id;
  editionId = Number(
    sqlite
      .prepare(
        "insert into editions (number, title, subject, slug, sections, translations) values (5, 'Ausgabe 5', 'Betreff', '5-ausgabe', '[]', '{}')",
      )
      .run().lastInsertRowid,
  );
  campaignId = Number(
    sqlite
      .prepare("insert into campaigns (edition_id, segment_ids, list_ids) values (?, '[]', '[]')")
      .run(editionId).lastInsertRowid,
  );
  const people = [
    ['Anna', 'anna@example.org', { ed: String(editionId), cp: String(campaignId) }],
    ['Bernd', 'bernd@example.org', null],
    ['Cem', 'cem@example.org', null],
  ] as const;
  for (const [name, email, query] of people)
    await t.app.services.registrations.register(eventId, {
      draft: {
        name,
        email,
        region: '15085',
        accessibilityNeeds: name === 'Anna' ? 'Rollstuhl' : '',
        interpreter: name === 'Cem' ? 'Türkisch' : '',
      },
      source: query ? readSource(t.app.secrets, query) : DIRECT_SOURCE,
      language: 'de',
    });
});

afterAll(async () => {
  await t?.close();
});

describe('GET /api/v1/events/:id/registrations', () => {
  it('lists them for a viewer token, with needs, source and status', async () => {
    const res = await api('GET', `/events/${eventId}/registrations`, viewerToken);
    expect(res.statusCode).toBe(200);
    const body = res.json<PageBody>();
    expect(body.counts).toEqual({ registered: 2, waiting: 1, cancelled: 0 });
    expect(body.next).toBeNull();
    expect(body.items.map((r) => [r.name, r.status])).toEqual([
      ['Anna', 'registered'],
      ['Bernd', 'registered'],
      ['Cem', 'waiting'],
    ]);
    expect(body.items[0]).toMatchObject({
      email: 'anna@example.org',
      region: '15085',
      accessibilityNeeds: 'Rollstuhl',
      source: { kind: 'edition', editionId, campaignId },
    });
    expect(body.items[2]).toMatchObject({ interpreter: 'Türkisch', source: { kind: 'direct' } });
  });

  it('pages with next, and filters by status', async () => {
    const first = (
      await api('GET', `/events/${eventId}/registrations?limit=2`, viewerToken)
    ).json<PageBody>();
    expect(first.items).toHaveLength(2);
    const second = (
      await api('GET', `/events/${eventId}/registrations?limit=2&after=${first.next}`, viewerToken)
    ).json<PageBody>();
    expect(second.items.map((r) => r.name)).toEqual(['Cem']);
    expect(second.next).toBeNull();
    const waiting = (
      await api('GET', `/events/${eventId}/registrations?status=waiting`, viewerToken)
    ).json<PageBody>();
    expect(waiting.items.map((r) => r.name)).toEqual(['Cem']);
  });

  it('answers a foreign cursor with 400, an unknown event with 404, no token with 401', async () => {
    expect(
      (await api('GET', `/events/${eventId}/registrations?after=abc`, viewerToken)).statusCode,
    ).toBe(400);
    expect((await api('GET', '/events/99999/registrations', viewerToken)).statusCode).toBe(404);
    expect((await api('GET', `/events/${eventId}/registrations`, null)).statusCode).toBe(401);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    }>();
    expect(doc.paths['/api/v1/events/{id}/registrations']?.get?.responses['200']).toBeDefined();
  });
});
