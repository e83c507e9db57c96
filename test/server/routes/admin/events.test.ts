/**
 * Events in the admin UI: an editor creates and changes events through forms that come back
 * with the error next to the field and the typed values kept; the list shows upcoming and past
 * events; a viewer reads but gets no buttons and 403 on every change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;

interface Row {
  id: number;
  type: string;
  title: string;
  starts_at: number;
  ends_at: number | null;
  place: string | null;
  online: number;
  region_key: string | null;
  capacity: number | null;
  registration_deadline: number | null;
  slug: string;
}
const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const rowWithTitle = (title: string) => sql<Row>('select * from events where title = ?', title)[0];
const count = () => sql<{ n: number }>('select count(*) n from events')[0]!.n;

const nextYear = new Date().getUTCFullYear() + 1;

const workshop = {
  type: 'training',
  title: 'Förderanträge & "Verwendungsnachweis"',
  startsAt: `${nextYear}-03-10T17:00`,
  endsAt: `${nextYear}-03-10T19:30`,
  place: 'Bürgerhaus Thale',
  online: 'on',
  region: '15085',
  capacity: '18',
  registrationDeadline: `${nextYear}-03-08T12:00`,
  description: 'Mit **Beispielen**.',
  contact: 'Anna, 03947 123',
};

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
});

afterAll(async () => {
  await t?.close();
});

describe('events', () => {
  it('an editor creates an event; the list shows it under upcoming', async () => {
    const form = await editor.get('/admin/events/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/name="_csrf" value="[^"]+"/);
    expect(form.body).toMatch(/id="type-training" name="type" value="training" checked/);
    expect(form.body).toMatch(/id="startsAt" name="startsAt" type="datetime-local"/);
    const res = await editor.post('/admin/events', workshop);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/events?notice=events.created');
    // 17:00 in Berlin in March (winter time) is 16:00 UTC.
    expect(rowWithTitle(workshop.title)).toMatchObject({
      type: 'training',
      starts_at: Date.UTC(nextYear, 2, 10, 16, 0),
      ends_at: Date.UTC(nextYear, 2, 10, 18, 30),
      place: 'Bürgerhaus Thale',
      online: 1,
      region_key: '15085',
      capacity: 18,
      registration_deadline: Date.UTC(nextYear, 2, 8, 11, 0),
    });

    const list = await editor.get(res.headers.location as string);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Die Veranstaltung ist angelegt.');
    expect(list.body).toMatch(
      new RegExp(
        `<h2 id="upcoming">Anstehend</h2>[\\s\\S]*?10\\.03\\.${nextYear}, 17:00</time>[\\s\\S]*?Förderanträge &amp; &quot;Verwendungsnachweis&quot;[\\s\\S]*?<td>Schulung</td>\\s*<td>Bürgerhaus Thale · Online</td>\\s*<td>Harz</td>\\s*<td>18</td>[\\s\\S]*?<h2 id="past">`,
      ),
    );
    expect(list.body).toContain('href="/admin/events/new"');
    expect(list.body).toContain('<a href="/admin/events" aria-current="page">Veranstaltungen</a>');
  });

  it('a refused form comes back with the error next to the field and what was typed', async () => {
    await editor.get('/admin/events/new');
    const before = count();
    const res = await editor.post('/admin/events', {
      ...workshop,
      title: 'Workshop <b>jetzt</b>',
      endsAt: `${nextYear}-03-10T16:00`,
      capacity: 'zwölf',
      registrationDeadline: `${nextYear}-03-11T12:00`,
    });
    expect(res.statusCode).toBe(400);
    expect(count()).toBe(before);
    expect(res.body).toMatch(
      /id="title"[^>]*value="Workshop &lt;b&gt;jetzt&lt;\/b&gt;"[^>]*aria-invalid="true"/,
    );
    expect(res.body).toMatch(/<p class="error" id="title-error">[\s\S]*?ohne &lt; und &gt;/);
    expect(res.body).toMatch(/<p class="error" id="endsAt-error">[\s\S]*?vor dem Beginn/);
    expect(res.body).toMatch(
      /<p class="error" id="registrationDeadline-error">[\s\S]*?nach dem Beginn/,
    );
    expect(res.body).toMatch(/id="capacity"[^>]*value="zwölf"[^>]*aria-invalid="true"/);
    expect(res.body).toMatch(/id="online" name="online" value="on" checked/);
    expect(res.body).toContain('>Mit **Beispielen**.</textarea>');
    expect(res.body).toMatch(/<a href="#title">Titel: /);
    expect(res.body).not.toContain('id="startsAt-error"');
  });

  it('wants a place or online', async () => {
    await editor.get('/admin/events/new');
    const { online: _online, ...offline } = workshop;
    const res = await editor.post('/admin/events', { ...offline, place: '', title: 'Nirgends' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/<p class="error" id="place-error">[\s\S]*?einen Ort/);
    expect(rowWithTitle('Nirgends')).toBeUndefined();
  });

  it('an editor changes an event through its form; the slug stays', async () => {
    const row = rowWithTitle(workshop.title)!;
    const form = await editor.get(`/admin/events/${row.id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(new RegExp(`id="startsAt"[^>]*value="${nextYear}-03-10T17:00"`));
    expect(form.body).toContain(`http://localhost:3000/events/${row.slug}`);
    const { online: _online, ...offline } = workshop;
    const res = await editor.post(`/admin/events/${row.id}`, {
      ...offline,
      title: 'Förderanträge',
      capacity: '',
      region: '',
    });
    expect(res.statusCode).toBe(303);
    expect(rowWithTitle('Förderanträge')).toMatchObject({
      id: row.id,
      online: 0,
      capacity: null,
      region_key: null,
      slug: row.slug,
    });
  });

  it('lists past events latest first below, and filters by period and type', async () => {
    for (const [title, startsAt, type] of [
      ['Treffen 2020', '2020-05-01T18:00', 'meeting'],
      ['Treffen 2021', '2021-05-01T18:00', 'meeting'],
    ] as const)
      expect(
        (await editor.post('/admin/events', { type, title, startsAt, online: 'on' })).statusCode,
      ).toBe(303);
    const list = await viewer.get('/admin/events');
    expect(list.body).toMatch(
      /<h2 id="past">Vergangen<\/h2>[\s\S]*?Treffen 2021[\s\S]*?Treffen 2020/,
    );
    expect(list.body.indexOf('Förderanträge')).toBeLessThan(list.body.indexOf('id="past"'));
    const period = await viewer.get('/admin/events?from=2020-01-01&to=2020-12-31');
    expect(period.body).toContain('Treffen 2020');
    expect(period.body).not.toContain('Treffen 2021');
    expect(period.body).not.toContain('id="past"');
    const trainings = await viewer.get('/admin/events?type=training');
    expect(trainings.body).toContain('Förderanträge');
    expect(trainings.body).not.toContain('Treffen 20');
    const wrong = await viewer.get('/admin/events?from=2026-13-45');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('id="f-from-error"');
  });

  it('a viewer reads the list and an event, sees no buttons, and may not change', async () => {
    const list = await viewer.get('/admin/events');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('href="/admin/events/new"');
    const row = rowWithTitle('Förderanträge')!;
    const detail = await viewer.get(`/admin/events/${row.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain('<form method="post" action="/admin/events');
    expect(detail.body).toContain('<dd>Bürgerhaus Thale</dd>');
    expect((await viewer.get('/admin/events/new')).statusCode).toBe(403);
    const before = count();
    expect((await viewer.post('/admin/events', workshop)).statusCode).toBe(403);
    expect(
      (await viewer.post(`/admin/events/${row.id}`, { ...workshop, title: 'Heimlich' })).statusCode,
    ).toBe(403);
    expect(count()).toBe(before);
    expect(rowWithTitle('Heimlich')).toBeUndefined();
  });

  it('refuses a form without its CSRF token, and an unknown event is a 404', async () => {
    await editor.get('/admin/events/new');
    const res = await editor.post('/admin/events', { ...workshop, title: 'Ohne Token' }, null);
    expect(res.statusCode).toBe(403);
    expect(rowWithTitle('Ohne Token')).toBeUndefined();
    expect((await editor.get('/admin/events/999999')).statusCode).toBe(404);
  });
});
