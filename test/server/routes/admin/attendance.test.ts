/**
 * Attendance in the admin UI: from the event's page to the list, tick who came and save with a
 * plain form (no script), add a walk-in with the errors next to the fields, nothing recorded
 * before the event's day; a viewer sees the list but cannot change it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { insertRegistrations } from '../../../helpers/registrations.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;

interface Row {
  id: number;
  name: string;
  email: string | null;
  present: number | null;
  walk_in: number;
  consent_source: string | null;
}
const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const rows = (eventId: number) =>
  sql<Row>('select * from event_registrations where event_id = ? order by id', eventId);

const nextYear = new Date().getUTCFullYear() + 1;

function createEvent(title: string, startsAt: string): number {
  const result = t.app.services.events.create(
    { type: 'training', title, startsAt, place: 'Bürgerhaus Thale' },
    { kind: 'cli' },
  );
  if (result.kind !== 'saved') throw new Error('event not saved');
  return result.event.id;
}

/** The checkboxes of the list: id → ticked. */
function ticks(body: string): Map<number, boolean> {
  const map = new Map<number, boolean>();
  for (const m of body.matchAll(/<input type="checkbox" id="present-(\d+)"[^>]*>/g))
    map.set(Number(m[1]), / checked[ >]/.test(m[0]));
  return map;
}

let today: number;
let anna: number;
let bernd: number;
let carla: number;

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
  today = createEvent('Fördermittel heute', `${t.app.services.events.today()}T00:05`);
  [carla, anna, bernd] = insertRegistrations(t.runtime.database, today, [
    { name: 'Carla Schulz', organisation: 'Tafel Wernigerode', email: 'carla@example.org' },
    { name: 'Anna Bauer', organisation: 'Verein Brücke', regionKey: '15085' },
    { name: 'Bernd <Meier>', organisation: '' },
    { name: 'Dora Abgesagt', status: 'cancelled' },
  ]) as [number, number, number];
});

afterAll(async () => {
  await t?.close();
});

describe('the attendance page', () => {
  it("is linked from the event's page and lists the registered people by name", async () => {
    const eventPage = await editor.get(`/admin/events/${today}`);
    expect(eventPage.body).toContain(
      `<a href="/admin/events/${today}/attendance">Anwesenheit erfassen</a>`,
    );
    const res = await editor.get(`/admin/events/${today}/attendance`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>Anwesenheit</h1>');
    expect(res.body).toContain('0 von 3 anwesend');
    expect(res.body).toMatch(/name="_csrf" value="[^"]+"/);
    const names = [...res.body.matchAll(/class="attendance-name"><bdi>([^<]*)</g)].map((m) => m[1]);
    expect(names).toEqual(['Anna Bauer', 'Bernd &lt;Meier&gt;', 'Carla Schulz']);
    expect(res.body).toContain('Verein Brücke · Harz');
    expect(res.body).not.toContain('Dora Abgesagt');
    expect(res.body).toContain(`href="/admin/events/${today}/signature-list.pdf"`);
    expect(res.body).toContain('Ohne Anmeldung dazugekommen');
    expect(res.body).toContain('<button type="submit">Anwesenheit speichern');
  });

  it('an editor ticks two people and saves; the ticks and the counter stay', async () => {
    await editor.get(`/admin/events/${today}/attendance`);
    const res = await editor.post(`/admin/events/${today}/attendance`, {
      shown: [String(anna), String(bernd), String(carla)],
      present: [String(anna), String(carla)],
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/events/${today}/attendance?notice=attendance.saved`);
    expect(rows(today).map((r) => [r.name, r.present])).toEqual([
      ['Carla Schulz', 1],
      ['Anna Bauer', 1],
      ['Bernd <Meier>', 0],
      ['Dora Abgesagt', null],
    ]);
    expect(
      sql<{ at: number | null }>(
        'select attendance_recorded_at at from events where id = ?',
        today,
      )[0]!.at,
    ).toBeGreaterThan(Date.now() - 60_000);

    const page = await editor.get(res.headers.location as string);
    expect(page.body).toContain('Die Anwesenheit ist gespeichert.');
    expect(page.body).toContain('2 von 3 anwesend');
    expect(ticks(page.body)).toEqual(
      new Map([
        [anna, true],
        [bernd, false],
        [carla, true],
      ]),
    );
  });

  it("answers the list's script with the new count in JSON", async () => {
    const page = await editor.get(`/admin/events/${today}/attendance`);
    expect(page.body).toContain('<script src="/assets/admin-attendance.js" defer>');
    const post = (fields: string) =>
      t.app.inject({
        method: 'POST',
        url: `/admin/events/${today}/attendance`,
        headers: {
          cookie: editor.jar.header(),
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: `_csrf=${encodeURIComponent(editor.csrf)}&${fields}`,
      });
    const res = await post(`shown=${bernd}&present=${bernd}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ present: 3, registered: 3, counter: '3 von 3 anwesend' });
    expect(rows(today).map((r) => r.present)).toEqual([1, 1, 1, null]);
    // Only the one person the tick names changes.
    const untick = await post(`shown=${bernd}`);
    expect(untick.json()).toMatchObject({ present: 2, counter: '2 von 3 anwesend' });
    expect(rows(today).map((r) => r.present)).toEqual([1, 1, 0, null]);
    const script = await t.app.inject({ method: 'GET', url: '/assets/admin-attendance.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('text/javascript');
  });

  it('a form without its CSRF token changes nothing', async () => {
    const res = await editor.post(
      `/admin/events/${today}/attendance`,
      { shown: String(bernd), present: String(bernd) },
      null,
    );
    expect(res.statusCode).toBe(403);
    expect(rows(today).find((r) => r.id === bernd)!.present).toBe(0);
  });

  it('refuses a person of another event and changes nothing', async () => {
    const other = createEvent('Andere Veranstaltung', `${t.app.services.events.today()}T09:00`);
    const [stranger] = insertRegistrations(t.runtime.database, other, [{ name: 'Fremd' }]);
    await editor.get(`/admin/events/${today}/attendance`);
    const res = await editor.post(`/admin/events/${today}/attendance`, {
      shown: [String(bernd), String(stranger)],
      present: [String(bernd), String(stranger)],
    });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('stehen nicht (mehr) auf der Liste');
    expect(rows(today).find((r) => r.id === bernd)!.present).toBe(0);
    expect(rows(other)[0]!.present).toBeNull();
  });
});

describe('the signature list', () => {
  it('downloads as a PDF for everyone who may see the event', async () => {
    for (const client of [editor, viewer]) {
      const res = await client.get(`/admin/events/${today}/signature-list.pdf`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    }
    expect((await editor.get('/admin/events/999999/signature-list.pdf')).statusCode).toBe(404);
  });
});

describe('walk-ins', () => {
  it('a refused walk-in comes back with the errors next to the fields and the typed values', async () => {
    await editor.get(`/admin/events/${today}/attendance`);
    const before = rows(today).length;
    const res = await editor.post(`/admin/events/${today}/attendance/walk-ins`, {
      name: '',
      email: 'keine-adresse',
      organisation: 'Kirchengemeinde',
    });
    expect(res.statusCode).toBe(400);
    expect(rows(today)).toHaveLength(before);
    expect(res.body).toMatch(/<p class="error" id="name-error">[\s\S]*?einen Namen/);
    expect(res.body).toMatch(/<p class="error" id="email-error">[\s\S]*?gültige E-Mail-Adresse/);
    expect(res.body).toMatch(/<p class="error" id="consentSource-error">[\s\S]*?zugestimmt/);
    expect(res.body).toMatch(/id="organisation"[^>]*value="Kirchengemeinde"/);
    expect(res.body).toMatch(/id="email"[^>]*value="keine-adresse"[^>]*aria-invalid="true"/);
    expect(res.body).toMatch(/<a href="#consentSource">Einverständnis zur Erfassung: /);
  });

  it('adds a walk-in, present; the counter counts them', async () => {
    await editor.get(`/admin/events/${today}/attendance`);
    const res = await editor.post(`/admin/events/${today}/attendance/walk-ins`, {
      name: 'Олена Коваленко',
      email: '',
      organisation: 'Ukrainischer Verein Halle',
      role: 'volunteer',
      region: '15002',
      consentSource: 'signature-list',
    });
    expect(res.statusCode).toBe(303);
    const page = await editor.get(res.headers.location as string);
    expect(page.body).toContain('Die Person ist als anwesend eingetragen.');
    expect(page.body).toContain('3 von 4 anwesend');
    expect(rows(today).at(-1)).toMatchObject({
      name: 'Олена Коваленко',
      email: null,
      present: 1,
      walk_in: 1,
      consent_source: 'signature-list',
    });
    expect(page.body).toMatch(/Олена Коваленко<\/bdi> <span class="badge">ohne Anmeldung<\/span>/);
  });

  it('a walk-in whose address had registered marks that registration present', async () => {
    await editor.post(`/admin/events/${today}/attendance`, {
      shown: String(carla),
    });
    expect(rows(today).find((r) => r.id === carla)!.present).toBe(0);
    const before = rows(today).length;
    const res = await editor.post(`/admin/events/${today}/attendance/walk-ins`, {
      name: 'Carla S.',
      email: 'Carla@Example.org',
      consentSource: 'verbal',
    });
    expect(res.statusCode).toBe(303);
    const page = await editor.get(res.headers.location as string);
    expect(page.body).toContain('Diese Adresse war schon angemeldet');
    expect(rows(today)).toHaveLength(before);
    expect(rows(today).find((r) => r.id === carla)!.present).toBe(1);
  });
});

describe('before the event and for viewers', () => {
  it('says from when attendance can be recorded and refuses it before', async () => {
    const later = createEvent('Nächstes Jahr', `${nextYear}-03-10T17:00`);
    const [id] = insertRegistrations(t.runtime.database, later, [{ name: 'Zu früh' }]);
    const page = await editor.get(`/admin/events/${later}/attendance`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      `Die Anwesenheit kann erst ab dem Tag der Veranstaltung erfasst werden (10.03.${nextYear}).`,
    );
    expect(page.body).not.toContain('<button type="submit">Anwesenheit speichern');
    expect(page.body).not.toContain('Ohne Anmeldung dazugekommen');
    const res = await editor.post(`/admin/events/${later}/attendance`, {
      shown: String(id),
      present: String(id),
    });
    expect(res.statusCode).toBe(409);
    expect(rows(later)[0]!.present).toBeNull();
    const walkIn = await editor.post(`/admin/events/${later}/attendance/walk-ins`, {
      name: 'Zu früh',
      consentSource: 'verbal',
    });
    expect(walkIn.statusCode).toBe(409);
    expect(rows(later)).toHaveLength(1);
  });

  it('a viewer sees who came but cannot change it', async () => {
    const page = await viewer.get(`/admin/events/${today}/attendance`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('3 von 4 anwesend');
    expect(page.body).toMatch(new RegExp(`id="present-${anna}"[^>]* disabled`));
    expect(page.body).not.toContain('<button type="submit">Anwesenheit speichern');
    expect(page.body).not.toContain('attendance/walk-ins');
    const detail = await viewer.get(`/admin/events/${today}`);
    expect(detail.body).toContain(`href="/admin/events/${today}/attendance"`);
    const res = await viewer.post(`/admin/events/${today}/attendance`, { shown: String(anna) });
    expect(res.statusCode).toBe(403);
    expect(rows(today).find((r) => r.id === anna)!.present).toBe(1);
  });

  it('answers 404 for an event that does not exist', async () => {
    expect((await editor.get('/admin/events/999999/attendance')).statusCode).toBe(404);
    expect((await editor.get('/admin/events/abc/attendance')).statusCode).toBe(404);
  });
});
