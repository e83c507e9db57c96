import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';

/*
 * The item library in a real browser, as an editor at the NGO uses it: choose the type, fill in
 * the fields by their German labels, tick a region with the keyboard, save, find the item in
 * the list; and the form fits a 320 px wide phone without sideways scrolling.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare const document: { documentElement: { scrollWidth: number } };

const TIMEOUT = 90_000;
const HARZ = '15085';
const editorEmail = 'redaktion@landpost.test';

let browser: Browser;
let testApp: TestApp;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  users.createUser(
    {
      email: editorEmail,
      name: 'Test Redaktion',
      role: 'editor',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

async function logIn(page: Page): Promise<void> {
  await logInAs(page, testApp.baseUrl, editorEmail, PASSWORD);
}

describe('item library in the browser', () => {
  afterEach(closeContexts);

  it(
    'editor: creates a counselling item for Harz by labels and keyboard and finds it in the list',
    async () => {
      const page = await newPage();
      await logIn(page);
      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Beiträge' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Beiträge' }).waitFor();
      await page.getByRole('link', { name: 'Neuer Beitrag' }).click();
      await page.getByRole('heading', { level: 1, name: 'Neuer Beitrag' }).waitFor();

      await page.getByRole('radio', { name: /^Beratung/ }).check();
      await page.getByRole('button', { name: 'Weiter' }).click();
      await page.getByLabel('Organisation', { exact: true }).waitFor();

      await page.getByLabel('Titel', { exact: true }).fill('Migrationsberatung Halberstadt');
      await page
        .getByLabel('Beschreibung', { exact: true })
        .fill('Beratung zu **Aufenthalt** und Arbeit, auch auf Arabisch.');
      // The region by keyboard: focus the box, Space ticks it.
      const harz = page
        .getByRole('group', { name: 'Regionen' })
        .getByLabel('Harz', { exact: true });
      await harz.focus();
      await page.keyboard.press('Space');
      expect(await harz.isChecked()).toBe(true);
      await page.getByLabel('Organisation', { exact: true }).fill('Caritas Harz');
      await page.getByLabel('Ansprechperson', { exact: true }).fill('Samira K.');
      await page.getByLabel('Sprachen', { exact: true }).fill('Deutsch, Arabisch');
      await page.getByLabel('Telefon', { exact: true }).fill('03941 123456');
      await page.getByLabel('E-Mail', { exact: true }).fill('beratung@example.org');
      await page.getByLabel('Öffnungszeiten', { exact: true }).fill('Di und Do 9–12 Uhr');
      await page.getByLabel('Link', { exact: true }).fill('https://example.org/beratung');
      // Enter in a text field submits the form, as without a mouse.
      await page.getByLabel('Link', { exact: true }).press('Enter');

      await page
        .getByRole('heading', { level: 1, name: /Migrationsberatung Halberstadt/ })
        .waitFor();
      expect(await page.getByRole('status').innerText()).toContain('Der Beitrag ist angelegt.');

      const row = testApp.runtime.database.sqlite
        .prepare('select type, regions, fields from items where title = ?')
        .get('Migrationsberatung Halberstadt') as { type: string; regions: string; fields: string };
      expect(row.type).toBe('counselling');
      expect(JSON.parse(row.regions)).toEqual([HARZ]);
      expect(JSON.parse(row.fields)).toMatchObject({
        organisation: 'Caritas Harz',
        phone: '03941 123456',
        email: 'beratung@example.org',
      });

      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Beiträge' })
        .click();
      const listed = page
        .locator('table.data tbody tr')
        .filter({ has: page.getByRole('link', { name: 'Migrationsberatung Halberstadt' }) });
      expect(await listed.count()).toBe(1);
      const text = await listed.innerText();
      expect(text).toContain('Beratung');
      expect(text).toContain('Regionen: Harz');
    },
    TIMEOUT,
  );

  it(
    '320 px: the item form, with its translations open and with errors, has no sideways scroll',
    async () => {
      const page = await newPage({ viewport: { width: 320, height: 800 } });
      await logIn(page);
      for (const type of ['counselling', 'training', 'text']) {
        await page.goto(`${testApp.baseUrl}/admin/items/new?type=${type}`);
        for (const summary of await page.locator('details summary').all()) await summary.click();
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `scrollWidth of the ${type} form`).toBeLessThanOrEqual(320);
      }
      await page.getByLabel('Bild-URL').fill('https://example.org/ein-sehr-langer-bildname.jpg');
      await page.getByRole('button', { name: 'Beitrag anlegen' }).click();
      await page.locator('#error-summary').waitFor();
      expect(await page.locator('#fields\\.imageAlt-error').innerText()).toContain('ist nötig');
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        'scrollWidth with errors',
      ).toBeLessThanOrEqual(320);
    },
    TIMEOUT,
  );
});
