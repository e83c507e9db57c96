import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as segments from '../../db/queries/segments.js';
import * as users from '../../db/queries/users.js';
import type { UserRole } from '../../db/schema.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { seedSubscribers } from '../helpers/admin-segments.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';

/*
 * The admin UI in a real browser, as a person at the NGO uses it: log in through the form,
 * filter the subscriber list, read a person's consent history, edit the profile, build a
 * segment with the live count, see what a viewer may not do, log in by keyboard only, and
 * screenshots for a person to look at. Elements are found by their visible German labels.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
interface BrowserElement {
  id: string;
  tagName: string;
  getAttribute(name: string): string | null;
}
declare const document: { activeElement: BrowserElement | null };
declare function getComputedStyle(element: BrowserElement): {
  outlineStyle: string;
  outlineWidth: string;
  boxShadow: string;
};

const TIMEOUT = 90_000;
const SCREENSHOT_DIR = resolve('test-results');
const HARZ = '15085';

let browser: Browser;
let testApp: TestApp;
let listId: number;
const editorEmail = 'redaktion@landpost.test';
const viewerEmail = 'lesen@landpost.test';

/** Eight people: four volunteers in Harz (one with a name), the rest elsewhere or other roles. */
const people = [
  { email: 'anna@example.org', region: HARZ, roles: ['volunteer'] },
  { email: 'bernd@example.org', region: HARZ, roles: ['volunteer', 'staff'] },
  { email: 'carla@example.org', region: HARZ, roles: ['volunteer'] },
  { email: 'dora@example.org', region: HARZ, roles: ['volunteer'], name: 'Dora Harzer' },
  { email: 'emil@example.org', region: HARZ, roles: ['staff'] },
  { email: 'frieda@example.org', region: '15003', roles: ['volunteer'] },
  { email: 'gustav@example.org', region: '15002', roles: ['municipality'] },
  { email: 'hanna@example.org', region: null, roles: [] },
];

async function createUser(email: string, role: UserRole): Promise<void> {
  users.createUser(
    { email, name: `Test ${role}`, role, passwordHash: await hashPassword(PASSWORD, 'low') },
    testApp.runtime.database.db,
  );
}

beforeAll(async () => {
  // The first run installs Debian's chromium with apt.
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  const sqlite = testApp.runtime.database.sqlite;
  listId = (sqlite.prepare('select id from lists order by id limit 1').get() as { id: number }).id;
  const ids = seedSubscribers(
    testApp,
    people.map(({ email, region, roles }) => ({ email, region, roles, lists: [listId] })),
  );
  for (const p of people)
    if (p.name)
      sqlite.prepare('update subscribers set name = ? where id = ?').run(p.name, ids.get(p.email));
  await createUser(editorEmail, 'editor');
  await createUser(viewerEmail, 'viewer');
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

/** Log in through the real form by its visible labels; ends on the dashboard. */
async function logIn(page: Page, email: string): Promise<void> {
  await logInAs(page, testApp.baseUrl, email, PASSWORD);
  expect(new URL(page.url()).pathname).toBe('/admin');
}

interface SubscriberRow {
  id: number;
  name: string;
  region_key: string | null;
  status: string;
}
function subscriberRow(email: string): SubscriberRow {
  return testApp.runtime.database.sqlite
    .prepare('select id, name, region_key, status from subscribers where email = ?')
    .get(email) as SubscriberRow;
}
/** Harz volunteers as the database has them now (another test may have moved somebody). */
function harzVolunteers(): string[] {
  return (
    testApp.runtime.database.sqlite
      .prepare(
        `select s.email from subscribers s join subscriber_roles r on r.subscriber_id = s.id
         where s.region_key = ? and r.role_key = 'volunteer' order by s.email`,
      )
      .all(HARZ) as { email: string }[]
  ).map((r) => r.email);
}
const countText = (n: number) =>
  n === 1
    ? '1 Abonnent*in passt zu diesen Regeln.'
    : `${n} Abonnent*innen passen zu diesen Regeln.`;

/** The e-mail addresses in the subscriber table, in page order. */
async function listedEmails(page: Page): Promise<string[]> {
  const cells = page.locator('table.data tbody tr td:first-child');
  return (await cells.allInnerTexts()).map((t) => t.trim()).sort();
}

/** Apply the list's GET filter form: region Harz, role volunteer. */
async function filterHarzVolunteers(page: Page): Promise<void> {
  const filters = page.getByRole('search', { name: 'Suchen und filtern' });
  await filters.getByLabel('Region').selectOption({ label: 'Harz' });
  await filters.getByLabel('Rollen').selectOption({ label: 'Ehrenamtlich engagiert' });
  await filters.getByRole('button', { name: 'Anwenden' }).click();
  await page.waitForURL((url) => url.searchParams.get('region') === HARZ);
}

describe('admin UI in the browser', () => {
  afterEach(closeContexts);

  it(
    'editor: log in, filter by region and role, open a person, read consent, edit name and region',
    async () => {
      const page = await newPage();
      await logIn(page, editorEmail);

      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Abonnent*innen' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Abonnent*innen' }).waitFor();
      expect(await page.locator('#count').innerText()).toBe(`${people.length} Treffer`);

      await filterHarzVolunteers(page);
      const filteredUrl = page.url();
      const url = new URL(filteredUrl);
      expect(url.pathname).toBe('/admin/subscribers');
      expect(url.searchParams.get('role')).toBe('volunteer');
      const expected = harzVolunteers();
      expect(expected).toEqual([
        'anna@example.org',
        'bernd@example.org',
        'carla@example.org',
        'dora@example.org',
      ]);
      expect(await listedEmails(page)).toEqual(expected);
      expect(await page.getByRole('status').innerText()).toBe(`${expected.length} Treffer`);
      // The form shows the chosen filter again.
      const filters = page.getByRole('search', { name: 'Suchen und filtern' });
      expect(await filters.getByLabel('Region').inputValue()).toBe(HARZ);
      expect(await filters.getByLabel('Rollen').inputValue()).toBe('volunteer');

      // The person with a name: the detail page.
      const before = subscriberRow('dora@example.org');
      await page.getByRole('link', { name: 'dora@example.org' }).click();
      await page.getByRole('heading', { level: 1, name: 'dora@example.org' }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/admin/subscribers/${before.id}`);
      const profile = page.getByRole('region', { name: 'Profil' });
      expect(await profile.innerText()).toContain('Dora Harzer');
      expect(await profile.innerText()).toContain('Harz');
      const consent = page.getByRole('region', { name: 'Einwilligungsverlauf' });
      await consent.waitFor();
      expect(await consent.innerText()).toContain('Keine Einträge.');

      // Edit name and region.
      await profile.getByRole('link', { name: 'Bearbeiten' }).click();
      await page.getByRole('heading', { level: 1, name: /Abonnent\*in bearbeiten/ }).waitFor();
      const name = page.getByLabel('Name', { exact: true });
      expect(await name.inputValue()).toBe('Dora Harzer');
      expect(await page.getByLabel('Region', { exact: true }).inputValue()).toBe(HARZ);
      await name.fill('Dora Magdeburger');
      await page.getByLabel('Region', { exact: true }).selectOption({ label: 'Magdeburg' });
      await page.getByRole('button', { name: 'Speichern' }).click();

      await page.waitForURL((u) => u.pathname === `/admin/subscribers/${before.id}`);
      expect(await page.getByRole('status').innerText()).toContain(
        'Die Änderungen sind gespeichert.',
      );
      const after = page.getByRole('region', { name: 'Profil' });
      expect(await after.innerText()).toContain('Dora Magdeburger');
      expect(await after.innerText()).toContain('Magdeburg');
      expect(await after.innerText()).not.toContain('Harz');
      // The change is recorded in the consent history (preferences changed).
      expect(
        await page.getByRole('region', { name: 'Einwilligungsverlauf' }).innerText(),
      ).toContain('Angaben geändert');

      expect(subscriberRow('dora@example.org')).toEqual({
        ...before,
        name: 'Dora Magdeburger',
        region_key: '15003',
      });

      // Back in the filtered list she is gone; the count follows.
      await page.goto(filteredUrl);
      expect(await listedEmails(page)).toEqual(harzVolunteers());
      expect(await page.getByRole('status').innerText()).toBe(`${harzVolunteers().length} Treffer`);
    },
    TIMEOUT,
  );

  it(
    'editor: build the segment "Harz Ehrenamt" with the live count and the Zählen button',
    async () => {
      const expected = harzVolunteers().length;
      expect(expected).toBeGreaterThan(1);
      expect(expected).toBeLessThan(people.length);

      const page = await newPage();
      await logIn(page, editorEmail);
      await page.getByRole('link', { name: 'Segmente' }).click();
      await page.getByRole('heading', { level: 1, name: 'Segmente' }).waitFor();
      await page.getByRole('link', { name: 'Neues Segment' }).click();
      await page.getByRole('heading', { level: 1, name: 'Neues Segment' }).waitFor();

      // Without rules everybody matches.
      const live = page.locator('[aria-live="polite"]');
      expect(await live.count()).toBe(1);
      expect(await live.innerText()).toBe(countText(people.length));

      await page.getByLabel('Name', { exact: true }).fill('Harz Ehrenamt');
      await page.getByLabel('Alle Regeln müssen zutreffen (und)').check();
      await page.getByRole('group', { name: 'Region' }).getByLabel('Harz', { exact: true }).check();
      // Region alone: the Harz volunteers and Emil (staff, also in Harz).
      await expect.poll(() => live.innerText(), { timeout: 10_000 }).toBe(countText(expected + 1));
      await page
        .getByRole('group', { name: 'Rolle' })
        .getByLabel('Ehrenamtlich engagiert', { exact: true })
        .check();
      await expect.poll(() => live.innerText(), { timeout: 10_000 }).toBe(countText(expected));

      // The same without the script: the Zählen button posts the form and counts.
      await page.getByRole('button', { name: 'Zählen' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/segments');
      expect(await page.locator('[aria-live="polite"]').innerText()).toBe(countText(expected));
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Harz Ehrenamt');
      expect(
        await page
          .getByRole('group', { name: 'Region' })
          .getByLabel('Harz', { exact: true })
          .isChecked(),
      ).toBe(true);
      expect(await page.getByLabel('Alle Regeln müssen zutreffen (und)').isChecked()).toBe(true);

      await page.getByRole('button', { name: 'Segment anlegen' }).click();
      await page.getByRole('heading', { level: 1, name: 'Harz Ehrenamt' }).waitFor();
      expect(await page.getByRole('status').innerText()).toContain('Das Segment ist angelegt.');
      expect(await page.locator('#segment-total').innerText()).toBe(countText(expected));
      const main = await page.locator('main').innerText();
      expect(main).toContain('Region: Harz');
      expect(main).toContain('Rolle: Ehrenamtlich engagiert');
      expect(main).toContain('Alle Regeln müssen zutreffen (und)');
      const members = (
        await page.locator('table.data tbody tr td:first-child').allInnerTexts()
      ).sort();
      expect(members).toEqual(harzVolunteers());

      const row = testApp.runtime.database.sqlite
        .prepare('select name, match, rules from segments where name = ?')
        .get('Harz Ehrenamt') as { name: string; match: string; rules: string };
      expect(row.match).toBe('all');
      expect(JSON.parse(row.rules)).toEqual([
        { field: 'region', values: [HARZ] },
        { field: 'role', values: ['volunteer'] },
      ]);
    },
    TIMEOUT,
  );

  it(
    'viewer: sees lists, details and segments without change controls; a POST is refused (403)',
    async () => {
      const db = testApp.runtime.database.db;
      const segment =
        segments.listSegments(db)[0] ??
        segments.createSegment(
          {
            name: 'Harz Ehrenamt',
            description: '',
            match: 'all',
            rules: [
              { field: 'region', values: [HARZ] },
              { field: 'role', values: ['volunteer'] },
            ],
          },
          null,
          db,
        );
      const target = subscriberRow('anna@example.org');

      const page = await newPage();
      await logIn(page, viewerEmail);
      expect(await page.locator('.admin-user').innerText()).toContain('Lesezugriff');

      await page.getByRole('link', { name: 'Abonnent*innen' }).click();
      await page.getByRole('heading', { level: 1, name: 'Abonnent*innen' }).waitFor();
      await filterHarzVolunteers(page);
      expect(await listedEmails(page)).toEqual(harzVolunteers());
      const main = page.locator('main');
      expect(await main.getByRole('link', { name: 'Abonnent*in hinzufügen' }).count()).toBe(0);
      expect(await main.getByRole('link', { name: /CSV/ }).count()).toBe(0);
      // The only form in main is the filter (GET); the only button applies it.
      expect(await main.locator('form[method="post"]').count()).toBe(0);
      expect(await main.getByRole('button').allInnerTexts()).toEqual(['Anwenden']);

      await page.getByRole('link', { name: 'anna@example.org' }).click();
      await page.getByRole('heading', { level: 1, name: 'anna@example.org' }).waitFor();
      await page.getByRole('region', { name: 'Einwilligungsverlauf' }).waitFor();
      expect(await main.getByRole('link', { name: 'Bearbeiten' }).count()).toBe(0);
      expect(await main.getByRole('region', { name: 'Aktionen' }).count()).toBe(0);
      for (const name of ['Sperren', 'Endgültig löschen', 'Von allen Listen abmelden'])
        expect(await page.getByRole('button', { name }).count(), name).toBe(0);
      expect(await main.getByRole('button').count()).toBe(0);
      expect(await main.locator('form').count()).toBe(0);

      await page.getByRole('link', { name: 'Segmente', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Segmente' }).waitFor();
      expect(await main.getByRole('link', { name: 'Neues Segment' }).count()).toBe(0);
      await main.getByRole('link', { name: segment.name }).click();
      await page.getByRole('heading', { level: 1, name: segment.name }).waitFor();
      expect(await main.getByRole('link', { name: 'Segment bearbeiten' }).count()).toBe(0);
      expect(await main.getByRole('button', { name: /Segment löschen/ }).count()).toBe(0);
      expect(await main.getByRole('button').count()).toBe(0);

      // A hand-made POST from the page, with a valid CSRF token from the logout form.
      const csrf = await page
        .locator('form[action="/admin/logout"] input[name="_csrf"]')
        .getAttribute('value');
      expect(csrf).toBeTruthy();
      const post = (path: string, fields: [string, string][]) =>
        page.evaluate(
          async ({ path, fields }) => {
            const res = await fetch(path, {
              method: 'POST',
              credentials: 'same-origin',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams(fields).toString(),
              redirect: 'manual',
            });
            return { status: res.status, type: res.type, body: await res.text() };
          },
          { path, fields },
        );
      const auditBefore = (
        testApp.runtime.database.sqlite
          .prepare("select count(*) as n from audit_log where action <> 'login'")
          .get() as { n: number }
      ).n;

      const edit = await post(`/admin/subscribers/${target.id}`, [
        ['_csrf', csrf!],
        ['name', 'Von Lesezugriff geändert'],
        ['region', '15003'],
        ['language', 'de'],
        ['lists', String(listId)],
      ]);
      expect(edit.status).toBe(403);
      expect(edit.body).toContain('Dafür fehlt Ihrer Rolle die Berechtigung.');
      const blocked = await post(`/admin/subscribers/${target.id}/block`, [['_csrf', csrf!]]);
      expect(blocked.status).toBe(403);
      const deleted = await post(`/admin/segments/${segment.id}/delete`, [['_csrf', csrf!]]);
      expect(deleted.status).toBe(403);

      // Nothing changed.
      expect(subscriberRow('anna@example.org')).toEqual(target);
      expect(segments.findSegment(segment.id, db)).toEqual(segment);
      expect(
        (
          testApp.runtime.database.sqlite
            .prepare("select count(*) as n from audit_log where action <> 'login'")
            .get() as { n: number }
        ).n,
      ).toBe(auditBefore);

      // The token itself was good: a change a viewer may make (own language) goes through.
      const own = await post('/admin/account/language', [
        ['_csrf', csrf!],
        ['language', 'de'],
      ]);
      expect(own.type).toBe('opaqueredirect');
    },
    TIMEOUT,
  );

  it(
    'keyboard only: Tab to e-mail, type, Tab to password, type, Enter logs in; focus is visible',
    async () => {
      const page = await newPage();
      await page.goto(`${testApp.baseUrl}/admin/login`);

      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement;
          if (!el) return null;
          const style = getComputedStyle(el);
          return {
            tag: el.tagName.toLowerCase(),
            id: el.id,
            outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
            shadow: style.boxShadow !== 'none' && style.boxShadow !== '',
          };
        });
      const visited: string[] = [];
      const tab = async () => {
        await page.keyboard.press('Tab');
        const f = await focused();
        expect(f, 'something has focus').not.toBeNull();
        visited.push(`${f!.tag}#${f!.id}`);
        expect(f!.outline || f!.shadow, `focus visible on ${f!.tag}#${f!.id}`).toBe(true);
        return f!;
      };

      let f = await tab();
      for (let i = 0; f.id !== 'email'; i++) {
        expect(i, `reached the e-mail field; visited ${visited.join(' → ')}`).toBeLessThan(5);
        f = await tab();
      }
      await page.keyboard.type(editorEmail);
      f = await tab();
      expect(f.id, `Tab from e-mail goes to the password; visited ${visited.join(' → ')}`).toBe(
        'password',
      );
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');

      await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/admin');
      expect(await page.locator('.admin-user').innerText()).toContain('Redaktion');
      console.log(`keyboard path on the login page: ${visited.join(' → ')}`);
    },
    TIMEOUT,
  );

  it(
    'screenshots at 1280 px: the filtered subscriber list and the segment form',
    async () => {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const page = await newPage({ viewport: { width: 1280, height: 900 } });
      await logIn(page, editorEmail);
      const paths: string[] = [];

      await page.goto(`${testApp.baseUrl}/admin/subscribers`);
      await filterHarzVolunteers(page);
      await page.locator('table.data').waitFor();
      const list = resolve(SCREENSHOT_DIR, 'admin-subscribers-filtered-1280.png');
      await page.screenshot({ path: list, fullPage: true });
      paths.push(list);

      await page.goto(`${testApp.baseUrl}/admin/segments/new`);
      await page.getByLabel('Name', { exact: true }).fill('Harz Ehrenamt');
      await page.getByRole('group', { name: 'Region' }).getByLabel('Harz', { exact: true }).check();
      await page
        .getByRole('group', { name: 'Rolle' })
        .getByLabel('Ehrenamtlich engagiert', { exact: true })
        .check();
      await expect
        .poll(() => page.locator('#segment-count').innerText(), { timeout: 10_000 })
        .toBe(countText(harzVolunteers().length));
      const form = resolve(SCREENSHOT_DIR, 'admin-segment-form-1280.png');
      await page.screenshot({ path: form, fullPage: true });
      paths.push(form);

      // PNG header: the width is the big-endian integer at byte 16.
      for (const p of paths) expect(readFileSync(p).readUInt32BE(16), p).toBe(1280);
      console.log(`screenshots:\n  ${paths.join('\n  ')}`);
    },
    TIMEOUT,
  );
});
