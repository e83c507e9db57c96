import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import type { Actor } from '../../server/services/context.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';
import { boerde, harz } from '../helpers/edition.js';

/*
 * A campaign in a real browser, as an editor at the NGO sends one: choose the edition and a
 * segment by their labels, look at the count per region, tick the confirmation, send, and
 * watch the progress page (its script polls the counts) reach "Versendet" while every person
 * gets the mail once; pause and resume one of 2,000 from the page while it sends. Screenshots
 * for a person to look at.
 */

const TIMEOUT = 120_000;
const editorEmail = 'versand@landpost.test';
const cli: Actor = { kind: 'cli' };

let browser: Browser;
let testApp: TestApp;
let itemIds: number[];
let nextPerson = 1;

/** Confirmed people tagged with a topic (for a segment), half in Harz, half in Börde. */
function addPeople(n: number, topic: string): string[] {
  const db = testApp.runtime.database.sqlite;
  const insert = db.prepare(
    "insert into subscribers (email, name, region_key, language, status, confirmed_at) values (?, ?, ?, 'de', 'confirmed', ?)",
  );
  const tag = db.prepare('insert into subscriber_topics (subscriber_id, topic_key) values (?, ?)');
  const emails: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = nextPerson++;
    const email = `mensch${k}@example.org`;
    const id = insert.run(email, `Mensch ${k}`, k % 2 ? harz : boerde, Date.now()).lastInsertRowid;
    tag.run(id, topic);
    emails.push(email);
  }
  return emails;
}

function newEdition(title: string): void {
  const created = testApp.runtime.services.editions.create(
    { title, subject: `Landnetz: ${title}`, preheader: 'Neues aus dem Netz', items: itemIds },
    cli,
  );
  if (created.kind !== 'saved') throw new Error(JSON.stringify(created));
}

function newSegment(name: string, topic: string): void {
  const saved = testApp.runtime.services.reference.segments.create(
    { name, description: '', match: 'all', rules: [{ field: 'topic', values: [topic] }] },
    cli,
  );
  if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved));
}

beforeAll(async () => {
  browser = await launchBrowser();
  // At most 150 messages a second, however fast the machine: 2,000 take over 13 s, so the page
  // (polling every 2 s) shows the count rising, and the pause lands while it sends.
  testApp = await startTestApp({ listen: true, env: { SEND_RATE: '150' } });
  users.createUser(
    {
      email: editorEmail,
      name: 'Test Versand',
      role: 'editor',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
  const org = testApp.runtime.services.organisation.update(
    {
      name: 'Landnetz Sachsen-Anhalt',
      senderName: 'Landnetz Newsletter',
      senderAddress: 'newsletter@landnetz.example',
      imprint: 'Landnetz e. V.\nMarkt 1, 06108 Halle',
      funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung',
    },
    cli,
  );
  if (org.kind !== 'saved') throw new Error(JSON.stringify(org.errors));
  itemIds = [];
  for (const [type, title, regions] of [
    ['funding', 'Förderprogramm Land', []],
    ['counselling', 'Beratung Harz', [harz]],
  ] as const) {
    const r = testApp.runtime.services.items.create({ type, title, regions: [...regions] }, cli);
    if (r.kind !== 'saved') throw new Error('item');
    itemIds.push(r.item.id);
  }
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

/** A logged-in editor's page that fails the test on a script error or a CSP violation. */
async function editorPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  await logInAs(page, testApp.baseUrl, editorEmail, PASSWORD);
  return { page, problems };
}

/** Through the navigation to a new campaign of the edition to the segment. */
async function createCampaign(page: Page, edition: string, segment: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Hauptnavigation' })
    .getByRole('link', { name: 'Versand' })
    .click();
  await page.getByRole('heading', { level: 1, name: 'Versand' }).waitFor();
  await page.getByRole('link', { name: 'Neue Kampagne' }).click();
  await page.getByRole('heading', { level: 1, name: 'Neue Kampagne' }).waitFor();
  await page.getByLabel('Ausgabe', { exact: true }).selectOption({ label: edition });
  await page
    .getByRole('group', { name: 'Segmente' })
    .getByRole('checkbox', { name: segment })
    .check();
  await page.getByRole('button', { name: 'Kampagne anlegen' }).click();
  await page.getByText('Die Kampagne ist angelegt.').waitFor();
}

describe('campaigns in the browser', () => {
  afterEach(closeContexts);

  it(
    'editor: sends an edition to a segment of 30, watches it reach "Versendet"; each gets one mail',
    async () => {
      newEdition('Frühling');
      newSegment('Förderinteressierte', 'funding');
      const people = addPeople(30, 'funding');
      const { page, problems } = await editorPage();
      await createCampaign(page, 'Nr. 1: Frühling', 'Förderinteressierte');

      await page.getByText('30 Personen bekommen diese Ausgabe.').waitFor();
      const byRegion = page.getByRole('table', { name: 'Nach Region' });
      await expect
        .poll(() => byRegion.getByRole('row', { name: 'Harz' }).getByRole('cell').textContent())
        .toBe('15');
      await expect
        .poll(() => byRegion.getByRole('row', { name: 'Börde' }).getByRole('cell').textContent())
        .toBe('15');
      await page.screenshot({ path: '/tmp/campaign-before-start.png', fullPage: true });

      // The start button waits for the confirmation: the browser refuses the form without it.
      testApp.smtp.clear();
      const send = page.getByRole('button', { name: 'An 30 Personen senden' });
      const before = page.url();
      await send.click();
      await new Promise((r) => setTimeout(r, 300));
      expect(page.url()).toBe(before);
      expect(testApp.runtime.database.sqlite.prepare('select status from campaigns').all()).toEqual(
        [{ status: 'draft' }],
      );
      await page.getByLabel('Ich habe Anzahl (30) und Prüfung gesehen').check();
      await send.click();

      const status = page.locator('#campaign-status');
      await expect
        .poll(() => status.textContent(), { timeout: 60_000, interval: 250 })
        .toContain('Versendet');
      await page.screenshot({ path: '/tmp/campaign-sent.png', fullPage: true });
      await expect.poll(() => page.locator('[data-count="sent"]').textContent()).toBe('30');
      const bar = page.getByRole('progressbar');
      expect(await bar.getAttribute('value')).toBe('30');

      const mails = await testApp.smtp.waitForCount(30);
      await new Promise((r) => setTimeout(r, 500));
      expect(testApp.smtp.messages).toHaveLength(30);
      expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual([...people].sort());
      expect(new Set(mails.map((m) => m.subject))).toEqual(new Set(['Landnetz: Frühling']));

      await page.getByRole('link', { name: 'Versand', exact: true }).first().click();
      const row = page.getByRole('row', { name: /Nr\. 1: Frühling/ });
      await expect.poll(() => row.textContent()).toContain('30 von 30 gesendet');
      await page.screenshot({ path: '/tmp/campaign-list.png', fullPage: true });
      expect(problems).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'editor: sends an edition to 2,000 people, watches the counts rise, pauses and resumes; each gets one mail',
    async () => {
      newEdition('Sommer');
      newSegment('Vernetzung', 'networking');
      const people = addPeople(2_000, 'networking');
      const { page, problems } = await editorPage();

      // The editor looks at the edition first, then sends it from "Versand".
      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Ausgaben' })
        .click();
      await page.getByRole('link', { name: 'Sommer', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: /Ausgabe bearbeiten/ }).waitFor();
      expect(await page.getByLabel('Titel', { exact: true }).inputValue()).toBe('Sommer');
      await createCampaign(page, 'Nr. 2: Sommer', 'Vernetzung');
      const campaignId = Number(/\/admin\/campaigns\/(\d+)/.exec(page.url())?.[1]);

      // The count per region and role, and the check, before anything is sent.
      await page.getByText('2.000 Personen bekommen diese Ausgabe.').waitFor();
      const byRegion = page.getByRole('table', { name: 'Nach Region' });
      for (const region of ['Harz', 'Börde'])
        expect(
          await byRegion.getByRole('row', { name: region }).getByRole('cell').textContent(),
        ).toBe('1.000');
      const byRole = page.getByRole('table', { name: 'Nach Rolle' });
      expect(
        await byRole.getByRole('row', { name: 'Ohne Rolle' }).getByRole('cell').textContent(),
      ).toBe('2.000');
      await page.getByRole('heading', { level: 2, name: 'Prüfung vor dem Versand' }).waitFor();
      expect(await page.getByText('Fehler:').count()).toBe(0);
      await page.screenshot({ path: '/tmp/campaign-2000-before-start.png', fullPage: true });

      testApp.smtp.clear();
      await page.getByLabel('Ich habe Anzahl (2.000) und Prüfung gesehen').check();
      await page.getByRole('button', { name: 'An 2.000 Personen senden' }).click();
      await page.getByText('Der Versand hat begonnen.').waitFor();

      // The page's script updates the counts while the mail goes out.
      const sentShown = async () =>
        Number(
          ((await page.locator('[data-count="sent"]').textContent()) ?? '').replace(/\D/g, ''),
        );
      const seen: number[] = [];
      await expect
        .poll(
          async () => {
            const n = await sentShown();
            if (n > 0 && n !== seen.at(-1)) seen.push(n);
            return seen.length;
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBeGreaterThanOrEqual(2);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(seen.at(-1)).toBeLessThan(2_000);
      expect(await page.getByRole('progressbar').getAttribute('value')).not.toBe('0');

      await page.getByRole('button', { name: 'Pausieren' }).click();
      await page.getByText('Der Versand ist pausiert.').waitFor();
      await expect.poll(() => page.locator('#campaign-status').textContent()).toContain('Pausiert');
      // The script hides the refresh link while it polls.
      expect(await page.getByRole('link', { name: 'Aktualisieren' }).isVisible()).toBe(false);
      await page.screenshot({ path: '/tmp/campaign-2000-paused.png', fullPage: true });
      // A batch looks at the campaign's state every half second: what it had in hand then may
      // still go out; after that, nothing, and the page (polling every two seconds) says so.
      await new Promise((r) => setTimeout(r, 3_000));
      const whilePaused = testApp.smtp.messages.length;
      const shownWhilePaused = await sentShown();
      await new Promise((r) => setTimeout(r, 4_500));
      expect(testApp.smtp.messages.length).toBe(whilePaused);
      expect(await sentShown()).toBe(shownWhilePaused);
      expect(shownWhilePaused).toBe(whilePaused);
      expect(whilePaused).toBeLessThan(2_000);

      await page.getByRole('button', { name: 'Fortsetzen' }).click();
      await page.getByText('Der Versand geht weiter.').waitFor();
      await expect
        .poll(() => page.locator('#campaign-status').textContent(), {
          timeout: 90_000,
          interval: 500,
        })
        .toContain('Versendet');
      expect(await page.locator('[data-count="sent"]').textContent()).toBe('2.000');
      expect(await page.locator('[data-count="uncertain"]').textContent()).toBe('0');
      await page.screenshot({ path: '/tmp/campaign-2000-sent.png', fullPage: true });

      await testApp.smtp.waitForCount(2_000, 30_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(testApp.smtp.messages).toHaveLength(2_000);
      expect(testApp.smtp.messages.flatMap((m) => m.envelopeTo).sort()).toEqual([...people].sort());
      expect(
        testApp.runtime.database.sqlite
          .prepare(
            'select status, uncertain, count(*) as n from deliveries where campaign_id = ? group by status, uncertain',
          )
          .all(campaignId),
      ).toEqual([{ status: 'sent', uncertain: 0, n: 2_000 }]);
      expect(problems).toEqual([]);
    },
    TIMEOUT,
  );
});
