/**
 * Regions, roles and topics (admins only): renaming keeps the key and every subscriber's
 * reference; new roles need a well-formed key; deactivated entries leave the public form;
 * editors and viewers get 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { seedSubscribers } from '../../../helpers/admin-segments.js';

let t: TestApp;
let admin: AdminClient;
let editor: AdminClient;
let viewer: AdminClient;

const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const signupPage = async (lang = 'de') =>
  (await t.app.inject({ method: 'GET', url: `/?lang=${lang}`, headers: { accept: 'text/html' } }))
    .body;

beforeAll(async () => {
  t = await startTestApp();
  admin = await loginAs(t, 'admin');
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
  seedSubscribers(t, [
    { email: 'harz.one@example.org', region: '15085', roles: ['volunteer'] },
    { email: 'harz.two@example.org', region: '15085', roles: ['staff'] },
  ]);
});

afterAll(async () => {
  await t?.close();
});

describe('taxonomy', () => {
  it('shows regions, roles and topics with their keys and usage', async () => {
    const res = await admin.get('/admin/taxonomy');
    expect(res.statusCode).toBe(200);
    for (const kind of ['regions', 'roles', 'topics'])
      expect(res.body).toContain(`<h2 id="${kind}"`);
    expect(res.body).toContain('<code>15085</code>');
    expect(res.body).toContain('href="/admin/taxonomy/regions/15085"');
    expect(res.body).toContain('href="/admin/taxonomy/roles/new"');
    expect(res.body).toContain('href="/admin/taxonomy"');
  });

  it('renaming a region keeps its key, and its subscribers still refer to it', async () => {
    const form = await admin.get('/admin/taxonomy/regions/15085');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="Harz"');
    expect(form.body).not.toContain('id="key"');
    const res = await admin.post('/admin/taxonomy/regions/15085', {
      key: 'hacked',
      name: 'Landkreis Harz',
      kind: 'Landkreis',
      position: '7',
      active: 'yes',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/taxonomy?notice=taxonomy.saved#regions');
    expect(sql('select key, name, active from regions where name = ?', 'Landkreis Harz')).toEqual([
      { key: '15085', name: 'Landkreis Harz', active: 1 },
    ]);
    expect(sql('select * from regions where key = ?', 'hacked')).toEqual([]);
    expect(
      sql('select email from subscribers where region_key = ? order by email', '15085'),
    ).toEqual([{ email: 'harz.one@example.org' }, { email: 'harz.two@example.org' }]);
    expect(await signupPage()).toContain('>Landkreis Harz</label>');
    expect(sql('select action, entity_id from audit_log where entity = ?', 'region')).toEqual([
      { action: 'update', entity_id: '15085' },
    ]);
  });

  it('renaming a role changes the label on the public form, not the key', async () => {
    const res = await admin.post('/admin/taxonomy/roles/volunteer', {
      'label-de': 'Freiwillig engagiert',
      'label-en': 'Volunteer',
      'label-uk': '',
      'label-ar': '',
      position: '0',
      active: 'yes',
    });
    expect(res.statusCode).toBe(303);
    const row = sql<{ labels: string }>('select labels from roles where key = ?', 'volunteer')[0]!;
    expect(JSON.parse(row.labels)).toEqual({ de: 'Freiwillig engagiert', en: 'Volunteer' });
    expect(
      sql('select count(*) as n from subscriber_roles where role_key = ?', 'volunteer'),
    ).toEqual([{ n: 1 }]);
    expect(await signupPage()).toContain('>Freiwillig engagiert</label>');
  });

  it('checks labels and keeps the values', async () => {
    await admin.get('/admin/taxonomy/roles/staff');
    const res = await admin.post('/admin/taxonomy/roles/staff', {
      'label-de': 'Hauptamt',
      'label-en': '',
      active: 'yes',
      position: 'x',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(
      /id="label-en"[^>]*aria-invalid="true" aria-describedby="label-en-error"/,
    );
    expect(res.body).toContain('id="position-error"');
    expect(res.body).toContain('value="Hauptamt"');
  });

  it('adds a role with a well-formed, unused key', async () => {
    const form = await admin.get('/admin/taxonomy/roles/new');
    expect(form.statusCode).toBe(200);
    for (const key of ['Peer Support', 'x', 'a'.repeat(41), 'volunteer', 'new', 'über']) {
      const res = await admin.post('/admin/taxonomy/roles', {
        key,
        'label-de': 'Peers',
        'label-en': 'Peers',
        active: 'yes',
      });
      expect(res.statusCode, key).toBe(400);
      expect(res.body).toMatch(/id="key"[^>]*aria-invalid="true"/);
    }
    const res = await admin.post('/admin/taxonomy/roles', {
      key: 'peer-support',
      'label-de': 'Peer-Beratung',
      'label-en': 'Peer support',
      'label-uk': 'Рівна підтримка',
      active: 'yes',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/taxonomy?notice=taxonomy.created#roles');
    const row = sql<{ labels: string; active: number }>(
      'select labels, active from roles where key = ?',
      'peer-support',
    )[0]!;
    expect(JSON.parse(row.labels)).toEqual({
      de: 'Peer-Beratung',
      en: 'Peer support',
      uk: 'Рівна підтримка',
    });
    expect(await signupPage('uk')).toContain('>Рівна підтримка</label>');
  });

  it('adds a region by its code', async () => {
    const res = await admin.post('/admin/taxonomy/regions', {
      key: '16051',
      name: 'Erfurt',
      kind: 'kreisfreie Stadt',
      active: 'yes',
    });
    expect(res.statusCode).toBe(303);
    expect(sql('select key, name, kind from regions where key = ?', '16051')).toEqual([
      { key: '16051', name: 'Erfurt', kind: 'kreisfreie Stadt' },
    ]);
  });

  it('a deactivated topic leaves the public form but stays with its subscribers', async () => {
    expect(await signupPage()).toContain('value="funding"');
    const res = await admin.post('/admin/taxonomy/topics/funding', {
      'label-de': 'Förderung',
      'label-en': 'Funding',
      position: '0',
    });
    expect(res.statusCode).toBe(303);
    expect(sql('select active from topics where key = ?', 'funding')).toEqual([{ active: 0 }]);
    expect(await signupPage()).not.toContain('value="funding"');
    const page = await admin.get('/admin/taxonomy');
    expect(page.body).toMatch(/<tr class="muted">\s*<td><code>funding<\/code>/);
  });

  it('editors and viewers get 403 and no link', async () => {
    for (const who of [editor, viewer]) {
      expect((await who.get('/admin/taxonomy')).statusCode).toBe(403);
      expect((await who.get('/admin/taxonomy/regions/15085')).statusCode).toBe(403);
      const home = await who.get('/admin');
      expect(home.body).not.toContain('href="/admin/taxonomy"');
      const res = await who.post('/admin/taxonomy/regions/15085', {
        name: 'Übernommen',
        kind: 'x',
        active: 'yes',
      });
      expect(res.statusCode).toBe(403);
      const add = await who.post('/admin/taxonomy/roles', {
        key: 'editor-role',
        'label-de': 'x',
        'label-en': 'x',
      });
      expect(add.statusCode).toBe(403);
    }
    expect(sql('select name from regions where key = ?', '15085')).toEqual([
      { name: 'Landkreis Harz' },
    ]);
    expect(sql('select * from roles where key = ?', 'editor-role')).toEqual([]);
  });

  it('unknown kinds and keys are 404', async () => {
    expect((await admin.get('/admin/taxonomy/lists/1')).statusCode).toBe(404);
    expect((await admin.get('/admin/taxonomy/roles/nope')).statusCode).toBe(404);
    expect(
      (await admin.post('/admin/taxonomy/roles/nope', { 'label-de': 'x', 'label-en': 'x' }))
        .statusCode,
    ).toBe(404);
  });
});
