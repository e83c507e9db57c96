/**
 * The counselling log in the admin UI: an editor records, changes and deletes consultations
 * through forms that come back with the error next to the field and the typed values kept; the
 * list shows them with the count of the filtered period; a viewer reads but gets no buttons and
 * 403 on every change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;

interface Row {
  id: number;
  held_on: string;
  kind: string;
  region_key: string | null;
  topic: string;
  follow_up: string;
  people: number;
}
const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const rowWithTopic = (topic: string) =>
  sql<Row>('select * from consultations where topic = ?', topic)[0];
const count = () => sql<{ n: number }>('select count(*) n from consultations')[0]!.n;

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
});

afterAll(async () => {
  await t?.close();
});

describe('consultations', () => {
  it('an editor records a consultation; the list shows it with the count', async () => {
    const form = await editor.get('/admin/consultations/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/name="_csrf" value="[^"]+"/);
    expect(form.body).toMatch(/id="kind-person" name="kind" value="person" checked/);
    expect(form.body).toContain('ohne Namen');
    const res = await editor.post('/admin/consultations', {
      heldOn: '2026-09-14',
      kind: 'association',
      region: '15085',
      topic: 'Vereinsgründung & "Satzung"',
      followUp: 'Satzungsentwurf schicken',
      people: '3',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/consultations?notice=consultations.created');
    expect(rowWithTopic('Vereinsgründung & "Satzung"')).toMatchObject({
      held_on: '2026-09-14',
      kind: 'association',
      region_key: '15085',
      follow_up: 'Satzungsentwurf schicken',
      people: 3,
    });

    const list = await editor.get(res.headers.location as string);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Die Beratung ist erfasst.');
    expect(list.body).toMatch(
      /<time datetime="2026-09-14">14\.09\.2026<\/time>[\s\S]*?Vereinsgründung &amp; &quot;Satzung&quot;[\s\S]*?<td>Verein<\/td>\s*<td>Harz<\/td>\s*<td>3<\/td>/,
    );
    expect(list.body).toContain('Beratungen im gewählten Zeitraum: 1, mit 3 Personen');
    expect(list.body).toContain('href="/admin/consultations/new"');
  });

  it('a refused form comes back with the error next to the field and what was typed', async () => {
    await editor.get('/admin/consultations/new');
    const before = count();
    const res = await editor.post('/admin/consultations', {
      heldOn: '2026-09-15',
      kind: 'group',
      region: '',
      topic: 'Fördermittel <b>jetzt</b>',
      followUp: 'Zweiter Termin',
      people: 'zwölf',
    });
    expect(res.statusCode).toBe(400);
    expect(count()).toBe(before);
    expect(res.body).toMatch(
      /id="topic"[^>]*value="Fördermittel &lt;b&gt;jetzt&lt;\/b&gt;"[^>]*aria-invalid="true"/,
    );
    expect(res.body).toMatch(/<p class="error" id="topic-error">[\s\S]*?ohne &lt; und &gt;/);
    expect(res.body).toMatch(/id="people"[^>]*value="zwölf"[^>]*aria-invalid="true"/);
    expect(res.body).toContain('id="people-error"');
    expect(res.body).toMatch(/id="kind-group" name="kind" value="group" checked/);
    expect(res.body).toContain('>Zweiter Termin</textarea>');
    expect(res.body).toMatch(/<a href="#topic">Thema: /);
    expect(res.body).not.toContain('id="heldOn-error"');
  });

  it('refuses a day after today and one that does not exist', async () => {
    await editor.get('/admin/consultations/new');
    const res = await editor.post('/admin/consultations', {
      heldOn: '2999-01-01',
      kind: 'person',
      topic: 'Zukunft',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/<p class="error" id="heldOn-error">[\s\S]*?in der Zukunft/);
    const impossible = await editor.post('/admin/consultations', {
      heldOn: '2026-02-30',
      kind: 'person',
      topic: 'Kein Tag',
    });
    expect(impossible.statusCode).toBe(400);
    expect(impossible.body).toContain('id="heldOn-error"');
    expect(rowWithTopic('Zukunft')).toBeUndefined();
  });

  it('an editor changes a consultation through its form', async () => {
    const row = rowWithTopic('Vereinsgründung & "Satzung"')!;
    const form = await editor.get(`/admin/consultations/${row.id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/id="people"[^>]*value="3"/);
    const res = await editor.post(`/admin/consultations/${row.id}`, {
      heldOn: '2026-09-14',
      kind: 'association',
      region: '',
      topic: 'Vereinsgründung & "Satzung"',
      followUp: '',
      people: '5',
    });
    expect(res.statusCode).toBe(303);
    expect(rowWithTopic('Vereinsgründung & "Satzung"')).toMatchObject({
      people: 5,
      region_key: null,
      follow_up: '',
    });
    const refused = await editor.post(`/admin/consultations/${row.id}`, {
      heldOn: '2026-09-14',
      kind: 'family',
      topic: 'Vereinsgründung & "Satzung"',
      people: '5',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('id="kind-error"');
  });

  it('filters by period and kind; the count follows the filter', async () => {
    await editor.get('/admin/consultations/new');
    for (const [heldOn, kind, people] of [
      ['2026-10-01', 'person', '1'],
      ['2026-10-02', 'group', '8'],
    ] as const)
      expect(
        (await editor.post('/admin/consultations', { heldOn, kind, topic: `Am ${heldOn}`, people }))
          .statusCode,
      ).toBe(303);
    const october = await viewer.get('/admin/consultations?from=2026-10-01&to=2026-10-31');
    expect(october.body).toContain('Beratungen im gewählten Zeitraum: 2, mit 9 Personen');
    expect(october.body).toContain('Am 2026-10-02');
    expect(october.body).not.toContain('Vereinsgründung');
    const groups = await viewer.get('/admin/consultations?from=2026-10-01&kind=group');
    expect(groups.body).toContain('Beratungen im gewählten Zeitraum: 1, mit 8 Personen');
    expect(groups.body).not.toContain('Am 2026-10-01');
    const wrong = await viewer.get('/admin/consultations?from=2026-13-45');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('id="f-from-error"');
  });

  it('a viewer reads the list and a consultation, sees no buttons, and may not change', async () => {
    const list = await viewer.get('/admin/consultations');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Am 2026-10-02');
    expect(list.body).not.toContain('href="/admin/consultations/new"');
    expect(list.body).not.toMatch(/\/delete"/);
    const row = rowWithTopic('Am 2026-10-02')!;
    const detail = await viewer.get(`/admin/consultations/${row.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain('<form method="post" action="/admin/consultations');
    expect(detail.body).toContain('<dd>8</dd>');
    expect((await viewer.get('/admin/consultations/new')).statusCode).toBe(403);
    const before = count();
    const posted = await viewer.post('/admin/consultations', {
      heldOn: '2026-10-03',
      kind: 'person',
      topic: 'Heimlich',
    });
    expect(posted.statusCode).toBe(403);
    expect((await viewer.post(`/admin/consultations/${row.id}/delete`)).statusCode).toBe(403);
    expect(count()).toBe(before);
  });

  it('refuses a form without its CSRF token', async () => {
    await editor.get('/admin/consultations/new');
    const res = await editor.post(
      '/admin/consultations',
      { heldOn: '2026-10-03', kind: 'person', topic: 'Ohne Token' },
      null,
    );
    expect(res.statusCode).toBe(403);
    expect(rowWithTopic('Ohne Token')).toBeUndefined();
  });

  it('an editor deletes a consultation after confirming; then it is gone', async () => {
    const row = rowWithTopic('Am 2026-10-01')!;
    const confirm = await editor.get(`/admin/consultations/${row.id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('wirklich löschen');
    expect(confirm.body).toMatch(/name="_csrf" value="[^"]+"/);
    expect(rowWithTopic('Am 2026-10-01')).toBeDefined();
    const res = await editor.post(`/admin/consultations/${row.id}/delete`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/consultations?notice=consultations.deleted');
    expect(rowWithTopic('Am 2026-10-01')).toBeUndefined();
    expect((await editor.get(`/admin/consultations/${row.id}`)).statusCode).toBe(404);
    expect(
      sql(
        'select action from audit_log where entity = ? and entity_id = ? order by id',
        'consultation',
        String(row.id),
      ),
    ).toEqual([{ action: 'create' }, { action: 'delete' }]);
  });

  it('is in the navigation for everyone', async () => {
    const page = await viewer.get('/admin');
    expect(page.body).toContain('<a href="/admin/consultations">Beratungen</a>');
  });
});
