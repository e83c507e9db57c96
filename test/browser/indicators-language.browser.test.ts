import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';
import { IndicatorRows } from '../helpers/indicators.js';

/*
 * An English-speaking colleague switches the admin UI to English and opens the indicator
 * dashboard: definitions, units, chart titles and month labels are English; the indicator
 * labels are the organisation's own. A PNG of the page lands in the temp folder
 * (indicators-en.png) for a look by eye.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare const document: { body: { innerText: string } };

const TIMEOUT = 90_000;
const email = 'colleague@landpost.test';

let browser: Browser;
let testApp: TestApp;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  users.createUser(
    {
      email,
      name: 'Sam Colleague',
      role: 'admin',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
  const rows = new IndicatorRows(testApp.runtime.database.sqlite);
  const training = rows.event({
    type: 'training',
    title: 'Vereinsrecht',
    startsAt: '2025-03-15T10:00',
    recorded: true,
  });
  rows.registration(training, {
    email: 'anna@example.org',
    present: true,
    region: '15085',
    role: 'volunteer',
  });
  rows.registration(training, { email: 'ben@example.org', present: true, region: '15003' });
  rows.campaign(rows.edition(1, 'Frühjahr'), 'sent', '2025-05-01T10:00');
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

describe('the indicator dashboard in English', () => {
  afterEach(closeContexts);

  it(
    'reads definitions, units and charts in English after switching the language',
    async () => {
      const page = await newPage({ viewport: { width: 1280, height: 900 } });
      await logInAs(page, testApp.baseUrl, email, PASSWORD);
      await page.goto(`${testApp.baseUrl}/admin/account`);
      const language = page.getByRole('region', { name: 'Sprache der Oberfläche' });
      await language.getByRole('combobox', { name: 'Sprache der Oberfläche' }).selectOption('en');
      await language.getByRole('button', { name: 'Speichern' }).click();
      await page.waitForURL(/notice=saved/);
      await page.goto(`${testApp.baseUrl}/admin/indicators?from=2025-01-01&to=2025-12-31`);
      await page.getByRole('heading', { level: 1, name: 'Impact: indicators' }).waitFor();

      const training = page.locator('#indicator-training-events');
      await expect(training.getByRole('heading', { level: 2 }).textContent()).resolves.toBe(
        'Bildungsveranstaltungen in den Zielregionen',
      );
      await expect(training.locator('.indicator-value').textContent()).resolves.toBe(
        '1 of 14 events',
      );
      await expect(training.locator('.indicator-definition').textContent()).resolves.toContain(
        'whose attendance is recorded',
      );
      await page.getByRole('img', { name: 'People reached per district' }).waitFor();
      await page.getByRole('img', { name: 'Subscribers over time' }).waitFor();
      await expect(
        page.locator('#chart-subscribers text', { hasText: 'Mar 2025' }).count(),
      ).resolves.toBe(1);

      const text = await page.evaluate(() => document.body.innerText);
      for (const german of [
        'Veranstaltungen der Art',
        'Personen',
        'Erreichte Menschen',
        'Ohne Angabe',
        'März',
        'Daten verändert',
      ])
        expect(text, german).not.toContain(german);
      await page.screenshot({ path: join(tmpdir(), 'indicators-en.png'), fullPage: true });
    },
    TIMEOUT,
  );
});
