/**
 * Lists in the admin UI: an editor creates, edits and deletes (only empty ones) through the
 * forms; a viewer sees them but gets no change controls and 403 on every change. The sign-up
 * form's list choice comes from publicListChoices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lists from '../../../../db/queries/lists.js';
import { adminKeys } from '../../../../server/i18n/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { seedSubscribers } from '../../../helpers/admin-segments.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;

type ListRow = {
  id: number;
  key: string;
  name: string;
  description: string;
  is_public: number;
  double_opt_in: number;
  default_language: string;
};
const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const listNamed = (name: string) => sql<ListRow>('select * from lists where name = ?', name)[0];

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
  const newsletter = listNamed('Newsletter')!;
  seedSubscribers(t, [
    { email: 'on.newsletter@example.org', region: '15085', roles: [], lists: [newsletter.id] },
  ]);
});

afterAll(async () => {
  await t?.close();
});

describe('lists', () => {
  it('shows the shipped list with the number of people on it', async () => {
    const res = await editor.get('/admin/lists');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<th scope="row">Newsletter<p class="hint">Förderung/);
    expect(res.body).toContain('<td>1</td>');
    expect(res.body).toContain('href="/admin/lists/new"');
  });

  it('an editor creates a list through the form; the key comes from the name', async () => {
    const form = await editor.get('/admin/lists/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/id="isPublic" name="isPublic" value="yes" checked/);
    const res = await editor.post('/admin/lists', {
      name: 'Harz & "Börde" aktuell',
      description: 'Termine im Harz',
      isPublic: 'yes',
      doubleOptIn: 'yes',
      defaultLanguage: 'en',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/lists?notice=lists.created');
    const row = listNamed('Harz & "Börde" aktuell')!;
    expect(row).toMatchObject({
      key: 'harz-boerde-aktuell',
      is_public: 1,
      double_opt_in: 1,
      default_language: 'en',
    });
    const page = await editor.get(res.headers.location as string);
    expect(page.body).toContain('Die Liste ist angelegt.');
    expect(page.body).toContain('Harz &amp; &quot;Börde&quot; aktuell');
    expect(
      sql(
        'select action from audit_log where entity = ? and entity_id = ?',
        'list',
        String(row.id),
      ),
    ).toEqual([{ action: 'create' }]);
  });

  it('re-renders the form with messages next to the fields', async () => {
    await editor.get('/admin/lists/new');
    const empty = await editor.post('/admin/lists', {
      name: '',
      description: 'bleibt',
      defaultLanguage: 'de',
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toMatch(
      /id="name" name="name" type="text" autocomplete="off" value="" required aria-describedby="name-error" aria-invalid="true"/,
    );
    expect(empty.body).toContain('>bleibt</textarea>');
    const taken = await editor.post('/admin/lists', { name: 'newsletter', defaultLanguage: 'de' });
    expect(taken.statusCode).toBe(400);
    expect(taken.body).toContain('Eine Liste mit diesem Namen gibt es schon.');
    const lang = await editor.post('/admin/lists', { name: 'Sprachlos', defaultLanguage: 'xx' });
    expect(lang.statusCode).toBe(400);
    expect(lang.body).toContain('id="defaultLanguage-error"');
    expect(listNamed('Sprachlos')).toBeUndefined();
  });

  it('an editor edits a list: private, no double opt-in; the key stays', async () => {
    const row = listNamed('Harz & "Börde" aktuell')!;
    const form = await editor.get(`/admin/lists/${row.id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('<code>harz-boerde-aktuell</code>');
    const res = await editor.post(`/admin/lists/${row.id}`, {
      name: 'Harz intern',
      description: '',
      defaultLanguage: 'de',
    });
    expect(res.statusCode).toBe(303);
    expect(listNamed('Harz intern')).toMatchObject({
      id: row.id,
      key: 'harz-boerde-aktuell',
      is_public: 0,
      double_opt_in: 0,
    });
  });

  it('offers public lists to the sign-up form only when there is more than one', async () => {
    const db = t.runtime.database.db;
    // Newsletter is public, "Harz intern" private: nothing to choose.
    expect(lists.publicListChoices(db)).toEqual([]);
    await editor.get('/admin/lists/new');
    await editor.post('/admin/lists', {
      name: 'Weiterbildung',
      isPublic: 'yes',
      doubleOptIn: 'yes',
      defaultLanguage: 'de',
    });
    const choices = lists.publicListChoices(db);
    expect(choices.map((l) => l.name)).toEqual(['Newsletter', 'Weiterbildung']);
    const internal = listNamed('Harz intern')!.id;
    const wanted = [String(choices[1]!.id), String(internal), '999', 'x'];
    expect(lists.chosenPublicListIds(wanted, db)).toEqual([choices[1]!.id]);
  });

  it('deletes only lists nobody is on', async () => {
    const newsletter = listNamed('Newsletter')!;
    const form = await editor.get(`/admin/lists/${newsletter.id}`);
    expect(form.body).not.toContain(`action="/admin/lists/${newsletter.id}/delete"`);
    const refused = await editor.post(`/admin/lists/${newsletter.id}/delete`);
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Auf dieser Liste stehen noch Personen');
    expect(listNamed('Newsletter')).toBeDefined();

    const empty = listNamed('Harz intern')!;
    const page = await editor.get(`/admin/lists/${empty.id}`);
    expect(page.body).toContain(`action="/admin/lists/${empty.id}/delete"`);
    const res = await editor.post(`/admin/lists/${empty.id}/delete`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/lists?notice=lists.deleted');
    expect(listNamed('Harz intern')).toBeUndefined();
  });

  it('refuses to delete a list a segment uses', async () => {
    const row = listNamed('Weiterbildung')!;
    t.runtime.database.sqlite
      .prepare("insert into segments (name, rules) values ('WB', ?)")
      .run(JSON.stringify([{ field: 'list', values: [String(row.id)] }]));
    await editor.get(`/admin/lists/${row.id}`);
    const res = await editor.post(`/admin/lists/${row.id}/delete`);
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Ein Segment verwendet diese Liste');
  });

  it('a viewer sees the lists but cannot change them', async () => {
    const page = await viewer.get('/admin/lists');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Weiterbildung');
    expect(page.body).not.toContain('href="/admin/lists/new"');
    expect(page.body).not.toMatch(/href="\/admin\/lists\/\d+"/);
    const row = listNamed('Weiterbildung')!;
    expect((await viewer.get('/admin/lists/new')).statusCode).toBe(403);
    expect((await viewer.get(`/admin/lists/${row.id}`)).statusCode).toBe(403);
    expect(
      (await viewer.post('/admin/lists', { name: 'Viewer', defaultLanguage: 'de' })).statusCode,
    ).toBe(403);
    expect(
      (await viewer.post(`/admin/lists/${row.id}`, { name: 'Viewer', defaultLanguage: 'de' }))
        .statusCode,
    ).toBe(403);
    expect((await viewer.post(`/admin/lists/${row.id}/delete`)).statusCode).toBe(403);
    expect(listNamed('Viewer')).toBeUndefined();
    expect(listNamed('Weiterbildung')).toEqual(row);
  });
});

describe('admin texts', () => {
  it('lists, segments and taxonomy have the same keys in German and English', () => {
    const mine = (lang: string) =>
      adminKeys(lang)
        .filter((k) => /^(lists|segments|taxonomy)\./.test(k))
        .sort();
    expect(mine('de').length).toBeGreaterThan(100);
    expect(mine('en')).toEqual(mine('de'));
  });
});
