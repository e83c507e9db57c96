import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';

/*
 * The multiplier view on a phone: from the subscriber list to "Multiplikator*innen", choose
 * the year, read the chain Anna → Bernd → Clara as a nested list without sideways scrolling,
 * and Dora, who registered for a meeting through Anna's link without subscribing, marked as
 * such; follow Clara to her page, which names Bernd as her source.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare const document: { documentElement: { scrollWidth: number } };

const TIMEOUT = 90_000;
const editorEmail = 'multiplikator@landpost.test';

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
  const add = testApp.runtime.database.sqlite.prepare(
    `insert into subscribers (email, name, status, confirmed_at, source_kind, referred_by, region_key)
     values (?, ?, 'confirmed', ?, ?, ?, ?)`,
  );
  const anna = add.run(
    'anna@example.org',
    'Anna Altmark-Wegener',
    Date.parse('2025-05-01'),
    'direct',
    null,
    '15085',
  ).lastInsertRowid;
  const bernd = add.run(
    'bernd@example.org',
    'Bernd Brückenbauer',
    Date.parse('2026-03-01T10:00:00Z'),
    'referral',
    anna,
    '15083',
  ).lastInsertRowid;
  add.run(
    'clara@example.org',
    'Clara Kettenreaktion',
    Date.parse('2026-04-01T10:00:00Z'),
    'referral',
    bernd,
    null,
  );
  const sql = testApp.runtime.database.sqlite;
  const meeting = sql
    .prepare(
      "insert into events (type, title, starts_at, slug) values ('meeting', 'Best-Practice-Treffen Harz und Börde', ?, 'treffen')",
    )
    .run(Date.parse('2026-09-01T08:00:00Z')).lastInsertRowid;
  sql
    .prepare(
      `insert into event_registrations (event_id, name, email, status, source_kind, referred_by, created_at)
       values (?, 'Dora Dorfmitte', 'dora@example.org', 'registered', 'referral', ?, ?)`,
    )
    .run(meeting, anna, Date.parse('2026-05-10T10:00:00Z'));
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

describe('multiplier view in the browser', () => {
  afterEach(closeContexts);

  it(
    '375 px: an editor reads the chain over three levels and follows it to a person',
    async () => {
      const page = await newPage({ viewport: { width: 375, height: 800 } });
      await logInAs(page, testApp.baseUrl, editorEmail, PASSWORD);
      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Abonnent*innen' })
        .click();
      await page.getByRole('link', { name: 'Multiplikator*innen: wer wen gewonnen hat' }).click();
      await page.getByRole('heading', { level: 1, name: 'Multiplikator*innen' }).waitFor();
      await page.getByLabel('Von', { exact: true }).fill('2026-01-01');
      await page.getByLabel('Bis', { exact: true }).fill('2026-12-31');
      await page.getByRole('button', { name: 'Anzeigen' }).click();
      await page.waitForURL(/from=2026-01-01&to=2026-12-31/);

      expect(await page.locator('#multipliers-depth').innerText()).toBe('Längste Kette: 3 Ebenen.');
      // Nested: Clara inside Bernd's list inside Anna's.
      const clara = page
        .locator('.chain-tree > li')
        .filter({ has: page.getByRole('link', { name: 'Anna Altmark-Wegener' }) })
        .locator(':scope > ul > li')
        .filter({ has: page.getByRole('link', { name: 'Bernd Brückenbauer' }) })
        .locator(':scope > ul > li')
        .getByRole('link', { name: 'Clara Kettenreaktion' });
      expect(await clara.count()).toBe(1);
      // Dora registered for the meeting through Anna: in Anna's list, marked, no link.
      const dora = page
        .locator('.chain-tree > li')
        .filter({ has: page.getByRole('link', { name: 'Anna Altmark-Wegener' }) })
        .locator(':scope > ul > li.chain-registration');
      expect((await dora.innerText()).replace(/\s+/g, ' ').trim()).toBe(
        'Dora Dorfmitte Veranstaltungsanmeldung Best-Practice-Treffen Harz und Börde',
      );
      expect(await dora.getByRole('link').count()).toBe(0);
      const rows = await page.locator('#multipliers tbody tr').allInnerTexts();
      expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
        'Anna Altmark-Wegener Harz – 1 1',
        'Bernd Brückenbauer Börde – 1 0',
      ]);
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        'scrollWidth of the multiplier page',
      ).toBeLessThanOrEqual(375);
      await page.screenshot({ path: '/tmp/pdfmult-multipliers-375.png', fullPage: true });

      await clara.click();
      await page.getByRole('heading', { level: 1, name: 'clara@example.org' }).waitFor();
      const source = page
        .locator('dt', { hasText: /^Quelle$/ })
        .locator('xpath=following-sibling::dd[1]');
      expect((await source.innerText()).replace(/\s+/g, ' ').trim()).toBe(
        'Empfehlung von Bernd Brückenbauer',
      );
    },
    TIMEOUT,
  );
});
