/**
 * Names are plain text wherever they come in: the sign-up form, the preferences page, the
 * admin forms, the API and the CSV import all refuse control characters, line separators and
 * bidi overrides, and store nothing. What is already stored leaves an export defused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importClient, type ImportClient } from '../../helpers/admin-imports.js';
import { loginAs, type AdminClient } from '../../helpers/admin.js';
import { apiClient, makeToken } from '../../helpers/api.js';
import { linkFrom, startTestApp, type TestApp } from '../../helpers/app.js';
import {
  FORM,
  formBody,
  pathOf,
  postSignup,
  rows,
  signUpAndConfirm,
  subscriberByEmail,
} from './_flow.js';

let t: TestApp;
let editor: AdminClient;
let importer: ImportClient;
let token: string;
const api = apiClient(() => t);

/** The characters, each in the middle of a name and at its end (where trimming must not hide it). */
const CONTROLS: [string, string][] = [
  ['NUL', '\u0000'],
  ['ESC', '\u001b'],
  ['VT', '\u000b'],
  ['TAB', '\t'],
  ['NEL', '\u0085'],
  ['LINE SEPARATOR', '\u2028'],
  ['RLO', '\u202e'],
];
const BAD_NAMES: [string, string][] = CONTROLS.flatMap(([what, c]) => [
  [`${what} inside`, `Eve${c}Mallory`],
  [`${what} at the end`, `Eve Mallory${c}`],
]);

const names = () => rows<{ name: string }>(t, 'select name from subscribers').map((r) => r.name);
const count = () => rows<{ n: number }>(t, 'select count(*) as n from subscribers')[0]!.n;
const listId = () => rows<{ id: number }>(t, 'select id from lists order by id limit 1')[0]!.id;
const fieldError = (html: string, field: string) =>
  new RegExp(`id="${field}-error">`).test(html) && /aria-invalid="true"/.test(html);

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
  editor = await loginAs(t, 'editor');
  importer = await importClient(t, 'editor');
  token = makeToken(t, 'crm', 'editor');
});
afterAll(async () => {
  await t?.close();
});

describe('a name with a control character is refused with 400, and nothing is stored', () => {
  it('on the sign-up form', async () => {
    for (const [what, name] of BAD_NAMES) {
      const email = `signup.${what.replace(/\W/g, '')}@example.org`.toLowerCase();
      const res = await postSignup(t, { email, name });
      expect(res.statusCode, what).toBe(400);
      expect(fieldError(res.body, 'name'), what).toBe(true);
      expect(res.body).toMatch(
        /id="name-error">.*keine Zeilenumbrüche, Tabulatoren, Steuerzeichen/s,
      );
      expect(subscriberByEmail(t, email), what).toBeUndefined();
    }
  });

  it('on the preferences page', async () => {
    const email = 'prefs.controls@example.org';
    const { welcome } = await signUpAndConfirm(t, email, { name: 'Paula Plain' });
    const url = pathOf(linkFrom(welcome.text, '/p/'));
    for (const [what, name] of BAD_NAMES) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: FORM,
        payload: formBody({ lang: 'de', name, region: '15085', language: 'de' }),
      });
      expect(res.statusCode, what).toBe(400);
      expect(fieldError(res.body, 'name'), what).toBe(true);
      expect(subscriberByEmail(t, email)?.name, what).toBe('Paula Plain');
    }
  });

  it('in the admin add and edit forms', async () => {
    const before = count();
    for (const [what, name] of BAD_NAMES) {
      await editor.get('/admin/subscribers/new');
      const res = await editor.post('/admin/subscribers', {
        email: 'admin.add@example.org',
        name,
        language: 'de',
        lists: String(listId()),
        method: 'paper',
        event: 'Fachtag',
        event_date: '2026-03-14',
      });
      expect(res.statusCode, what).toBe(400);
      expect(fieldError(res.body, 'name'), what).toBe(true);
    }
    expect(count()).toBe(before);

    const add = await editor.post('/admin/subscribers', {
      email: 'admin.edit@example.org',
      name: 'Anton Admin',
      language: 'de',
      lists: String(listId()),
      method: 'paper',
      event: 'Fachtag',
      event_date: '2026-03-14',
    });
    expect(add.statusCode).toBe(303);
    const id = subscriberByEmail(t, 'admin.edit@example.org')!.id;
    for (const [what, name] of BAD_NAMES) {
      await editor.get(`/admin/subscribers/${id}/edit`);
      const res = await editor.post(`/admin/subscribers/${id}`, {
        name,
        language: 'de',
        lists: String(listId()),
      });
      expect(res.statusCode, what).toBe(400);
      expect(fieldError(res.body, 'name'), what).toBe(true);
    }
    expect(subscriberByEmail(t, 'admin.edit@example.org')?.name).toBe('Anton Admin');
  });

  it('in the API: create and change, refused by the schema that names the field', async () => {
    const before = count();
    for (const [what, name] of BAD_NAMES) {
      const res = await api('POST', '/subscribers', token, {
        email: 'api.create@example.org',
        name,
        consent: { mode: 'paper', event: 'Fachtag', eventDate: '2026-03-14' },
      });
      expect(res.statusCode, what).toBe(400);
      expect(res.json<{ message: string }>().message, what).toMatch(/^body\/name must match/);
    }
    expect(count()).toBe(before);

    const created = await api('POST', '/subscribers', token, {
      email: 'api.patch@example.org',
      name: 'Paul Api',
      consent: { mode: 'paper', event: 'Fachtag', eventDate: '2026-03-14' },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: number }>();
    for (const [what, name] of BAD_NAMES) {
      const res = await api('PATCH', `/subscribers/${id}`, token, { name });
      expect(res.statusCode, what).toBe(400);
      expect(res.json<{ message: string }>().message, what).toMatch(/^body\/name must match/);
    }
    expect(subscriberByEmail(t, 'api.patch@example.org')?.name).toBe('Paul Api');
  });

  it('in a CSV import: the rows are reported and skipped (a NUL: not a text file)', async () => {
    await importer.get('/admin/imports');
    const nul = await importer.upload(
      'nul.csv',
      Buffer.from('email;name\nimport.nul@example.org;Eve\u0000Mallory\n'),
    );
    expect(nul.statusCode).toBe(400);
    expect(nul.body).toMatch(/id="file-error">.*keine CSV-Datei/);

    const others = CONTROLS.filter(([what]) => what !== 'NUL');
    const lines = others.map(([what, c], i) => `import${i}@example.org;Eve${c}Mallory ${what}`);
    const csv = Buffer.from(`email;name\nfine@example.org;Fine Name\n${lines.join('\n')}\n`);
    await importer.get('/admin/imports');
    const upload = await importer.upload('names.csv', csv);
    expect(upload.statusCode, upload.body).toBe(303);
    const id = Number(
      /\/admin\/imports\/(\d+)\/mapping/.exec(upload.headers.location as string)![1],
    );
    await importer.get(`/admin/imports/${id}/mapping`);
    const validated = await importer.post(`/admin/imports/${id}/mapping`, {
      'map-0': 'email',
      'map-1': 'name',
    });
    expect(validated.statusCode).toBe(303);
    const report = await importer.get(`/admin/imports/${id}`);
    expect(report.body.match(/<td>Name zu lang oder mit unzulässigen Zeichen<\/td>/g)).toHaveLength(
      others.length,
    );
    const start = await importer.post(`/admin/imports/${id}/start`, {
      mode: 'confirmed',
      consentSource: 'Teilnahmeliste Fachtag 2026-03-14',
    });
    expect(start.statusCode, start.body).toBe(303);
    for (let i = 0; i < 100; i++) {
      const [row] = rows<{ status: string }>(t, 'select status from imports where id = ?', id);
      if (row!.status === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(subscriberByEmail(t, 'fine@example.org')?.name).toBe('Fine Name');
    expect(rows(t, "select email from subscribers where email like 'import%'")).toEqual([]);
  });

  it('nowhere did a stored name get a control character', () => {
    const stored = names().filter((n) => CONTROLS.some(([, c]) => n.includes(c)));
    expect(stored).toEqual([]);
  });
});

describe('a name already stored with control characters', () => {
  it('reaches the CSV export without raw ESC or NUL', async () => {
    t.runtime.database.sqlite
      .prepare(
        "insert into subscribers (email, name, status, region_key) values (?, ?, 'confirmed', '15091')",
      )
      .run('legacy@example.org', 'Eve\u001b[31mRed\u0000Mallory\u202e');
    const res = await editor.get('/admin/subscribers/export.csv?region=15091');
    expect(res.statusCode).toBe(200);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^legacy@example\.org,Eve\uFFFD\[31mRed\uFFFDMallory\uFFFD,/);
    for (const c of ['\u0000', '\u001b', '\u202e']) expect(res.body).not.toContain(c);
  });
});
