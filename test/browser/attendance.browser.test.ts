import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';
import { insertRegistrations } from '../helpers/registrations.js';

/*
 * Attendance at the door on a 375 px phone: from the event to its attendance page, tap two
 * people's rows, save, and after a reload the counter and the ticks are still there; add a
 * walk-in who came without registering; nothing scrolls sideways. Without script the form
 * does it; with script each tick is saved as it happens.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare const document: {
  documentElement: { scrollWidth: number };
  getElementById(id: string): { getBoundingClientRect(): { top: number } } | null;
};

const TIMEOUT = 90_000;
const WIDTH = 375;
const staffEmail = 'tuer@landpost.test';

let browser: Browser;
let testApp: TestApp;
let eventId: number;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  users.createUser(
    {
      email: staffEmail,
      name: 'Test Einlass',
      role: 'editor',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
  const created = testApp.app.services.events.create(
    {
      type: 'training',
      title: 'Interkulturelle Öffnung von Vereinen und Verbänden im ländlichen Raum',
      startsAt: `${testApp.app.services.events.today()}T00:15`,
      place: 'Dorfgemeinschaftshaus Hasselfelde',
      region: '15085',
    },
    { kind: 'cli' },
  );
  if (created.kind !== 'saved') throw new Error('event not saved');
  eventId = created.event.id;
  insertRegistrations(testApp.runtime.database, eventId, [
    {
      name: 'Anna Bauer',
      organisation: 'Freiwilligenagentur Halberstadt',
      regionKey: '15085',
    },
    {
      name: 'Bernd Schneider',
      organisation: 'Landesnetzwerk Migrantenorganisationen Sachsen-Anhalt e. V.',
      regionKey: '15003',
    },
    { name: 'Олена Коваленко', organisation: 'Український дім Магдебург' },
    { name: 'Mohammed Al-Rashidi-Abdelrahmanovic', organisation: 'Willkommensinitiative' },
  ]);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

const phone = { viewport: { width: WIDTH, height: 740 }, isMobile: true, hasTouch: true };

const noSidewaysScroll = async (page: Page, when: string) =>
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth),
    `scrollWidth ${when}`,
  ).toBeLessThanOrEqual(WIDTH);

describe('attendance on a phone', () => {
  afterEach(closeContexts);

  it(
    'without script: ticks two people, saves, finds them ticked after a reload; adds a walk-in',
    async () => {
      // Without script: the plain form does it all.
      const page = await newPage({ ...phone, javaScriptEnabled: false });
      await logInAs(page, testApp.baseUrl, staffEmail, PASSWORD);
      await page.goto(`${testApp.baseUrl}/admin/events/${eventId}`);
      await page.getByRole('link', { name: 'Anwesenheit erfassen' }).click();
      await page.getByRole('heading', { level: 1, name: 'Anwesenheit' }).waitFor();
      await expect.poll(() => page.locator('#counter').innerText()).toBe('0 von 4 anwesend');
      await noSidewaysScroll(page, 'of the list');

      // A tap on the name (the row's label) ticks the box.
      await page.getByText('Anna Bauer', { exact: true }).tap();
      await page.getByText('Олена Коваленко', { exact: true }).tap();
      expect(await page.getByRole('checkbox', { name: /Anna Bauer/ }).isChecked()).toBe(true);
      expect(await page.getByRole('checkbox', { name: /Bernd Schneider/ }).isChecked()).toBe(false);
      // Each row is big enough to hit with a thumb.
      const row = await page.locator('label[for^="present-"]').first().boundingBox();
      expect(row!.height).toBeGreaterThanOrEqual(44);
      expect(row!.width).toBeGreaterThan(WIDTH / 2);

      await page.getByRole('button', { name: 'Anwesenheit speichern' }).tap();
      await page.getByText('Die Anwesenheit ist gespeichert.').waitFor();
      expect(await page.locator('#counter').innerText()).toBe('2 von 4 anwesend');

      await page.reload();
      expect(await page.locator('#counter').innerText()).toBe('2 von 4 anwesend');
      const ticked = async (name: RegExp) => page.getByRole('checkbox', { name }).isChecked();
      expect(await ticked(/Anna Bauer/)).toBe(true);
      expect(await ticked(/Олена Коваленко/)).toBe(true);
      expect(await ticked(/Bernd Schneider/)).toBe(false);
      expect(await ticked(/Mohammed/)).toBe(false);

      // A walk-in: first without saying how they agreed, then complete.
      await page
        .getByRole('heading', { name: 'Ohne Anmeldung dazugekommen' })
        .scrollIntoViewIfNeeded();
      await page.getByLabel('Name', { exact: true }).fill('Samira Haddad');
      await page.getByLabel('Organisation', { exact: true }).fill('Frauencafé Quedlinburg');
      await page.getByRole('button', { name: 'Als anwesend eintragen' }).tap();
      await page.locator('#consentSource-error').waitFor();
      // The refused form comes back scrolled to itself, not to the top of a long list.
      expect(page.url()).toMatch(/#walk-in$/);
      const top = await page.evaluate(
        () => document.getElementById('walk-in')!.getBoundingClientRect().top,
      );
      expect(top).toBeGreaterThan(-2);
      expect(top).toBeLessThan(100);
      expect(await page.locator('#consentSource-error').innerText()).toContain('zugestimmt');
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Samira Haddad');
      await noSidewaysScroll(page, 'with the walk-in errors');
      await page.getByLabel('Region').selectOption({ label: 'Harz' });
      await page.getByRole('radio', { name: 'Unterschrift auf der Liste' }).check();
      await page.getByRole('button', { name: 'Als anwesend eintragen' }).tap();
      await page.getByText('Die Person ist als anwesend eingetragen.').waitFor();
      expect(await page.locator('#counter').innerText()).toBe('3 von 5 anwesend');
      expect(await ticked(/Samira Haddad/)).toBe(true);
      await noSidewaysScroll(page, 'after the walk-in');
    },
    TIMEOUT,
  );

  it(
    'with script: each tick is saved at once and the counter follows',
    async () => {
      const page = await newPage(phone);
      await logInAs(page, testApp.baseUrl, staffEmail, PASSWORD);
      await page.goto(`${testApp.baseUrl}/admin/events/${eventId}/attendance`);
      expect(await page.locator('#counter').innerText()).toBe('3 von 5 anwesend');
      await page.getByText('Bernd Schneider', { exact: true }).tap();
      await expect.poll(() => page.locator('#counter').innerText()).toBe('4 von 5 anwesend');
      expect(await page.locator('#attendance-status').innerText()).toBe('Gespeichert.');
      await page.getByText('Anna Bauer', { exact: true }).tap();
      await expect.poll(() => page.locator('#counter').innerText()).toBe('3 von 5 anwesend');

      // No save button pressed: after a reload the ticks are as they were left.
      await page.reload();
      expect(await page.locator('#counter').innerText()).toBe('3 von 5 anwesend');
      const ticked = async (name: RegExp) => page.getByRole('checkbox', { name }).isChecked();
      expect(await ticked(/Bernd Schneider/)).toBe(true);
      expect(await ticked(/Anna Bauer/)).toBe(false);
      expect(await ticked(/Samira Haddad/)).toBe(true);
      await noSidewaysScroll(page, 'with script');
    },
    TIMEOUT,
  );
});
