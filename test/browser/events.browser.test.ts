import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';

/*
 * An event as an editor plans it at the desk: open "Veranstaltungen" from the navigation, fill
 * in the form by its German labels with Berlin times in the date-time fields, get the end
 * before the start refused next to the field with the typed values kept, fix it, and find the
 * event under "Anstehend".
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare const document: { documentElement: { scrollWidth: number } };

const TIMEOUT = 90_000;
const editorEmail = 'veranstaltung@landpost.test';
const year = new Date().getUTCFullYear() + 1;

let browser: Browser;
let testApp: TestApp;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  users.createUser(
    {
      email: editorEmail,
      name: 'Test Veranstaltung',
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

describe('events in the browser', () => {
  afterEach(closeContexts);

  it(
    '1280 px: an editor creates an event after fixing its end, and sees it as upcoming',
    async () => {
      const page = await newPage({ viewport: { width: 1280, height: 900 } });
      await logInAs(page, testApp.baseUrl, editorEmail, PASSWORD);
      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Veranstaltungen' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Veranstaltungen' }).waitFor();
      await page.getByRole('link', { name: 'Neue Veranstaltung' }).click();
      await page.getByRole('heading', { level: 1, name: 'Neue Veranstaltung' }).waitFor();

      await page.getByRole('radio', { name: 'Treffen' }).check();
      await page.getByLabel('Titel', { exact: true }).fill('Netzwerktreffen Harz');
      await page.getByLabel('Beginn', { exact: true }).fill(`${year}-07-01T18:00`);
      await page.getByLabel('Ende', { exact: true }).fill(`${year}-07-01T17:00`);
      await page.getByLabel('Ort', { exact: true }).fill('Kulturhaus Halberstadt');
      await page.getByLabel('Region', { exact: true }).selectOption({ label: 'Harz' });
      await page.getByLabel('Plätze', { exact: true }).fill('30');
      await page.getByRole('button', { name: 'Veranstaltung anlegen' }).click();

      await page.getByRole('alert').waitFor();
      expect(await page.locator('#endsAt-error').innerText()).toContain('vor dem Beginn');
      expect(await page.getByLabel('Titel', { exact: true }).inputValue()).toBe(
        'Netzwerktreffen Harz',
      );
      expect(await page.getByLabel('Beginn', { exact: true }).inputValue()).toBe(
        `${year}-07-01T18:00`,
      );
      await page.getByLabel('Ende', { exact: true }).fill(`${year}-07-01T20:00`);
      await page.getByRole('button', { name: 'Veranstaltung anlegen' }).click();

      await page.getByRole('heading', { level: 1, name: 'Veranstaltungen' }).waitFor();
      expect(await page.getByRole('status').innerText()).toContain(
        'Die Veranstaltung ist angelegt.',
      );
      const listed = page
        .getByRole('table', { name: 'Anstehend' })
        .locator('tbody tr')
        .filter({ has: page.getByRole('link', { name: 'Netzwerktreffen Harz' }) });
      expect(await listed.count()).toBe(1);
      const text = await listed.innerText();
      expect(text).toContain(`01.07.${year}, 18:00`);
      expect(text).toContain('Treffen');
      expect(text).toContain('Kulturhaus Halberstadt');
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        'scrollWidth of the list',
      ).toBeLessThanOrEqual(1280);

      const row = testApp.runtime.database.sqlite
        .prepare('select type, starts_at, ends_at, capacity from events where title = ?')
        .get('Netzwerktreffen Harz');
      expect(row).toEqual({
        type: 'meeting',
        starts_at: Date.UTC(year, 6, 1, 16, 0),
        ends_at: Date.UTC(year, 6, 1, 18, 0),
        capacity: 30,
      });
    },
    TIMEOUT,
  );
});
