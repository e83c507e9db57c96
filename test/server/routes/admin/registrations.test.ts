/**
 * An event's registrations in the admin UI: the registered people, the waiting list in its
 * order, needs and the newsletter edition they came from; an editor cancels for somebody (with
 * the CSRF token), the first waiting person moves up; a viewer reads but cannot cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIRECT_SOURCE,
  readSource,
  referralToken,
} from '../../../../server/services/sources/index.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;
let eventId: number;
const ids: Record<string, number> = {};

const status = (id: number) =>
  (
    t.runtime.database.sqlite
      .prepare('select status from event_registrations where id = ?')
      .get(id) as { status: string }
  ).status;

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
  const sqlite = t.runtime.database.sqlite;
  const saved = t.app.services.events.create(
    {
      type: 'meeting',
      title: 'Praxistreffen Dorfläden',
      startsAt: '2031-09-02T17:00',
      place: 'Bürgerhaus Ballenstedt',
      capacity: 2,
    },
    { kind: 'cli' },
  );
  if (saved.kind !== 'saved') throw new Error('no event');
  eventId = saved.event.id;
  const editionId = Number(
    sqlite
      .prepare(
        "insert into editions (number, title, subject, slug, sections, translations) values (12, 'Sommerausgabe', 'Betreff', '12-sommer', '[]', '{}')",
      )
      .run().lastInsertRowid,
  );
  const campaignId = Number(
    sqlite
      .prepare("insert into campaigns (edition_id, segment_ids, list_ids) values (?, '[]', '[]')")
      .run(editionId).lastInsertRowid,
  );
  const people = [
    ['Anna Alt', 'anna@example.org', { ed: String(editionId), cp: String(campaignId) }],
    ['Bernd Berg', 'bernd@example.org', null],
    ['Cem Can', 'cem@example.org', null],
    ['Dana Dorn', 'dana@example.org', null],
  ] as const;
  for (const [name, email, query] of people) {
    const outcome = await t.app.services.registrations.register(eventId, {
      draft: {
        name,
        email,
        region: '15085',
        accessibilityNeeds: name === 'Cem Can' ? 'Rollstuhl' : '',
        interpreter: name === 'Cem Can' ? 'Türkisch' : '',
      },
      source: query ? readSource(t.app.secrets, query) : DIRECT_SOURCE,
      language: 'de',
    });
    if (outcome.kind !== 'registered' && outcome.kind !== 'waiting') throw new Error(outcome.kind);
    ids[name] = outcome.registration.id;
  }
});

afterAll(async () => {
  await t?.close();
});

describe('admin: registrations of an event', () => {
  it('the event’s page links to the list', async () => {
    const page = await editor.get(`/admin/events/${eventId}`);
    expect(page.body).toContain(`href="/admin/events/${eventId}/registrations"`);
    const detail = await viewer.get(`/admin/events/${eventId}`);
    expect(detail.body).toContain(`href="/admin/events/${eventId}/registrations"`);
  });

  it('shows who registered, the waiting list in order, needs and source', async () => {
    const page = await editor.get(`/admin/events/${eventId}/registrations`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Anmeldungen: Praxistreffen Dorfläden</h1>');
    expect(page.body).toContain('2 angemeldet (von 2 Plätzen)');
    expect(page.body).toContain('2 auf der Warteliste');
    expect(page.body).toMatch(
      /<h2 id="registered">[\s\S]*Anna Alt[\s\S]*Newsletter · Ausgabe 12: Sommerausgabe · Versand \d+[\s\S]*Bernd Berg[\s\S]*<h2 id="waiting">[\s\S]*<td>1<\/td>\s*<th scope="row"><bdi>Cem Can[\s\S]*Barrierefreiheit: <bdi>Rollstuhl<\/bdi><br>Dolmetschen: <bdi>Türkisch<\/bdi>[\s\S]*<td>2<\/td>\s*<th scope="row"><bdi>Dana Dorn[\s\S]*<h2 id="cancelled">/,
    );
    expect(page.body).toContain(
      `action="/admin/events/${eventId}/registrations/${ids['Anna Alt']}/cancel"`,
    );
  });

  it('a viewer reads the list but gets no buttons and 403 on cancelling', async () => {
    const page = await viewer.get(`/admin/events/${eventId}/registrations`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Anna Alt');
    expect(page.body).not.toContain('/cancel"');
    const res = await viewer.post(
      `/admin/events/${eventId}/registrations/${ids['Anna Alt']}/cancel`,
      {},
    );
    expect(res.statusCode).toBe(403);
    expect(status(ids['Anna Alt']!)).toBe('registered');
  });

  it('an editor cancels with the CSRF token; the first waiting person moves up', async () => {
    await editor.get(`/admin/events/${eventId}/registrations`);
    const forged = await editor.post(
      `/admin/events/${eventId}/registrations/${ids['Bernd Berg']}/cancel`,
      {},
      null,
    );
    expect(forged.statusCode).toBe(403);
    expect(status(ids['Bernd Berg']!)).toBe('registered');

    const res = await editor.post(
      `/admin/events/${eventId}/registrations/${ids['Bernd Berg']}/cancel`,
      {},
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(
      `/admin/events/${eventId}/registrations?notice=registrations.cancelled`,
    );
    expect(status(ids['Bernd Berg']!)).toBe('cancelled');
    expect(status(ids['Cem Can']!)).toBe('registered');
    const page = await editor.get(res.headers.location as string);
    expect(page.body).toContain('Die Anmeldung ist storniert.');
    expect(page.body).toMatch(/<h2 id="cancelled">[\s\S]*Bernd Berg/);
    expect(page.body).toMatch(/Cem Can[\s\S]*nachgerückt am/);
  });

  it('answers an unknown event, or a registration of another event, with 404', async () => {
    expect((await editor.get('/admin/events/99999/registrations')).statusCode).toBe(404);
    await editor.get(`/admin/events/${eventId}/registrations`);
    const res = await editor.post(
      `/admin/events/${eventId + 1}/registrations/${ids['Anna Alt']}/cancel`,
      {},
    );
    expect(res.statusCode).toBe(404);
  });
});

describe('admin: a registration through a recommendation', () => {
  it('names the person whose recommendation link it was', async () => {
    const sqlite = t.runtime.database.sqlite;
    const recommender = Number(
      sqlite
        .prepare(
          "insert into subscribers (email, name, status, confirmed_at) values ('frieda@example.org', 'Frieda Fink', 'confirmed', ?)",
        )
        .run(Date.now()).lastInsertRowid,
    );
    const saved = t.app.services.events.create(
      {
        type: 'training',
        title: 'Vereinsrecht kompakt',
        startsAt: '2031-10-07T10:00',
        place: 'Rathaus Quedlinburg',
      },
      { kind: 'cli' },
    );
    if (saved.kind !== 'saved') throw new Error('no event');
    const outcome = await t.app.services.registrations.register(saved.event.id, {
      draft: { name: 'Gero Gans', email: 'gero@example.org' },
      source: readSource(t.app.secrets, { ref: referralToken(t.app.secrets, recommender) }),
      language: 'de',
    });
    expect(outcome.kind).toBe('registered');
    const page = await editor.get(`/admin/events/${saved.event.id}/registrations`);
    expect(page.body).toMatch(/Gero Gans[\s\S]*<td>Empfehlung von Frieda Fink<\/td>/);
  });
});

describe('admin: a training item points to an event', () => {
  it('offers the upcoming events in a select and saves the chosen one', async () => {
    const form = await editor.get('/admin/items/new?type=training');
    expect(form.body).toMatch(
      new RegExp(
        `<select id="fields.event" name="fields.event"[^>]*>[\\s\\S]*<option value="${eventId}">Praxistreffen Dorfläden \\(2031-09-02\\)</option>`,
      ),
    );
    const res = await editor.post('/admin/items', {
      type: 'training',
      title: 'Praxistreffen im Newsletter',
      'fields.event': String(eventId),
    });
    expect(res.statusCode).toBe(303);
    const row = t.runtime.database.sqlite
      .prepare("select fields from items where title = 'Praxistreffen im Newsletter'")
      .get() as { fields: string };
    expect(JSON.parse(row.fields)).toEqual({ event: String(eventId) });
  });

  it('refuses an event that does not exist, next to the field', async () => {
    await editor.get('/admin/items/new?type=training');
    const res = await editor.post('/admin/items', {
      type: 'training',
      title: 'Falsche Veranstaltung',
      'fields.event': '99999',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('ist keine bekannte Veranstaltung');
    expect(res.body).toMatch(/id="fields.event-error"/);
  });
});
