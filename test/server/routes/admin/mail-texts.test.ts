/** Editors write the welcome mail's text; the next welcome mail carries it, escaped. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { signUpAndConfirm } from '../_flow.js';

let t: TestApp;
let editor: AdminClient;
const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
  editor = await loginAs(t, 'editor');
});
afterAll(async () => {
  await t?.close();
});

describe('welcome mail text', () => {
  it('shows the built-in text as a preview until an editor writes one', async () => {
    const page = await editor.get('/admin/mail-texts?lang=de');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Für diese Sprache gilt der mitgelieferte Text.');
    // Only this page is marked current in the navigation, not the mail catcher (/admin/mail).
    const asAdmin = await (await loginAs(t, 'admin')).get('/admin/mail-texts?lang=de');
    expect(asAdmin.body).toContain('href="/admin/mail"');
    expect(asAdmin.body.match(/aria-current="page"/g)).toHaveLength(2); // menu entry + language
    expect(asAdmin.body).toContain('href="/admin/mail-texts" aria-current="page"');
    expect(page.body).toContain('Willkommen');
  });

  it('saves a German text that the next welcome mail carries, as plain text', async () => {
    const res = await editor.post('/admin/mail-texts', {
      language: 'de',
      action: 'save',
      subject: 'Schön, dass Sie dabei sind',
      body: 'Hallo aus dem Projekt!\n\nWir schreiben einmal im Monat. <b>Kein HTML</b>',
    });
    expect(res.statusCode).toBe(303);
    expect(sql("select subject from mail_texts where key = 'welcome' and language = 'de'")).toEqual(
      [{ subject: 'Schön, dass Sie dabei sind' }],
    );
    const { welcome } = await signUpAndConfirm(t, 'welcome.text@example.org');
    expect(welcome.subject).toBe('Schön, dass Sie dabei sind');
    expect(welcome.text).toContain('Wir schreiben einmal im Monat. <b>Kein HTML</b>');
    expect(welcome.html).toContain('&lt;b&gt;Kein HTML&lt;/b&gt;');
    expect(welcome.html).not.toContain('<b>Kein HTML</b>');
    expect(welcome.text).toContain('/u/');
  });

  it('refuses a subject with a line break, keeping what was typed', async () => {
    await editor.get('/admin/mail-texts?lang=en');
    const res = await editor.post('/admin/mail-texts', {
      language: 'en',
      action: 'save',
      subject: 'Hello\r\nBcc: someone@example.org',
      body: 'Kept text',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="subject-error"');
    expect(res.body).toContain('Kept text');
    expect(sql("select * from mail_texts where language = 'en'")).toHaveLength(0);
  });

  it('restores the built-in text', async () => {
    await editor.get('/admin/mail-texts?lang=de');
    const res = await editor.post('/admin/mail-texts', { language: 'de', action: 'reset' });
    expect(res.statusCode).toBe(303);
    expect(sql("select * from mail_texts where language = 'de'")).toHaveLength(0);
  });

  it('is for editors: a viewer gets 403 on the page and on saving', async () => {
    const viewer = await loginAs(t, 'viewer');
    expect((await viewer.get('/admin/mail-texts')).statusCode).toBe(403);
    await viewer.get('/admin');
    const res = await viewer.post('/admin/mail-texts', {
      language: 'de',
      action: 'save',
      subject: 'x',
      body: 'y',
    });
    expect(res.statusCode).toBe(403);
  });
});
