import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';

/*
 * The counselling log on a phone, as a counsellor records a consultation right after it: open
 * "Beratungen" from the navigation, fill in the form by its German labels (the day is today
 * already), save, and find it in the list with the period's count, without sideways scrolling.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare const document: { documentElement: { scrollWidth: number } };

const TIMEOUT = 90_000;
const editorEmail = 'beratung@landpost.test';

let browser: Browser;
let testApp: TestApp;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  users.createUser(
    {
      email: editorEmail,
      name: 'Test Beratung',
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

describe('counselling log in the browser', () => {
  afterEach(closeContexts);

  it(
    '375 px: an editor records a consultation and sees it in the list',
    async () => {
      const page = await newPage({ viewport: { width: 375, height: 800 } });
      await logInAs(page, testApp.baseUrl, editorEmail, PASSWORD);
      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Beratungen' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Beratungen' }).waitFor();
      await page.getByRole('link', { name: 'Neue Beratung' }).click();
      await page.getByRole('heading', { level: 1, name: 'Neue Beratung' }).waitFor();

      await page.getByRole('radio', { name: 'Gruppe' }).check();
      await page.getByLabel('Region', { exact: true }).selectOption({ label: 'Harz' });
      await page.getByLabel('Thema', { exact: true }).fill('Förderantrag für den Jugendtreff');
      await page.getByLabel('Nächste Schritte', { exact: true }).fill('Entwurf bis Freitag');
      await page.getByLabel('Personen', { exact: true }).fill('4');
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        'scrollWidth of the form',
      ).toBeLessThanOrEqual(375);
      await page.getByRole('button', { name: 'Beratung erfassen' }).click();

      await page.getByRole('heading', { level: 1, name: 'Beratungen' }).waitFor();
      expect(await page.getByRole('status').innerText()).toContain('Die Beratung ist erfasst.');
      const listed = page
        .locator('table.data tbody tr')
        .filter({ has: page.getByRole('link', { name: 'Förderantrag für den Jugendtreff' }) });
      expect(await listed.count()).toBe(1);
      const text = await listed.innerText();
      expect(text).toContain('Gruppe');
      expect(text).toContain('Harz');
      expect(await page.locator('#consultations-count').innerText()).toContain(
        'Beratungen im gewählten Zeitraum: 1, mit 4 Personen',
      );
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        'scrollWidth of the list',
      ).toBeLessThanOrEqual(375);

      const row = testApp.runtime.database.sqlite
        .prepare('select kind, region_key, people, follow_up from consultations where topic = ?')
        .get('Förderantrag für den Jugendtreff');
      expect(row).toEqual({
        kind: 'group',
        region_key: '15085',
        people: 4,
        follow_up: 'Entwurf bis Freitag',
      });
    },
    TIMEOUT,
  );
});
