/**
 * The editions in the admin UI: the series plan, the edition form with items picked from the
 * library in the editor's order, problems next to their fields with nothing saved, the preview
 * with its sandboxed HTML, and autosave as JSON; a viewer sees but cannot change; every change
 * needs the form token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKeys } from '../../../../server/i18n/admin.js';
import type { Actor } from '../../../../server/services/context.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;
const ids: Record<string, number> = {};

const HARZ = '15085';
const actor: Actor = { kind: 'system', task: 'test' };
const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const editionNumbered = (number: number) =>
  sql<{ id: number; title: string; subject: string; in_archive: number; sections: string }>(
    'select * from editions where number = ?',
    number,
  )[0];
const itemsOf = (editionId: number) =>
  sql<{ item_id: number }>(
    'select item_id from edition_items where edition_id = ? order by position',
    editionId,
  ).map((r) => r.item_id);
const editionCount = () => sql<{ n: number }>('select count(*) as n from editions')[0]!.n;

function createItem(type: string, title: string, extra: Record<string, unknown> = {}) {
  const result = t.app.services.items.create({ type, title, ...extra }, actor);
  if (result.kind !== 'saved') throw new Error(`item ${title}: ${JSON.stringify(result)}`);
  return result.item.id;
}

/** The form of a new edition as an editor fills it in. */
const sectionFields = (headings: Record<string, string> = {}) =>
  Object.fromEntries(
    ['funding', 'counselling', 'training', 'meeting', 'support', 'text'].flatMap((type, i) => [
      [`sections.${type}.heading`, headings[type] ?? `Abschnitt ${type}`],
      [`sections.${type}.order`, String(i + 1)],
      [`sections.${type}.elsewhere`, 'show'],
    ]),
  );

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
  ids.funding = createItem('funding', 'Dorfladen-Förderung', {
    fields: { deadline: '2020-03-31' },
  });
  ids.counselling = createItem('counselling', 'Migrationsberatung Halberstadt', {
    regions: [HARZ],
  });
  ids.text = createItem('text', 'Grußwort');
  ids.text2 = createItem('text', 'Rückblick');
});

afterAll(async () => {
  await t?.close();
});

describe('the series plan', () => {
  it('lists the planned numbers with links to a new edition, and "Ausgaben" in the navigation', async () => {
    const res = await editor.get('/admin/editions');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>Ausgaben</h1>');
    const nav = /<ul class="admin-nav">([\s\S]*?)<\/ul>/.exec(res.body)![1]!;
    expect(nav).toContain('<a href="/admin/editions" aria-current="page">Ausgaben</a>');
    const row1 = /<tr class="muted" data-number="1">[\s\S]*?<\/tr>/.exec(res.body)?.[0];
    expect(row1).toContain('geplant');
    expect(row1).toContain('href="/admin/editions/new?number=1"');
    expect(res.body).toContain('<a href="/admin/editions/new?number=1">Neue Ausgabe (Nr. 1)</a>');
  });

  it('the new form has the number given by the plan, the six sections and the library', async () => {
    const res = await editor.get('/admin/editions/new?number=3');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/id="number" name="number" type="text"[^>]* value="3"/);
    expect(res.body).toContain('value="Fördermöglichkeiten"');
    expect(res.body).toMatch(
      new RegExp(`type="checkbox" id="item-${ids.funding}" name="items" value="${ids.funding}">`),
    );
    // The library names the audience and warns of the past deadline.
    expect(res.body).toContain('Regionen: Harz');
    expect(res.body).toContain('data-warning="deadline-past">Antragsfrist abgelaufen');
    expect(res.body).toMatch(
      /id="translations\.ar\.subject" name="translations\.ar\.subject" type="text" autocomplete="off" lang="ar" dir="rtl"/,
    );
    // A new edition has nothing to autosave: the script is not loaded.
    expect(res.body).not.toContain('admin-editor.js');
  });
});

describe('creating and changing an edition', () => {
  let id: number;

  it('an editor creates an edition with items in the order of their positions', async () => {
    await editor.get('/admin/editions/new?number=2');
    const res = await editor.post('/admin/editions', {
      number: '2',
      title: 'Frühjahr im Landkreis',
      subject: 'Neues aus dem Netzwerk',
      preheader: 'Förderung und Beratung',
      intro: 'Liebe **Engagierte**,',
      targetDate: '2027-04-01',
      inArchive: 'on',
      items: [String(ids.text), String(ids.counselling), String(ids.text2)],
      [`position.${ids.text}`]: '2',
      [`position.${ids.text2}`]: '1',
      [`position.${ids.counselling}`]: '1',
      ...sectionFields({ counselling: 'Beratung in Ihrer Nähe' }),
      'translations.ar.subject': 'أخبار الشبكة',
    });
    expect(res.statusCode).toBe(303);
    const row = editionNumbered(2)!;
    expect(res.headers.location).toBe(`/admin/editions/${row.id}?notice=editions.created`);
    id = row.id;
    expect(row.title).toBe('Frühjahr im Landkreis');
    expect(row.in_archive).toBe(1);
    expect(itemsOf(id)).toEqual([ids.counselling, ids.text2, ids.text]);
    expect(JSON.parse(row.sections)[1]).toEqual({
      type: 'counselling',
      heading: 'Beratung in Ihrer Nähe',
      elsewhere: 'show',
    });

    const page = await editor.get(res.headers.location as string);
    expect(page.body).toContain('Die Ausgabe ist angelegt.');
    expect(page.body).toMatch(/id="position-\d+" name="position\.\d+"[^>]*value="1"/);
    expect(page.body).toContain('<script src="/assets/admin-editor.js" defer></script>');
    expect(page.body).toContain(`data-autosave="/admin/editions/${id}/autosave"`);
    expect(page.body).toContain('value="أخبار الشبكة"');
    expect(page.body).toMatch(
      /<iframe class="preview phone"[^>]* sandbox src="\/admin\/editions\/\d+\/preview\/html\?/,
    );

    const plan = await editor.get('/admin/editions');
    expect(plan.body).toContain(`<a href="/admin/editions/${id}">Frühjahr im Landkreis</a>`);
  });

  it('sections follow their order inputs; "hide" and translated headings are kept', async () => {
    await editor.get('/admin/editions/new');
    const res = await editor.post('/admin/editions', {
      number: '7',
      title: 'Sommer',
      subject: 'Sommer im Netzwerk',
      ...sectionFields(),
      'sections.text.order': '1',
      'sections.funding.order': '3',
      'sections.counselling.elsewhere': 'hide',
      'translations.ar.headings.counselling': 'الاستشارات',
      'translations.en.subject': 'Summer in the network',
    });
    expect(res.statusCode).toBe(303);
    const row = editionNumbered(7)!;
    const sections = JSON.parse(row.sections) as { type: string; elsewhere: string }[];
    expect(sections.map((x) => x.type)).toEqual([
      'text',
      'counselling',
      'funding',
      'training',
      'meeting',
      'support',
    ]);
    expect(sections.find((x) => x.type === 'counselling')!.elsewhere).toBe('hide');
    const translations = sql<{ translations: string }>(
      'select translations from editions where id = ?',
      row.id,
    )[0]!.translations;
    expect(JSON.parse(translations)).toMatchObject({
      ar: { headings: { counselling: 'الاستشارات' } },
      en: { subject: 'Summer in the network' },
    });
    const page = await editor.get(`/admin/editions/${row.id}`);
    expect(page.body).toMatch(/id="sections\.text\.order"[^>]*value="1"/);
    expect(page.body).toMatch(
      /id="sections\.counselling\.elsewhere-hide"[^>]*value="hide" checked/,
    );
  });

  it('problems appear next to their fields, everything typed is kept, nothing is saved', async () => {
    const before = editionCount();
    const res = await editor.post('/admin/editions', {
      number: '2',
      title: 'Sommer',
      subject: '',
      intro: '<script>alert(1)</script>',
      targetDate: '1.4.2027',
      items: [String(ids.funding)],
      ...sectionFields({ meeting: '' }),
    });
    expect(res.statusCode).toBe(400);
    expect(editionCount()).toBe(before);
    expect(res.body).toContain('<title>Fehler: Neue Ausgabe');
    expect(res.body).toMatch(/id="subject"[^>]*aria-invalid="true"/);
    expect(res.body).toMatch(/<p class="error" id="subject-error">[\s\S]*?ist nötig/);
    expect(res.body).toMatch(/<p class="error" id="targetDate-error">[\s\S]*?JJJJ-MM-TT/);
    expect(res.body).toMatch(
      /<p class="error" id="number-error">[\s\S]*?schon eine andere Ausgabe/,
    );
    expect(res.body).toMatch(/<p class="error" id="sections\.meeting\.heading-error">/);
    expect(res.body).toContain('href="#sections.meeting.heading">Abschnitt Treffen, Überschrift');
    expect(res.body).toContain('value="Sommer"');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toContain('<script>alert(1)');
    // The ticked item stays ticked.
    expect(res.body).toMatch(
      new RegExp(`id="item-${ids.funding}" name="items" value="${ids.funding}" checked`),
    );
  });

  it('saving the form replaces the items in the new order; unticked items leave', async () => {
    const page = await editor.get(`/admin/editions/${id}`);
    expect(page.statusCode).toBe(200);
    const res = await editor.post(`/admin/editions/${id}`, {
      number: '2',
      title: 'Frühjahr im Landkreis',
      subject: 'Neues aus dem Netzwerk',
      items: [String(ids.text), String(ids.funding)],
      [`position.${ids.text}`]: '1',
      ...sectionFields(),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/editions/${id}?notice=editions.saved`);
    expect(itemsOf(id)).toEqual([ids.text, ids.funding]);
    expect(editionNumbered(2)!.in_archive).toBe(0);
  });

  it('autosave answers JSON: saved with the time, or the problems and nothing saved', async () => {
    await editor.get(`/admin/editions/${id}`);
    const ok = await editor.post(`/admin/editions/${id}/autosave`, {
      number: '2',
      title: 'Frühjahr im Landkreis',
      subject: 'Automatisch gespeicherter Betreff',
      items: [String(ids.counselling)],
      ...sectionFields(),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^application\/json/);
    const saved = ok.json();
    expect(saved.ok).toBe(true);
    expect(typeof saved.savedAt).toBe('number');
    expect(saved.status).toMatch(/^Automatisch gespeichert \d\d:\d\d$/);
    expect(editionNumbered(2)!.subject).toBe('Automatisch gespeicherter Betreff');
    expect(itemsOf(id)).toEqual([ids.counselling]);

    const bad = await editor.post(`/admin/editions/${id}/autosave`, {
      number: '2',
      title: '',
      subject: 'Nicht gespeichert',
      items: [String(ids.funding)],
      ...sectionFields(),
    });
    expect(bad.statusCode).toBe(400);
    const refused = bad.json();
    expect(refused.ok).toBe(false);
    expect(refused.errors.title).toMatch(/ist nötig/);
    expect(refused.status).toMatch(/^Nicht automatisch gespeichert – Titel: ist nötig/);
    expect(editionNumbered(2)!.subject).toBe('Automatisch gespeicherter Betreff');
    expect(itemsOf(id)).toEqual([ids.counselling]);
  });

  it("a save over somebody else's newer save is refused with who saved; nothing is lost", async () => {
    const page = await editor.get(`/admin/editions/${id}`);
    const basedOn = /name="basedOn" value="(\d+)"/.exec(page.body)![1]!;
    expect(Number(basedOn)).toBe(
      sql<{ updated_at: number }>('select updated_at from editions where id = ?', id)[0]!
        .updated_at,
    );
    const anna = await loginAs(t, 'editor', 'anna@landpost.test');
    await anna.get(`/admin/editions/${id}`);
    const fields = {
      number: '2',
      title: 'Frühjahr im Landkreis',
      items: [String(ids.counselling)],
      ...sectionFields(),
    };
    // Sleep past the millisecond so the two saves differ in updatedAt.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const annaSaved = await anna.post(`/admin/editions/${id}`, {
      ...fields,
      subject: 'Annas Betreff',
    });
    expect(annaSaved.statusCode).toBe(303);

    const stale = await editor.post(`/admin/editions/${id}`, {
      ...fields,
      subject: 'Mein Betreff',
      basedOn,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toMatch(
      /anna@landpost\.test hat die Ausgabe inzwischen geändert \(\d\d:\d\d\)\. <a href="\/admin\/editions\/\d+">Neu laden<\/a>/,
    );
    expect(stale.body).toContain('value="Mein Betreff"');
    expect(editionNumbered(2)!.subject).toBe('Annas Betreff');

    const autosave = await editor.post(`/admin/editions/${id}/autosave`, {
      ...fields,
      subject: 'Mein Betreff',
      basedOn,
    });
    expect(autosave.statusCode).toBe(409);
    expect(autosave.json()).toMatchObject({
      ok: false,
      stale: { by: 'anna@landpost.test' },
      reload: { href: `/admin/editions/${id}`, text: 'Neu laden' },
    });
    expect(editionNumbered(2)!.subject).toBe('Annas Betreff');

    // Based on the newest save, the autosave goes through and names the next basis.
    const fresh = await editor.get(`/admin/editions/${id}`);
    const newest = /name="basedOn" value="(\d+)"/.exec(fresh.body)![1]!;
    const ok = await editor.post(`/admin/editions/${id}/autosave`, {
      ...fields,
      subject: 'Automatisch gespeicherter Betreff',
      basedOn: newest,
    });
    expect(ok.statusCode).toBe(200);
    const { updatedAt } = ok.json();
    expect(updatedAt).toBeGreaterThan(Number(newest));
    const saved = await editor.post(`/admin/editions/${id}`, {
      ...fields,
      subject: 'Automatisch gespeicherter Betreff',
      basedOn: String(updatedAt),
    });
    expect(saved.statusCode).toBe(303);
  });

  it('the preview page shows the inbox line, the checks, the size and the text part', async () => {
    const res = await editor.get(`/admin/editions/${id}/preview?language=de&region=${HARZ}&role=`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(
      '<strong class="inbox-subject">Automatisch gespeicherter Betreff</strong>',
    );
    expect(res.body).toMatch(/Größe des HTML-Teils: \d+,\d KB/);
    expect(res.body).toContain('data-check="preheader-missing"');
    expect(res.body).toMatch(
      /<pre class="text-part" lang="de" dir="ltr">[\s\S]*Migrationsberatung Halberstadt/,
    );
    expect(res.body).toMatch(new RegExp(`<option value="${HARZ}" selected>Harz</option>`));
    expect(res.body).toContain(
      `sandbox src="/admin/editions/${id}/preview/html?language=de&amp;region=${HARZ}&amp;role="`,
    );

    const unknown = await editor.get(`/admin/editions/${id}/preview?region=atlantis`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toMatch(/<p class="error" id="region-error">/);
  });

  it('the preview HTML carries its own sandbox CSP and may only be framed by the admin', async () => {
    const res = await viewer.get(`/admin/editions/${id}/preview/html?language=de&region=${HARZ}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(
      "sandbox; default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'",
    );
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.body).toContain('Migrationsberatung Halberstadt');
    expect(res.body).toContain('Erika Mustermann');
  });

  it('a viewer sees the plan, the edition and the preview, but every change is 403', async () => {
    const plan = await viewer.get('/admin/editions');
    expect(plan.statusCode).toBe(200);
    expect(plan.body).not.toContain('/admin/editions/new');
    const page = await viewer.get(`/admin/editions/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<fieldset class="plain" disabled>/);
    expect(page.body).not.toContain('admin-editor.js');
    expect(page.body).not.toContain('<button type="submit">Speichern</button>');
    expect(page.body).not.toContain(`action="/admin/editions/${id}/publish"`);
    const preview = await viewer.get(`/admin/editions/${id}/preview`);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).not.toContain('/test-send"');

    expect((await viewer.get('/admin/editions/new')).statusCode).toBe(403);
    const before = editionCount();
    const fields = { title: 'Vom Lesezugriff', subject: 'x', ...sectionFields() };
    expect((await viewer.post('/admin/editions', fields)).statusCode).toBe(403);
    expect((await viewer.post(`/admin/editions/${id}`, fields)).statusCode).toBe(403);
    expect((await viewer.post(`/admin/editions/${id}/autosave`, fields)).statusCode).toBe(403);
    expect(editionCount()).toBe(before);
    expect(editionNumbered(2)!.title).toBe('Frühjahr im Landkreis');
  });

  it('without the form token nothing changes (403)', async () => {
    await editor.get(`/admin/editions/${id}`);
    const fields = { number: '2', title: 'Gefälscht', subject: 'x', ...sectionFields() };
    expect((await editor.post(`/admin/editions/${id}`, fields, null)).statusCode).toBe(403);
    expect((await editor.post(`/admin/editions/${id}/autosave`, fields, null)).statusCode).toBe(
      403,
    );
    expect((await editor.post(`/admin/editions/${id}/autosave`, fields, 'forged')).statusCode).toBe(
      403,
    );
    expect(
      (await editor.post('/admin/editions', { ...fields, number: '5' }, null)).statusCode,
    ).toBe(403);
    expect(editionNumbered(2)!.title).toBe('Frühjahr im Landkreis');
    expect(editionNumbered(5)).toBeUndefined();
  });

  it('the versions page lists every save; restoring the first brings its texts and items back', async () => {
    const page = await editor.get(`/admin/editions/${id}/revisions`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Versionen der Ausgabe 2</h1>');
    const rows = [...page.body.matchAll(/<tr data-revision="(\d+)">/g)].map((m) => Number(m[1]));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows).toEqual([...rows].sort((a, b) => b - a));
    expect(page.body).toContain('<span class="badge info">automatisch</span>');
    expect(page.body).toContain('anna@landpost.test');
    const first = Math.min(...rows);
    expect(page.body).toContain(`action="/admin/editions/${id}/revisions/${first}/restore"`);

    expect((await viewer.post(`/admin/editions/${id}/revisions/${first}/restore`)).statusCode).toBe(
      403,
    );
    const viewed = await viewer.get(`/admin/editions/${id}/revisions`);
    expect(viewed.statusCode).toBe(200);
    expect(viewed.body).not.toContain('/restore"');

    const res = await editor.post(`/admin/editions/${id}/revisions/${first}/restore`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/editions/${id}?notice=editions.restored`);
    expect(editionNumbered(2)!.subject).toBe('Neues aus dem Netzwerk');
    expect(itemsOf(id)).toEqual([ids.counselling, ids.text2, ids.text]);
    const after = await editor.get(`/admin/editions/${id}/revisions`);
    expect([...after.body.matchAll(/<tr data-revision="(\d+)">/g)].length).toBe(rows.length + 1);
    expect((await editor.post(`/admin/editions/${id}/revisions/999/restore`)).statusCode).toBe(404);
  });

  it('who has the edition open: a second editor sees a notice, and the lock is renewed and given up', async () => {
    const first = await editor.get(`/admin/editions/${id}`);
    expect(first.body).toMatch(
      /<div class="notice warning" id="lock-notice" role="status" hidden>/,
    );
    const bea = await loginAs(t, 'editor', 'bea@landpost.test');
    const second = await bea.get(`/admin/editions/${id}`);
    expect(second.body).toMatch(
      /<div class="notice warning" id="lock-notice" role="status"><p>Test editor bearbeitet diese Ausgabe seit \d\d:\d\d\./,
    );
    // It is a soft lock: the form stays open for changes.
    expect(second.body).toContain('<fieldset class="plain">');

    const renewed = await bea.post(`/admin/editions/${id}/lock`);
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json()).toMatchObject({ holder: 'Test editor', mine: false });
    expect(renewed.json().notice).toMatch(/^Test editor bearbeitet diese Ausgabe seit/);

    expect((await editor.post(`/admin/editions/${id}/unlock`)).statusCode).toBe(204);
    const taken = await bea.post(`/admin/editions/${id}/lock`);
    expect(taken.json()).toMatchObject({ mine: true, notice: null });
    expect((await viewer.post(`/admin/editions/${id}/lock`)).statusCode).toBe(403);
    expect((await bea.post(`/admin/editions/${id}/lock`, {}, null)).statusCode).toBe(403);
    await bea.post(`/admin/editions/${id}/unlock`);
  });

  it('publishing in the archive without sending waits for a clean pre-send check', async () => {
    const published = () =>
      sql<{ published_at: number | null }>('select published_at from editions where id = ?', id)[0]!
        .published_at;
    const page = await editor.get(`/admin/editions/${id}`);
    expect(page.body).toContain(
      `<form method="post" action="/admin/editions/${id}/publish" class="inline">`,
    );
    expect(page.body).toContain('Im Archiv veröffentlichen, ohne zu versenden</button>');

    // Without the funder's line every variant fails the check: nothing is published.
    const blocked = await editor.post(`/admin/editions/${id}/publish`);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.body).toContain('Nicht veröffentlicht: die Prüfung vor dem Versand');
    expect(blocked.body).toMatch(
      /<div class="error-summary" role="alert" id="blocking">[\s\S]*<li data-check="attribution-missing">Der Variante de [^<]* fehlt der Hinweis auf die Förderung\.<\/li>/,
    );
    expect(published()).toBeNull();

    t.app.services.organisation.update(
      { funderAttribution: 'Gefördert vom Land Sachsen-Anhalt' },
      actor,
    );
    const ok = await editor.post(`/admin/editions/${id}/publish`);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/admin/editions/${id}?notice=editions.published`);
    expect(published()).toEqual(expect.any(Number));
    const shown = await editor.get(ok.headers.location as string);
    expect(shown.body).toContain('Die Ausgabe ist im Archiv veröffentlicht.');
    expect(shown.body).toContain('Aus dem Archiv nehmen</button>');

    expect((await viewer.post(`/admin/editions/${id}/unpublish`)).statusCode).toBe(403);
    const out = await editor.post(`/admin/editions/${id}/unpublish`);
    expect(out.statusCode).toBe(303);
    expect(published()).toBeNull();
  });

  it('a test send from the preview goes out in the previewed variant; wrong addresses are named', async () => {
    const page = await editor.get(`/admin/editions/${id}/preview?language=de&region=${HARZ}&role=`);
    expect(page.body).toContain(`<form method="post" action="/admin/editions/${id}/test-send"`);
    expect(page.body).toContain(`<input type="hidden" name="region" value="${HARZ}">`);

    const tooMany = Array.from({ length: 11 }, (_, i) => `person${i}@example.org`).join('\n');
    const refused = await editor.post(`/admin/editions/${id}/test-send`, {
      emails: tooMany,
      language: 'de',
      region: HARZ,
      role: '',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(
      /<p class="error" id="emails-error">[\s\S]*?höchstens 10 Adressen/,
    );
    expect(refused.body).toContain('person10@example.org</textarea>');
    const wrong = await editor.post(`/admin/editions/${id}/test-send`, {
      emails: 'keine-adresse',
      language: 'de',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toMatch(
      /<p class="error" id="emails-error">[\s\S]*?gültige E-Mail-Adressen/,
    );
    expect(
      (await viewer.post(`/admin/editions/${id}/test-send`, { emails: 'a@example.org' }))
        .statusCode,
    ).toBe(403);

    t.smtp.clear();
    const res = await editor.post(`/admin/editions/${id}/test-send`, {
      emails: 'redaktion@example.org\nkollegin@example.net\n',
      language: 'de',
      region: HARZ,
      role: '',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(
      `/admin/editions/${id}/preview?language=de&region=${HARZ}&role=&sent=2`,
    );
    const shown = await editor.get(res.headers.location as string);
    expect(shown.body).toContain('Testmail an 2 Adressen ist unterwegs.');
    const mails = await t.smtp.waitForCount(2);
    expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual([
      'kollegin@example.net',
      'redaktion@example.org',
    ]);
    for (const mail of mails) {
      expect(mail.subject).toMatch(/^\[Test\] /);
      // Harz readers get the Harz counselling contact in its section, not "elsewhere".
      expect(mail.text).toContain('Migrationsberatung Halberstadt');
      expect(mail.text).not.toContain('In anderen Regionen');
    }
  });

  it('the editor script is served from our origin and cached like the stylesheet', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/assets/admin-editor.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.body).toContain('data-autosave');
  });
});

describe('admin texts', () => {
  it('the edition pages have the same keys in German and English', () => {
    const mine = (lang: string) =>
      adminKeys(lang)
        .filter((k) => k.startsWith('editions.'))
        .sort();
    expect(mine('de').length).toBeGreaterThan(80);
    expect(mine('en')).toEqual(mine('de'));
  });
});
