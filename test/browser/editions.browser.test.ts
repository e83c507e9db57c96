import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import type { Actor } from '../../server/services/context.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';

/*
 * An editor composes an edition in a real browser: one item of each of the six types, picked
 * from the library by their titles; then looks at the preview as a subscriber in Harz and one
 * in Börde at phone width (the counselling contact in Harz is at the top for Harz and under "In
 * anderen Regionen" for Börde), adds an Arabic subject and introduction, which the form saves
 * by itself, and sees the Arabic preview right to left; then test-sends the Arabic variant and
 * finds the mails in the mail catcher. (An admin does the work: the catcher is for admins.)
 */

const TIMEOUT = 120_000;
const HARZ = '15085';
const BOERDE = '15083';
const editorEmail = 'redaktion@landpost.test';
const actor: Actor = { kind: 'system', task: 'test' };

const items: [type: string, title: string, extra?: Record<string, unknown>][] = [
  ['funding', 'Mikroprojekte im ländlichen Raum', { fields: { deadline: '2099-03-31' } }],
  [
    'counselling',
    'Migrationsberatung Halberstadt',
    { regions: [HARZ], fields: { organisation: 'Caritas Harz', phone: '03941 123456' } },
  ],
  ['training', 'Fördermittel richtig beantragen', { fields: { place: 'online' } }],
  ['meeting', 'Netzwerktreffen Ehrenamt', { fields: { place: 'Magdeburg' } }],
  ['support', 'Hilfe beim Vereinsrecht', {}],
  ['text', 'Aus dem Vorstand', { description: 'Ein Gruß zum Frühjahr.' }],
];

let browser: Browser;
let testApp: TestApp;

beforeAll(async () => {
  browser = await launchBrowser();
  // Without SMTP_URL mail goes to the built-in catcher, which admins read at /admin/mail.
  testApp = await startTestApp({ listen: true, env: { SMTP_URL: '' } });
  users.createUser(
    {
      email: editorEmail,
      name: 'Test Redaktion',
      role: 'admin',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
  for (const [type, title, extra] of items) {
    const result = testApp.app.services.items.create({ type, title, ...extra }, actor);
    if (result.kind !== 'saved') throw new Error(`${title}: ${JSON.stringify(result)}`);
  }
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

async function logIn(page: Page): Promise<void> {
  await logInAs(page, testApp.baseUrl, editorEmail, PASSWORD);
}

/** The frame behind an iframe of the page, once it has loaded its document. */
async function frameOf(page: Page, selector: string): Promise<Frame> {
  const handle = await page.waitForSelector(selector);
  const frame = await handle.contentFrame();
  if (!frame) throw new Error(`no frame for ${selector}`);
  await frame.waitForLoadState();
  return frame;
}

/** Shows the preview for a language and region and answers the phone frame's text. */
async function previewAs(page: Page, language: string, region: string): Promise<Frame> {
  await page.getByLabel('Sprache', { exact: true }).selectOption(language);
  await page.getByLabel('Region', { exact: true }).selectOption(region);
  await page.getByRole('button', { name: 'Anzeigen' }).click();
  await page.waitForURL(new RegExp(`language=${language}&region=${region}`));
  return frameOf(page, 'iframe.preview.phone');
}

describe('edition editor in the browser', () => {
  afterEach(closeContexts);

  it(
    'editor: composes an edition of all six types, previews it for Harz and Börde, adds Arabic',
    async () => {
      const page = await newPage({ viewport: { width: 1280, height: 900 } });
      await logIn(page);
      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Ausgaben' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Ausgaben' }).waitFor();
      await page.getByRole('link', { name: 'Neue Ausgabe (Nr. 1)' }).click();
      await page.getByRole('heading', { level: 1, name: 'Neue Ausgabe' }).waitFor();
      expect(await page.getByLabel('Nummer', { exact: true }).inputValue()).toBe('1');

      await page.getByLabel('Titel', { exact: true }).fill('Frühjahr im Landkreis');
      await page.getByLabel('Betreff', { exact: true }).fill('Neues aus dem Landnetz');
      await page.getByLabel('Vorschauzeile', { exact: true }).fill('Förderung, Beratung, Termine');
      await page
        .getByLabel('Einleitung', { exact: true })
        .fill('Liebe Engagierte,\n\nhier ist **unser** Frühjahr.');
      for (const [, title] of items) await page.getByLabel(title, { exact: true }).check();
      await page.getByRole('button', { name: 'Ausgabe anlegen' }).click();
      await page.getByText('Die Ausgabe ist angelegt.').waitFor();
      await page.getByRole('heading', { level: 1, name: /Ausgabe bearbeiten/ }).waitFor();
      for (const [, title] of items)
        expect(await page.getByLabel(title, { exact: true }).isChecked()).toBe(true);
      const editUrl = page.url();

      // The Arabic texts are saved by the form itself after a pause in typing.
      await page.getByText('Übersetzung: العربية').click();
      const subject = page.getByLabel('Betreff (العربية)', { exact: true });
      expect(await subject.getAttribute('dir')).toBe('rtl');
      await subject.fill('أخبار شبكة الريف');
      await page
        .getByLabel('Einleitung (العربية)', { exact: true })
        .fill('أهلًا بكم في عدد الربيع.');
      await page
        .getByRole('status')
        .filter({ hasText: /^Automatisch gespeichert \d\d:\d\d$/ })
        .waitFor({ timeout: 15_000 });
      // An invalid form is not saved; the status line says why.
      await page.getByLabel('Titel', { exact: true }).fill('');
      await page
        .getByRole('status')
        .filter({ hasText: /^Nicht automatisch gespeichert – Titel: ist nötig/ })
        .waitFor({ timeout: 15_000 });
      await page.getByLabel('Titel', { exact: true }).fill('Frühjahr im Landkreis');
      await page
        .getByRole('status')
        .filter({ hasText: /^Automatisch gespeichert \d\d:\d\d$/ })
        .waitFor({ timeout: 15_000 });
      // The explicit save after autosaves builds on the last of them: it is not "stale".
      await page.getByRole('button', { name: 'Speichern' }).click();
      await page.getByText('Die Änderungen sind gespeichert.').waitFor();
      await page
        .getByRole('link', { name: 'Vorschau und Prüfung vor dem Versand' })
        .first()
        .click();
      await page.getByRole('heading', { level: 1, name: 'Vorschau der Ausgabe 1' }).waitFor();
      expect(await page.locator('.inbox-subject').textContent()).toBe('Neues aus dem Landnetz');

      const harz = await previewAs(page, 'de', HARZ);
      const harzText = await harz.locator('body').innerText();
      expect(harzText).toContain('Migrationsberatung Halberstadt');
      expect(harzText).not.toContain('In anderen Regionen');
      // For Harz the contact comes before the sections that follow counselling.
      expect(harzText.indexOf('Migrationsberatung Halberstadt')).toBeLessThan(
        harzText.indexOf('Fördermittel richtig beantragen'),
      );
      await page.screenshot({ path: '/tmp/editions-preview-harz.png', fullPage: true });

      const boerde = await previewAs(page, 'de', BOERDE);
      const boerdeText = await boerde.locator('body').innerText();
      const elsewhere = boerdeText.indexOf('In anderen Regionen');
      expect(elsewhere).toBeGreaterThan(-1);
      expect(boerdeText.indexOf('Migrationsberatung Halberstadt')).toBeGreaterThan(elsewhere);
      // The phone frame is 375 px wide and the mail fits it without sideways scrolling.
      expect(await boerde.evaluate('document.documentElement.clientWidth')).toBe(375);
      expect(
        await boerde.evaluate(
          'document.documentElement.scrollWidth <= document.documentElement.clientWidth',
        ),
      ).toBe(true);
      await page.screenshot({ path: '/tmp/editions-preview-boerde.png', fullPage: true });

      const arabic = await previewAs(page, 'ar', HARZ);
      expect(await arabic.locator('html').getAttribute('dir')).toBe('rtl');
      expect(await arabic.locator('body').innerText()).toContain('أهلًا بكم في عدد الربيع.');
      expect(await page.locator('.inbox-subject').textContent()).toBe('أخبار شبكة الريف');
      expect(await page.locator('.inbox-line').getAttribute('dir')).toBe('rtl');
      await page.screenshot({ path: '/tmp/editions-preview-ar.png', fullPage: true });

      await page
        .getByLabel('Adressen', { exact: true })
        .fill('redaktion@example.org\nkollegin@example.net');
      await page.getByRole('button', { name: 'Testmail senden' }).click();
      await page.getByText('Testmail an 2 Adressen ist unterwegs.').waitFor();
      await page.getByRole('link', { name: 'Im Mail-Fänger ansehen' }).click();
      await page.getByRole('heading', { level: 1, name: 'Mail catcher' }).waitFor();
      // The mail worker delivers in the background: look again until both have arrived.
      const caught = page.getByRole('link', { name: /^\[Test\] / });
      for (let i = 0; i < 30 && (await caught.count()) < 2; i++) {
        await page.waitForTimeout(500);
        await page.reload();
      }
      expect(await caught.count()).toBe(2);
      expect(await page.locator('table.mails').innerText()).toContain('kollegin@example.net');
      await caught.first().click();
      const mail = await frameOf(page, 'iframe.mail');
      expect(await mail.locator('html').getAttribute('dir')).toBe('rtl');
      expect(await mail.locator('body').innerText()).toContain('Migrationsberatung Halberstadt');
      await page.screenshot({ path: '/tmp/editions-test-mail.png', fullPage: true });

      // Last, in a fresh page: after a full-page screenshot of a page this tall, Chromium's
      // later clicks and frame paints go astray.
      const look = await newPage({ viewport: { width: 1280, height: 900 } });
      await logIn(look);
      await look.goto(editUrl);
      // At 1280 px the phone preview stays beside the form; the desktop one is on the preview page.
      await (await frameOf(look, 'iframe.preview.phone')).getByText('Aus dem Vorstand').waitFor();
      expect(await look.locator('iframe.preview.desktop').isVisible()).toBe(false);
      const form = await look.locator('#edition-form').boundingBox();
      const phone = await look.locator('iframe.preview.phone').boundingBox();
      expect(phone!.x).toBeGreaterThan(form!.x + form!.width);
      await look.getByLabel('Vorschauzeile', { exact: true }).scrollIntoViewIfNeeded();
      await look.screenshot({ path: '/tmp/editions-form-viewport.png' });
      await look.locator('.edition-preview').screenshot({ path: '/tmp/editions-form-preview.png' });
      await look.screenshot({ path: '/tmp/editions-form.png', fullPage: true });
    },
    TIMEOUT,
  );
});
