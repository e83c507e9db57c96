import { readFile } from 'node:fs/promises';
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
import { pdfPages } from '../helpers/pdf.js';

/*
 * A project lead preparing the funder's report on a phone: open "Kennzahlen" from the
 * navigation, choose the period, read each indicator against its target without sideways
 * scrolling, and download the PDF, which holds the indicator table.
 *
 * An English-speaking colleague switches the admin UI to English and opens the indicator
 * dashboard: definitions, units, chart titles and month labels are English; the indicator
 * labels are the organisation's own. A PNG of the page lands in the temp folder
 * (indicators-en.png) for a look by eye.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare const document: {
  documentElement: { scrollWidth: number };
  body: { innerText: string };
};

const TIMEOUT = 90_000;
const leadEmail = 'projektleitung@landpost.test';
const email = 'colleague@landpost.test';

let browser: Browser;
let testApp: TestApp;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  users.createUser(
    {
      email: leadEmail,
      // A long name: the header must not widen the page at 375 px.
      name: 'Lea Projektleitung-Sachsen-Anhalt (Administration)',
      role: 'admin',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
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
  rows.registration(training, { email: 'anna@example.org', present: true, region: '15085' });
  const meeting = rows.event({
    type: 'meeting',
    title: 'Treffen Nord',
    startsAt: '2025-09-01T10:00',
    recorded: true,
  });
  rows.present(meeting, 20, ['15081', '15090'], 'nord');
  rows.campaign(rows.edition(1, 'Frühjahr'), 'sent', '2025-05-01T10:00');
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

describe('the indicator dashboard in the browser', () => {
  afterEach(closeContexts);

  it(
    '375 px: the lead reads the indicators for a period and downloads the PDF report',
    async () => {
      const page = await newPage({ viewport: { width: 375, height: 800 }, acceptDownloads: true });
      await logInAs(page, testApp.baseUrl, leadEmail, PASSWORD);
      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Kennzahlen' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Wirkung: Kennzahlen' }).waitFor();
      await page.getByLabel('Von', { exact: true }).fill('2025-01-01');
      await page.getByLabel('Bis', { exact: true }).fill('2025-12-31');
      await page.getByRole('button', { name: 'Anzeigen' }).click();
      await page.waitForURL(/from=2025-01-01&to=2025-12-31/);

      const meetings = page.locator('#indicator-best-practice-meetings');
      await expect(meetings.getByRole('heading', { level: 2 }).textContent()).resolves.toBe(
        'Überregionale Best-Practice-Treffen',
      );
      await expect(meetings.locator('.indicator-value').textContent()).resolves.toBe(
        '1 von 2 Veranstaltungen',
      );
      await expect(
        meetings
          .getByRole('progressbar', { name: 'Überregionale Best-Practice-Treffen' })
          .getAttribute('value'),
      ).resolves.toBe('1');
      await expect(
        page.locator('#indicator-people-reached .indicator-value').textContent(),
      ).resolves.toBe('21 von 180 Personen');
      await expect(
        page.evaluate(() => document.documentElement.scrollWidth),
      ).resolves.toBeLessThanOrEqual(375);

      // The map of the districts, with the table of the same figures as its alternative.
      await page.getByRole('img', { name: 'Erreichte Menschen je Landkreis' }).waitFor();
      await expect(
        page.locator('#region-table tr', { hasText: 'Altmarkkreis Salzwedel' }).textContent(),
      ).resolves.toContain('10');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Bericht als PDF herunterladen' }).first().click(),
      ]);
      expect(download.suggestedFilename()).toBe('kennzahlen-2025-01-01-2025-12-31.pdf');
      const pages = await pdfPages(await readFile(await download.path()));
      const text = pages.join('\n');
      expect(text).toContain('Bericht zu den Kennzahlen');
      expect(text).toContain('Zeitraum: 01.01.2025 bis 31.12.2025');
      expect(text).toMatch(/Kennzahl Definition Wert Ziel Erreicht/);
      expect(text).toMatch(/Best-Practice-\s*Treffen[\s\S]*?1 2 50 %/);
      expect(text).toMatch(/Insgesamt erreichte Menschen[\s\S]*?21 180 12 %/);
    },
    TIMEOUT,
  );
});

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
