/**
 * An editor imports last week's paper list in Chromium: a file with mistakes shows the report
 * with line numbers; the corrected file is imported as confirmed with its consent source.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { PASSWORD } from '../helpers/admin.js';
import { launchBrowser } from '../helpers/browser.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'csv');
const TIMEOUT = 90_000;

let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp({ listen: true });
  users.createUser(
    {
      email: 'editor@landpost.test',
      name: 'Eda',
      role: 'editor',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    t.runtime.database.db,
  );
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('CSV import in the browser', () => {
  it(
    'a file with mistakes gets a report; the fixed file is imported as confirmed',
    async () => {
      const page = await browser.newPage({ locale: 'de-DE' });
      await page.goto(`${t.baseUrl}/admin/login`);
      await page.getByLabel('E-Mail-Adresse').fill('editor@landpost.test');
      await page.getByLabel('Passwort').fill(PASSWORD);
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.getByRole('link', { name: 'Import' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('CSV-Import');

      // 1. The file with mistakes: mapping guessed from the headers, then the report.
      await page.getByLabel('CSV-Datei').setInputFiles(join(fixtures, 'with-errors.csv'));
      await page.getByRole('button', { name: 'Hochladen und Spalten zuordnen' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('Spalten zuordnen');
      await page.getByRole('button', { name: 'Datei prüfen' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('Prüfbericht');
      const report = (await page.locator('main').textContent()) ?? '';
      expect(report).toContain('E-Mail-Adresse ungültig');
      expect(report).toContain('Region unbekannt');
      expect(report).toContain('Rolle unbekannt');
      expect(report).toContain('Adresse doppelt in der Datei');
      // Nothing is written before the import is started.
      expect(
        t.runtime.database.sqlite.prepare('select count(*) as n from subscribers').get(),
      ).toEqual({ n: 0 });

      // 2. The corrected file, imported as confirmed with the source of the paper consent.
      await page.getByRole('link', { name: 'Import' }).click();
      await page.getByLabel('CSV-Datei').setInputFiles(join(fixtures, 'fixed.csv'));
      await page.getByRole('button', { name: 'Hochladen und Spalten zuordnen' }).click();
      await page.getByRole('button', { name: 'Datei prüfen' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('Prüfbericht');
      expect(await page.locator('main').textContent()).toContain(
        'Zeilen, die importiert werden können: 4',
      );
      await page.getByLabel('Als bestätigt importieren').check();
      await page
        .getByLabel('Quelle der Einwilligung (nötig beim Import als bestätigt)')
        .fill('Teilnehmerliste Fachtag Halle 12.11.2026, Papiereinwilligung');
      await page.getByRole('button', { name: 'Import starten' }).click();
      await expect
        .poll(async () => (await page.reload(), await page.locator('main').textContent()), {
          timeout: 30_000,
        })
        .toContain('neu angelegt');

      const rows = t.runtime.database.sqlite
        .prepare('select email, status, region_key from subscribers order by email')
        .all();
      expect(rows).toEqual([
        { email: 'karl@example.org', status: 'confirmed', region_key: '15085' },
        { email: 'lena@example.org', status: 'confirmed', region_key: '15083' },
        { email: 'maria@example.org', status: 'confirmed', region_key: '15003' },
        { email: 'nora@example.org', status: 'confirmed', region_key: '15088' },
      ]);
      const proof = t.runtime.database.sqlite
        .prepare("select details from consent_events where kind = 'signup'")
        .all() as { details: string }[];
      expect(proof).toHaveLength(4);
      expect(proof[0]!.details).toContain('Teilnehmerliste Fachtag Halle');
      await page.close();
    },
    TIMEOUT,
  );
});
