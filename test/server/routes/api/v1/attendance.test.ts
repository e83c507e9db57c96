/**
 * Attendance in the JSON API: editor and admin tokens mark an event's registrations present or
 * absent and get the event's counts back; viewer tokens may not; ids of another event are a 400
 * naming them with nothing changed; ids or `present` of the wrong JSON type are a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';
import { insertRegistrations } from '../../../../helpers/registrations.js';

let t: TestApp;
let editorToken: string;
let adminToken: string;
let viewerToken: string;
let eventId: number;
let otherId: number;
let ids: number[];
let foreign: number;

const api = apiClient(() => t);
const presence = (id: number) =>
  (
    t.runtime.database.sqlite
      .prepare('select present from event_registrations where id = ?')
      .get(id) as { present: number | null }
  ).present;

function createEvent(title: string, startsAt: string): number {
  const result = t.app.services.events.create(
    { type: 'training', title, startsAt, place: 'Halle' },
    { kind: 'cli' },
  );
  if (result.kind !== 'saved') throw new Error('event not saved');
  return result.event.id;
}

beforeAll(async () => {
  t = await startTestApp();
  editorToken = makeToken(t, 'editorial', 'editor');
  adminToken = makeToken(t, 'office', 'admin');
  viewerToken = makeToken(t, 'dashboard', 'viewer');
  const today = t.app.services.events.today();
  eventId = createEvent('Schulung heute', `${today}T00:10`);
  otherId = createEvent('Andere Schulung', `${today}T12:00`);
  ids = insertRegistrations(t.runtime.database, eventId, [
    { name: 'Anna' },
    { name: 'Bernd' },
    { name: 'Carla' },
    { name: 'Dora', status: 'waiting' },
  ]);
  [foreign] = insertRegistrations(t.runtime.database, otherId, [{ name: 'Fremd' }]) as [number];
});

afterAll(async () => {
  await t?.close();
});

describe('POST /api/v1/events/:id/attendance', () => {
  it('an editor token marks two present and gets the counts', async () => {
    const res = await api('POST', `/events/${eventId}/attendance`, editorToken, {
      registrationIds: [ids[0], ids[1]],
      present: true,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ updated: 2, present: 2, registered: 3 });
    expect(ids.map(presence)).toEqual([1, 1, null, null]);
    const recorded = t.runtime.database.sqlite
      .prepare('select attendance_recorded_at at from events where id = ?')
      .get(eventId) as { at: number | null };
    expect(recorded.at).toBeGreaterThan(Date.now() - 60_000);
  });

  it('an admin token marks one absent; sending the same again changes nothing', async () => {
    const body = { registrationIds: [ids[1]], present: false };
    const res = await api('POST', `/events/${eventId}/attendance`, adminToken, body);
    expect(res.json()).toEqual({ updated: 1, present: 1, registered: 3 });
    const again = await api('POST', `/events/${eventId}/attendance`, adminToken, body);
    expect(again.json()).toEqual({ updated: 0, present: 1, registered: 3 });
    expect(presence(ids[1]!)).toBe(0);
  });

  it('a viewer token gets 403 and changes nothing', async () => {
    const res = await api('POST', `/events/${eventId}/attendance`, viewerToken, {
      registrationIds: [ids[2]],
      present: true,
    });
    expect(res.statusCode).toBe(403);
    expect(presence(ids[2]!)).toBeNull();
    expect((await api('POST', `/events/${eventId}/attendance`, null, {})).statusCode).toBe(401);
  });

  it('ids of another event or waiting ones: 400 naming them, nothing changed', async () => {
    const res = await api('POST', `/events/${eventId}/attendance`, editorToken, {
      registrationIds: [ids[2], foreign, ids[3], 999_999],
      present: true,
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ message: string; errors: Record<string, string> }>();
    const named = [foreign, ids[3], 999_999].sort((a, b) => a! - b!).join(', ');
    expect(body.message).toBe(`registrationIds: not registrations of this event: ${named}`);
    expect(body.errors.registrationIds).toContain(named);
    expect(presence(ids[2]!)).toBeNull();
    expect(presence(foreign)).toBeNull();
    expect(presence(ids[3]!)).toBeNull();
  });

  it('refuses the wrong JSON types, missing fields and extra ones with a 400', async () => {
    const url = `/events/${eventId}/attendance`;
    const stringIds = await api('POST', url, editorToken, {
      registrationIds: [String(ids[2])],
      present: true,
    });
    expect(stringIds.statusCode).toBe(400);
    expect(stringIds.json<{ errors: Record<string, string> }>().errors).toHaveProperty(
      'registrationIds',
    );
    const stringPresent = await api('POST', url, editorToken, {
      registrationIds: [ids[2]],
      present: 'true',
    });
    expect(stringPresent.statusCode).toBe(400);
    expect(stringPresent.json<{ errors: Record<string, string> }>().errors).toHaveProperty(
      'present',
    );
    const single = await api('POST', url, editorToken, { registrationIds: ids[2], present: true });
    expect(single.statusCode).toBe(400);
    for (const body of [
      { present: true },
      { registrationIds: [ids[2]] },
      { registrationIds: [], present: true },
      { registrationIds: [ids[2]], present: true, note: 'x' },
    ])
      expect((await api('POST', url, editorToken, body)).statusCode).toBe(400);
    expect(presence(ids[2]!)).toBeNull();
  });

  it('404 for no such event; 409 before the event day', async () => {
    const missing = await api('POST', '/events/999999/attendance', editorToken, {
      registrationIds: [ids[0]],
      present: true,
    });
    expect(missing.statusCode).toBe(404);
    const nextYear = new Date().getUTCFullYear() + 1;
    const later = createEvent('Nächstes Jahr', `${nextYear}-03-10T17:00`);
    const [id] = insertRegistrations(t.runtime.database, later, [{ name: 'Früh' }]) as [number];
    const early = await api('POST', `/events/${later}/attendance`, editorToken, {
      registrationIds: [id],
      present: true,
    });
    expect(early.statusCode).toBe(409);
    expect(early.json<{ message: string }>().message).toContain(`${nextYear}-03-10`);
    expect(presence(id)).toBeNull();
  });

  it('is described in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const doc = res.json<{
      paths: Record<string, Record<string, { requestBody?: unknown; responses?: object }>>;
    }>();
    const post = doc.paths['/api/v1/events/{id}/attendance']?.post;
    expect(post).toBeDefined();
    expect(JSON.stringify(post!.requestBody)).toContain('registrationIds');
    expect(Object.keys(post!.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '403', '404', '409']),
    );
  });
});
