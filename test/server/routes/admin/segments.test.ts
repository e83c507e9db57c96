/**
 * Segments in the admin UI: an editor builds one through the form (CSRF and all), counts
 * without JavaScript and through the live-count endpoint, saves, opens the detail page with the
 * first 50 members; a viewer sees but cannot change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countWhere } from '../../../../db/queries/filters.js';
import * as segmentQueries from '../../../../db/queries/segments.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { seedSubscribers } from '../../../helpers/admin-segments.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;

const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];

/** Region Harz (15085) and role volunteer: one person has both, five have either. */
const people = [
  { email: 'harz.volunteer@example.org', region: '15085', roles: ['volunteer'] },
  { email: 'harz.staff@example.org', region: '15085', roles: ['staff'] },
  { email: 'md.volunteer@example.org', region: '15003', roles: ['volunteer'] },
  { email: 'md.staff@example.org', region: '15003', roles: ['staff'] },
  { email: 'nowhere.both@example.org', region: null, roles: ['volunteer', 'staff'] },
  { email: 'harz.gone@example.org', region: '15085', roles: [], status: 'unsubscribed' },
];

beforeAll(async () => {
  t = await startTestApp();
  seedSubscribers(t, people);
  // 55 people in Dessau-Roßlau: more than the detail page shows.
  seedSubscribers(
    t,
    Array.from({ length: 55 }, (_, i) => ({
      email: `dessau.${String(i).padStart(2, '0')}@example.org`,
      region: '15001',
      roles: ['association'],
    })),
  );
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
});

afterAll(async () => {
  await t?.close();
});

const harzVolunteer = { region: '15085', role: 'volunteer' };

describe('the segment form', () => {
  it('renders with every rule field, a live region and the count script', async () => {
    const res = await editor.get('/admin/segments/new');
    expect(res.statusCode).toBe(200);
    for (const id of [
      'region-15085',
      'role-volunteer',
      'topic-funding',
      'language-de',
      'status-confirmed',
      'createdAfter',
      'engagement',
      'match-any',
    ])
      expect(res.body).toContain(`id="${id}"`);
    expect(res.body).toMatch(/<p id="segment-count" aria-live="polite"/);
    expect(res.body).toContain('<script src="/admin/segments/segment-count.js" defer></script>');
    expect(res.body).toContain('name="action" value="count"');
    // Without rules a segment is everybody: 61 people.
    expect(res.body).toContain('61 Abonnent*innen passen');
    expect(res.body).toContain('passt auf diese Regel niemand');
  });

  it('counts without JavaScript: all rules (1) and any rule (5)', async () => {
    await editor.get('/admin/segments/new');
    const all = await editor.post('/admin/segments', {
      ...harzVolunteer,
      match: 'all',
      action: 'count',
    });
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain('1 Abonnent*in passt');
    // The form keeps what was ticked.
    expect(all.body).toMatch(/id="region-15085" name="region" value="15085" checked/);
    const any = await editor.post('/admin/segments', {
      ...harzVolunteer,
      match: 'any',
      action: 'count',
    });
    expect(any.body).toContain('5 Abonnent*innen passen');
    expect(any.body).toMatch(/id="match-any" name="match" value="any" checked/);
    expect(sql('select * from segments')).toHaveLength(0);
  });

  it('the live count answers JSON for the same parameters', async () => {
    const count = async (qs: string) => {
      const res = await editor.get(`/admin/segments/count?${qs}`, { accept: 'application/json' });
      return { status: res.statusCode, body: res.json<{ count?: number; message?: string }>() };
    };
    expect(await count('region=15085&role=volunteer&match=all')).toEqual({
      status: 200,
      body: { count: 1 },
    });
    expect(await count('region=15085&role=volunteer&match=any')).toEqual({
      status: 200,
      body: { count: 5 },
    });
    expect((await count('region=15085&region=15003')).body.count).toBe(5);
    expect((await count('status=unsubscribed')).body.count).toBe(1);
    expect((await count('')).body.count).toBe(61);
    expect((await count('engagement=opened&engagementIssues=3')).body.count).toBe(0);
    const bad = await count('region=99999');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'Bad Request', statusCode: 400 });
    expect((await count('createdAfter=gestern')).status).toBe(400);
    expect((await count('engagement=opened&engagementIssues=500')).status).toBe(400);
  });

  it('serves the count script as a same-origin file', async () => {
    const res = await editor.get('/admin/segments/segment-count.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.body).toContain("'/admin/segments/count?'");
  });

  it('keeps the values and marks the field when saving fails', async () => {
    await editor.get('/admin/segments/new');
    const res = await editor.post('/admin/segments', {
      name: '',
      ...harzVolunteer,
      region: ['15085', 'atlantis'],
      action: 'save',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(
      /id="name" name="name" type="text" autocomplete="off" value="" required aria-describedby="name-error" aria-invalid="true"/,
    );
    expect(res.body).toContain('id="region-error"');
    expect(res.body).toMatch(/id="role-volunteer" name="role" value="volunteer" checked/);
    expect(sql('select * from segments')).toHaveLength(0);
  });

  it('refuses a post without the CSRF token', async () => {
    const res = await editor.post('/admin/segments', {
      _csrf: '',
      name: 'Ohne Token',
      action: 'save',
    });
    expect(res.statusCode).toBe(403);
    expect(sql('select * from segments')).toHaveLength(0);
  });
});

describe('a saved segment', () => {
  let id: number;

  it('is created from the form and audited', async () => {
    await editor.get('/admin/segments/new');
    const res = await editor.post('/admin/segments', {
      name: 'Harz & "Ehrenamt"',
      description: 'Für die Harzer Runde',
      ...harzVolunteer,
      match: 'all',
      action: 'save',
    });
    expect(res.statusCode).toBe(303);
    const row = sql<{ id: number; name: string; match: string; rules: string }>(
      'select * from segments',
    )[0]!;
    id = row.id;
    expect(res.headers.location).toBe(`/admin/segments/${id}?notice=segments.created`);
    expect(row.match).toBe('all');
    expect(JSON.parse(row.rules)).toEqual([
      { field: 'region', values: ['15085'] },
      { field: 'role', values: ['volunteer'] },
    ]);
    expect(
      sql('select action from audit_log where entity = ? and entity_id = ?', 'segment', String(id)),
    ).toEqual([{ action: 'create' }]);
  });

  it('shows its rules in words, the total and the matching people', async () => {
    const res = await editor.get(`/admin/segments/${id}?notice=segments.created`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Das Segment ist angelegt.');
    expect(res.body).toContain('Harz &amp; &quot;Ehrenamt&quot;');
    expect(res.body).toContain('Region: Harz');
    expect(res.body).toContain('Rolle: Ehrenamtlich engagiert');
    expect(res.body).toContain('1 Abonnent*in passt');
    expect(res.body).toContain('<td>harz.volunteer@example.org</td>');
    expect(res.body).not.toContain('harz.staff@example.org');
    expect(res.body).toContain(`href="/admin/segments/${id}/edit"`);
  });

  it('is edited: any rule, counted again', async () => {
    const form = await editor.get(`/admin/segments/${id}/edit`);
    expect(form.body).toMatch(/id="region-15085" name="region" value="15085" checked/);
    expect(form.body).toContain('1 Abonnent*in passt');
    const res = await editor.post(`/admin/segments/${id}`, {
      name: 'Harz oder Ehrenamt',
      ...harzVolunteer,
      match: 'any',
      action: 'save',
    });
    expect(res.statusCode).toBe(303);
    const page = await editor.get(`/admin/segments/${id}`);
    expect(page.body).toContain('5 Abonnent*innen passen');
    // A send reaches only the confirmed ones: not the person who unsubscribed.
    const db = t.runtime.database.db;
    expect(countWhere(segmentQueries.segmentSubscriberWhere(id, db)!, db)).toBe(5);
    expect(countWhere(segmentQueries.segmentRecipientWhere(id, db)!, db)).toBe(4);
    expect(segmentQueries.segmentRecipientWhere(9999, db)).toBeNull();
  });

  it('lists the first 50 members with the total', async () => {
    await editor.get('/admin/segments/new');
    const res = await editor.post('/admin/segments', {
      name: 'Dessau',
      region: '15001',
      action: 'save',
    });
    const page = await editor.get(res.headers.location as string);
    expect(page.body).toContain('Die ersten 50 von 55');
    expect(page.body.match(/<td>dessau\.\d\d@example\.org<\/td>/g)).toHaveLength(50);
    expect(page.body).toContain('Verein oder Initiative');
    expect(page.body).toContain('Dessau-Roßlau');
  });

  it('offers an engagement rule that matches nobody yet', async () => {
    await editor.get('/admin/segments/new');
    const res = await editor.post('/admin/segments', {
      name: 'Aktive',
      engagement: 'clicked',
      engagementIssues: '5',
      action: 'save',
    });
    expect(res.statusCode).toBe(303);
    const page = await editor.get(res.headers.location as string);
    expect(page.body).toContain('hat geklickt eine der letzten 5 Ausgaben');
    expect(page.body).toContain('0 Abonnent*innen passen');
    expect(page.body).toContain('passt auf diese Regel niemand');
  });

  it('is shown to a viewer without change controls, and a viewer cannot change it', async () => {
    const index = await viewer.get('/admin/segments');
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('Harz oder Ehrenamt');
    expect(index.body).not.toContain('href="/admin/segments/new"');
    const detail = await viewer.get(`/admin/segments/${id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain('/edit"');
    expect(detail.body).not.toContain('/delete"');
    expect((await viewer.get('/admin/segments/new')).statusCode).toBe(403);
    expect((await viewer.get(`/admin/segments/${id}/edit`)).statusCode).toBe(403);
    const before = sql('select name, rules, match from segments where id = ?', id);
    expect(
      (await viewer.post('/admin/segments', { name: 'Viewer', action: 'save' })).statusCode,
    ).toBe(403);
    expect(
      (await viewer.post(`/admin/segments/${id}`, { name: 'Viewer', action: 'save' })).statusCode,
    ).toBe(403);
    expect((await viewer.post(`/admin/segments/${id}/delete`)).statusCode).toBe(403);
    expect(sql('select name, rules, match from segments where id = ?', id)).toEqual(before);
    expect(sql('select * from segments where name = ?', 'Viewer')).toEqual([]);
    // Counting is reading: a viewer may.
    const count = await viewer.get('/admin/segments/count?region=15085', {
      accept: 'application/json',
    });
    expect(count.json()).toEqual({ count: 3 });
  });

  it('is deleted by an editor', async () => {
    await editor.get(`/admin/segments/${id}`);
    const res = await editor.post(`/admin/segments/${id}/delete`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/segments?notice=segments.deleted');
    expect(sql('select * from segments where id = ?', id)).toEqual([]);
    expect((await editor.get(`/admin/segments/${id}`)).statusCode).toBe(404);
  });
});
