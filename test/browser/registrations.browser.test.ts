import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import type { Event } from '../../server/services/events/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';

/*
 * Registering for an event as people do it: from the Register button of a newsletter (the
 * link carries the edition and campaign) through the form to the thank-you page, and the
 * editor then seeing where the registration came from; with one place left, the second person
 * waits, the first cancels by the link in her mail, and the second moves up and hears so.
 */

const TIMEOUT = 90_000;
const editorEmail = 'anmeldungen@landpost.test';

let browser: Browser;
let testApp: TestApp;
let editionId: number;
let campaignId: number;

function event(title: string, capacity: number): Event {
  const saved = testApp.app.services.events.create(
    {
      type: 'training',
      title,
      startsAt: '2031-05-06T10:00',
      endsAt: '2031-05-06T16:00',
      place: 'Dorfgemeinschaftshaus Hasselfelde',
      capacity,
    },
    { kind: 'cli' },
  );
  if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
  return saved.event;
}

async function fillAndSend(page: Page, name: string, email: string) {
  await page.getByLabel('Name', { exact: false }).first().fill(name);
  await page.getByLabel('E-Mail-Adresse').fill(email);
  await page.getByLabel('Organisation oder Verein').fill('Heimatverein Elend');
  await page.getByLabel('Region').selectOption({ label: 'Harz' });
  await page.getByLabel('Barrierefreiheit').fill('stufenloser Zugang');
  await page
    .getByRole('button', { name: /Verbindlich anmelden|Auf die Warteliste setzen/ })
    .click();
}

const status = (email: string) =>
  (
    testApp.runtime.database.sqlite
      .prepare('select status from event_registrations where email = ?')
      .get(email) as { status: string } | undefined
  )?.status;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  users.createUser(
    {
      email: editorEmail,
      name: 'Test Anmeldungen',
      role: 'editor',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
  const sqlite = testApp.runtime.database.sqlite;
  editionId = Number(
    sqlite
      .prepare(
        "insert into editions (number, title, subject, slug, sections, translations) values (7, 'Maiausgabe', 'Termine im Mai', '7-maiausgabe', '[]', '{}')",
      )
      .run().lastInsertRowid,
  );
  campaignId = Number(
    sqlite
      .prepare("insert into campaigns (edition_id, segment_ids, list_ids) values (?, '[]', '[]')")
      .run(editionId).lastInsertRowid,
  );
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

describe('event registration in the browser', () => {
  afterEach(closeContexts);

  it(
    'a reader registers from a newsletter link; the editor sees the edition it came from',
    async () => {
      const e = event('Fördermittel kompakt', 20);
      const page = await newPage({ viewport: { width: 390, height: 844 } });
      await page.goto(`${testApp.baseUrl}/events/${e.slug}?ed=${editionId}&cp=${campaignId}`);
      await page.getByRole('heading', { level: 1, name: 'Fördermittel kompakt' }).waitFor();
      expect(await page.getByText('Dienstag, 6. Mai 2031, 10:00–16:00').count()).toBe(1);
      expect(await page.getByText('Noch 20 Plätze frei').count()).toBe(1);

      // Sent empty first: the summary and the message next to the field say what is missing.
      await page.getByRole('button', { name: 'Verbindlich anmelden' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.locator('#name-error').innerText()).toContain('Namen');

      await fillAndSend(page, 'Olena Koval', 'olena@example.org');
      await page.getByRole('heading', { level: 1, name: 'Sie sind angemeldet' }).waitFor();
      expect(status('olena@example.org')).toBe('registered');

      const admin = await newPage({ viewport: { width: 1280, height: 900 } });
      await logInAs(admin, testApp.baseUrl, editorEmail, PASSWORD);
      await admin.goto(`${testApp.baseUrl}/admin/events/${e.id}`);
      await admin.getByRole('link', { name: 'Anmeldungen ansehen' }).click();
      await admin
        .getByRole('heading', { level: 1, name: 'Anmeldungen: Fördermittel kompakt' })
        .waitFor();
      const row = admin.getByRole('row', { name: /Olena Koval/ });
      expect(await row.innerText()).toContain(
        `Newsletter · Ausgabe 7: Maiausgabe · Versand ${campaignId}`,
      );
      expect(await row.innerText()).toContain('Barrierefreiheit: stufenloser Zugang');
    },
    TIMEOUT,
  );

  it(
    'with one place: the second person waits, and moves up when the first cancels by mail',
    async () => {
      const e = event('Vereinsrecht mit einem Platz', 1);
      const anna = await newPage();
      await anna.goto(`${testApp.baseUrl}/events/${e.slug}`);
      await fillAndSend(anna, 'Anna Alt', 'anna@example.org');
      await anna.getByRole('heading', { level: 1, name: 'Sie sind angemeldet' }).waitFor();

      const bernd = await newPage();
      await bernd.goto(`${testApp.baseUrl}/events/${e.slug}`);
      expect(await bernd.getByText('Ausgebucht – Anmeldung auf die Warteliste').count()).toBe(1);
      await fillAndSend(bernd, 'Bernd Berg', 'bernd@example.org');
      await bernd
        .getByRole('heading', { level: 1, name: 'Sie stehen auf der Warteliste' })
        .waitFor();
      await testApp.smtp.waitFor(
        (m) => m.to.includes('bernd@example.org') && m.subject.startsWith('Warteliste'),
      );

      const confirmation = await testApp.smtp.waitFor(
        (m) => m.to.includes('anna@example.org') && m.subject.startsWith('Anmeldung bestätigt'),
      );
      expect(confirmation.parsed.attachments.map((a) => a.filename)).toEqual(['event.ics']);
      const link = /https?:\/\/[^\s"<>]*\/cancel\/[A-Za-z0-9._~-]+/.exec(
        confirmation.text ?? '',
      )?.[0];
      expect(link).toBeDefined();
      const cancel = await newPage();
      await cancel.goto(`${testApp.baseUrl}${new URL(link!).pathname}`);
      await cancel.getByRole('heading', { level: 1, name: 'Anmeldung stornieren' }).waitFor();
      expect(status('anna@example.org')).toBe('registered');
      await cancel.getByRole('button', { name: 'Anmeldung stornieren' }).click();
      await cancel.getByRole('heading', { level: 1, name: 'Anmeldung storniert' }).waitFor();

      expect(status('anna@example.org')).toBe('cancelled');
      expect(status('bernd@example.org')).toBe('registered');
      const promoted = await testApp.smtp.waitFor(
        (m) => m.to.includes('bernd@example.org') && m.subject.startsWith('Ein Platz ist frei'),
      );
      expect(promoted.parsed.attachments.map((a) => a.filename)).toEqual(['event.ics']);
    },
    TIMEOUT,
  );
});
