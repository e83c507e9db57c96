/**
 * The item library in the admin UI: an editor creates, edits and deletes items through forms
 * with German labels; problems appear next to their fields with everything typed kept; a
 * viewer reads but cannot change; every change needs the form token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKeys } from '../../../../server/i18n/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;

interface ItemRow {
  id: number;
  type: string;
  title: string;
  description: string;
  regions: string;
  roles: string;
  fields: string;
  translations: string;
  deleted_at: number | null;
}
const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const itemTitled = (title: string) => sql<ItemRow>('select * from items where title = ?', title)[0];
const itemCount = () => sql<{ n: number }>('select count(*) as n from items')[0]!.n;

/** The `<tr>` of the list that links to an item. */
const rowOf = (html: string, id: number) =>
  new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*href="/admin/items/${id}"[\\s\\S]*?</tr>`).exec(html)?.[0];

const funding = {
  type: 'funding',
  title: 'Dorfladen-Förderung',
  description: 'Zuschuss für **Dorfläden** im [Harz](https://example.org/harz).',
  regions: '15085',
  roles: 'volunteer',
  'fields.programme': 'LEADER',
  'fields.funder': 'Land Sachsen-Anhalt',
  'fields.funded': 'Umbau und Ausstattung',
  'fields.amount': 'bis 20.000 €',
  'fields.deadline': '2020-03-31',
  'fields.url': 'https://example.org/leader',
  'translations.en.title': 'Village shop funding',
  'translations.en.description': '',
  'translations.ar.title': 'تمويل متجر القرية',
};

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
});

afterAll(async () => {
  await t?.close();
});

describe('the item library', () => {
  it('shows "Beiträge" in the navigation after the start page and "Ausgaben"', async () => {
    const res = await editor.get('/admin/items');
    expect(res.statusCode).toBe(200);
    const nav = /<ul class="admin-nav">([\s\S]*?)<\/ul>/.exec(res.body)![1]!;
    const links = [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
    expect(links.slice(0, 4)).toEqual([
      '/admin',
      '/admin/editions',
      '/admin/items',
      '/admin/campaigns',
    ]);
    expect(nav).toContain('<a href="/admin/items" aria-current="page">Beiträge</a>');
  });

  it('the type is chosen first; the form then has the fields of that type in German', async () => {
    const choose = await editor.get('/admin/items/new');
    expect(choose.statusCode).toBe(200);
    expect(choose.body).toContain('Welche Art von Beitrag?');
    for (const label of ['Förderung', 'Beratung', 'Fortbildung', 'Treffen', 'Unterstützung'])
      expect(choose.body).toContain(`>${label} <span class="hint"`);

    const form = await editor.get('/admin/items/new?type=training');
    expect(form.statusCode).toBe(200);
    for (const label of ['Beginn', 'Ende', 'Ort (oder „online“)', 'Anmeldelink', 'Gebühr'])
      expect(form.body).toContain(`>${label}</label>`);
    expect(form.body).toMatch(
      /id="fields\.startsAt" name="fields\.startsAt" type="datetime-local"/,
    );
    expect(form.body).toContain('Markdown: **fett**, *kursiv*, [Link](https://…); kein HTML');
    expect(form.body).toMatch(/id="regions-15085" name="regions" value="15085"/);
    expect(form.body).toMatch(
      /<textarea id="translations\.ar\.description" name="translations\.ar\.description" rows="4" lang="ar" dir="rtl"/,
    );
    expect(form.body).toMatch(
      /id="translations\.ar\.title" name="translations\.ar\.title" type="text" autocomplete="off" lang="ar" dir="rtl"/,
    );
    expect(form.body).not.toContain('Antragsfrist');
  });

  it('an editor creates a funding item with a past deadline: it is listed with a warning badge', async () => {
    const form = await editor.get('/admin/items/new?type=funding');
    expect(form.body).toContain('>Antragsfrist</label>');
    expect(form.body).toMatch(/id="fields\.deadline" name="fields\.deadline" type="date"/);

    const res = await editor.post('/admin/items', funding);
    expect(res.statusCode).toBe(303);
    const row = itemTitled('Dorfladen-Förderung')!;
    expect(res.headers.location).toBe(`/admin/items/${row.id}?notice=items.created`);
    expect(row.type).toBe('funding');
    expect(JSON.parse(row.regions)).toEqual(['15085']);
    expect(JSON.parse(row.roles)).toEqual(['volunteer']);
    expect(JSON.parse(row.fields)).toMatchObject({ deadline: '2020-03-31', programme: 'LEADER' });
    expect(JSON.parse(row.translations)).toEqual({
      en: { title: 'Village shop funding' },
      ar: { title: 'تمويل متجر القرية' },
    });
    expect(
      sql(
        'select action from audit_log where entity = ? and entity_id = ?',
        'item',
        String(row.id),
      ),
    ).toEqual([{ action: 'create' }]);

    const page = await editor.get(res.headers.location as string);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Der Beitrag ist angelegt.');
    expect(page.body).toContain('value="Dorfladen-Förderung"');

    const list = await editor.get('/admin/items');
    const tr = rowOf(list.body, row.id)!;
    expect(tr).toContain('<td>Förderung</td>');
    expect(tr).toContain('Regionen: Harz · Rollen: Ehrenamtlich engagiert');
    expect(tr).toContain('data-warning="deadline-past">Antragsfrist abgelaufen</strong>');
  });

  it('refuses <script> in the title, a javascript: link and an image without alt text; keeps every value', async () => {
    const before = itemCount();
    const res = await editor.post('/admin/items', {
      type: 'text',
      title: '<script>alert(1)</script>',
      description: 'Siehe [hier](javascript:alert(1))',
      regions: ['15085', '15003'],
      'fields.imageUrl': 'https://example.org/bild.jpg',
      'fields.imageAlt': '',
      'fields.buttonLabel': 'Mehr',
      'fields.buttonUrl': 'https://example.org/mehr',
      'translations.uk.title': 'Текст',
    });
    expect(res.statusCode).toBe(400);
    expect(itemCount()).toBe(before);
    const html = res.body;
    expect(html).toContain('<title>Fehler: Neuer Beitrag');
    expect(html).toContain('Bitte prüfen Sie die markierten Felder.');
    // Next to each field, and linked from the summary at the top.
    expect(html).toMatch(
      /id="title" name="title"[^>]*aria-describedby="title-error" aria-invalid="true"/,
    );
    expect(html).toContain(
      'id="title-error"><span class="visually-hidden">Fehler: </span>ist nötig: einfacher Text',
    );
    expect(html).toMatch(
      /<textarea id="description"[^>]*aria-describedby="description-hint description-error" aria-invalid="true"/,
    );
    expect(html).toContain(
      'id="description-error"><span class="visually-hidden">Fehler: </span>Links dürfen nur mit http://',
    );
    expect(html).toMatch(
      /id="fields\.imageAlt"[^>]*aria-describedby="fields\.imageAlt-hint fields\.imageAlt-error" aria-invalid="true"/,
    );
    expect(html).toContain(
      'id="fields.imageAlt-error"><span class="visually-hidden">Fehler: </span>ist nötig, wenn es ein Bild gibt',
    );
    expect(html).toContain('<a href="#title">Titel: ist nötig');
    expect(html).toContain('<a href="#fields.imageAlt">Alternativtext: ist nötig');
    // Everything typed is still there, escaped.
    expect(html).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('>Siehe [hier](javascript:alert(1))</textarea>');
    expect(html).toContain('value="https://example.org/bild.jpg"');
    expect(html).toContain('value="https://example.org/mehr"');
    expect(html).toMatch(/id="regions-15085" name="regions" value="15085" checked/);
    expect(html).toMatch(/id="regions-15003" name="regions" value="15003" checked/);
    expect(html).toMatch(
      /<details class="translation" open>\s*<summary>Übersetzung: <span lang="uk"/,
    );
    expect(html).toContain('value="Текст"');
  });

  it('a training time is Berlin wall-clock on the form and saved with its offset', async () => {
    const res = await editor.post('/admin/items', {
      type: 'training',
      title: 'Fördermittel-Workshop',
      'fields.startsAt': '2030-07-01T18:00',
      'fields.endsAt': '2030-12-01T20:00',
      'fields.place': 'online',
    });
    expect(res.statusCode).toBe(303);
    const row = itemTitled('Fördermittel-Workshop')!;
    expect(JSON.parse(row.fields)).toMatchObject({
      startsAt: '2030-07-01T18:00+02:00',
      endsAt: '2030-12-01T20:00+01:00',
    });
    const page = await editor.get(`/admin/items/${row.id}`);
    expect(page.body).toContain(
      'name="fields.startsAt" type="datetime-local" value="2030-07-01T18:00"',
    );
    expect(page.body).toContain(
      'name="fields.endsAt" type="datetime-local" value="2030-12-01T20:00"',
    );
  });

  it('editing changes what was changed and keeps every other field', async () => {
    const row = itemTitled('Dorfladen-Förderung')!;
    const form = await editor.get(`/admin/items/${row.id}`);
    expect(form.body).toContain('value="LEADER"');
    expect(form.body).toContain('value="2020-03-31"');
    expect(form.body).toMatch(/id="roles-volunteer" name="roles" value="volunteer" checked/);
    expect(form.body).toContain('value="Village shop funding"');
    // The editor changes the title and the amount, as the browser sends the whole form.
    const res = await editor.post(`/admin/items/${row.id}`, {
      ...funding,
      title: 'Dorfladen-Förderung 2026',
      'fields.amount': 'bis 25.000 €',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/items/${row.id}?notice=items.saved`);
    const after = sql<ItemRow>('select * from items where id = ?', row.id)[0]!;
    expect(after.title).toBe('Dorfladen-Förderung 2026');
    expect(JSON.parse(after.fields)).toEqual({ ...JSON.parse(row.fields), amount: 'bis 25.000 €' });
    expect(after.description).toBe(row.description);
    expect(after.regions).toBe(row.regions);
    expect(after.roles).toBe(row.roles);
    expect(after.translations).toBe(row.translations);

    // A problem on edit: the page again, nothing saved.
    const bad = await editor.post(`/admin/items/${row.id}`, {
      ...funding,
      'fields.deadline': '31.03.2020',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('value="31.03.2020"');
    expect(bad.body).toContain('id="fields.deadline-error"');
    expect(sql<ItemRow>('select * from items where id = ?', row.id)[0]).toEqual(after);
  });

  it('a viewer reads the library and an item without any buttons; every change is 403', async () => {
    const row = itemTitled('Dorfladen-Förderung 2026')!;
    const list = await viewer.get('/admin/items');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Dorfladen-Förderung 2026');
    expect(list.body).not.toContain('href="/admin/items/new"');
    const page = await viewer.get(`/admin/items/${row.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<dd>LEADER</dd>');
    expect(page.body).toContain('Antragsfrist abgelaufen');
    const main = page.body.slice(page.body.indexOf('<main'));
    expect(main).not.toContain('<button');
    expect(main).not.toContain('<form');
    expect(main).not.toContain('/delete');
    expect((await viewer.get('/admin/items/new?type=text')).statusCode).toBe(403);
    expect((await viewer.get(`/admin/items/${row.id}/delete`)).statusCode).toBe(403);
    const before = sql<ItemRow>('select * from items where id = ?', row.id)[0];
    expect(
      (await viewer.post('/admin/items', { ...funding, title: 'Vom Lesezugriff' })).statusCode,
    ).toBe(403);
    expect(
      (await viewer.post(`/admin/items/${row.id}`, { ...funding, title: 'Geändert' })).statusCode,
    ).toBe(403);
    expect((await viewer.post(`/admin/items/${row.id}/delete`)).statusCode).toBe(403);
    expect(itemTitled('Vom Lesezugriff')).toBeUndefined();
    expect(sql<ItemRow>('select * from items where id = ?', row.id)[0]).toEqual(before);
  });

  it('refuses a change without the form token', async () => {
    const row = itemTitled('Dorfladen-Förderung 2026')!;
    await editor.get('/admin/items');
    const before = itemCount();
    expect(
      (await editor.post('/admin/items', { ...funding, title: 'Ohne Token' }, null)).statusCode,
    ).toBe(403);
    expect((await editor.post(`/admin/items/${row.id}/delete`, {}, null)).statusCode).toBe(403);
    expect((await editor.post(`/admin/items/${row.id}/delete`, {}, 'forged')).statusCode).toBe(403);
    expect(itemCount()).toBe(before);
    expect(sql<ItemRow>('select * from items where id = ?', row.id)[0]!.deleted_at).toBeNull();
  });

  it('deleting asks first; then the item leaves the list', async () => {
    const row = itemTitled('Dorfladen-Förderung 2026')!;
    const form = await editor.get(`/admin/items/${row.id}`);
    expect(form.body).toContain(`href="/admin/items/${row.id}/delete"`);
    const confirm = await editor.get(`/admin/items/${row.id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Beitrag „Dorfladen-Förderung 2026“ löschen?');
    const res = await editor.post(`/admin/items/${row.id}/delete`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/items?notice=items.deleted');
    const list = await editor.get(res.headers.location as string);
    expect(list.body).toContain('Der Beitrag ist gelöscht.');
    expect(rowOf(list.body, row.id)).toBeUndefined();
    expect((await editor.get(`/admin/items/${row.id}`)).statusCode).toBe(404);
  });

  it('filters by type and pages newest first with a "more" link', async () => {
    for (let i = 0; i < 52; i++)
      t.app.services.items.create({ type: 'support', title: `Hilfe ${i}` }, { kind: 'cli' });
    const first = await editor.get('/admin/items?type=support');
    const titles = [...first.body.matchAll(/>(Hilfe \d+)<\/a>/g)].map((m) => m[1]);
    expect(titles).toHaveLength(50);
    expect(titles[0]).toBe('Hilfe 51');
    expect(first.body).not.toContain('Fördermittel-Workshop');
    const more = /href="(\/admin\/items\?after=\d+&amp;type=support)" rel="next"/.exec(
      first.body,
    )![1]!;
    const second = await editor.get(more.replace(/&amp;/g, '&'));
    expect([...second.body.matchAll(/>(Hilfe \d+)<\/a>/g)].map((m) => m[1])).toEqual([
      'Hilfe 1',
      'Hilfe 0',
    ]);
    expect(second.body).not.toContain('rel="next"');
  });
});

describe('admin texts', () => {
  it('the item pages have the same keys in German and English', () => {
    const mine = (lang: string) =>
      adminKeys(lang)
        .filter((k) => /^(items|common)\./.test(k))
        .sort();
    expect(mine('de').length).toBeGreaterThan(80);
    expect(mine('en')).toEqual(mine('de'));
  });
});
