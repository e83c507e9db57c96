import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import type { Actor } from '../../server/services/context.js';
import type { CampaignStats } from '../../server/services/tracking/index.js';
import { PASSWORD } from '../helpers/admin.js';
import { makeToken } from '../helpers/api.js';
import { linkFrom, startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';
import { setUpSender } from '../helpers/campaign.js';
import { boerde, harz } from '../helpers/edition.js';
import { pdfPages } from '../helpers/pdf.js';
import { insertRegistrations } from '../helpers/registrations.js';
import type { ReceivedMail } from '../helpers/smtp-sink.js';

/*
 * The evidence of reach as a project lead lives it, in one running Landpost: a campaign sends
 * an edition with a training that registers on Landpost's own page; readers, their mail
 * clients' proxies and a link scanner open and click the real mails; two events are planned in
 * the admin, people register from the newsletter and from a colleague's recommendation, the
 * events take place and attendance is ticked on a phone; a consultation is logged. Then the
 * dashboard, the multiplier view, the PDF for the funder and the campaign's reach must show
 * exactly what happened, people and machines apart.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare const document: { documentElement: { scrollWidth: number } };

const TIMEOUT = 240_000;
const leadEmail = 'projektleitung@landpost.test';
const cli: Actor = { kind: 'cli' };

// Request patterns as they reach the pixel and the redirect.
const IPHONE_MAIL =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1';
const ANDROID_GMAIL =
  'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36';
const OUTLOOK_DESKTOP =
  'Mozilla/4.0 (compatible; ms-office; MSOffice 16) Microsoft Outlook 16.0.17029; Pro';
const SAFE_LINKS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const APPLE_MPP = 'Mozilla/5.0';
const GOOGLE_PROXY =
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
/** An address of Exchange Online Protection, where Safe Links fetches every link at delivery. */
const SAFE_LINKS_IP = '40.107.218.12';
/** Opens and clicks this soon after delivery count as machines (the rules' "too soon"). */
const TOO_SOON_MS = 10_000;
/** Two links of one mail by one client within this window are a scanner's burst. */
const BURST_WINDOW_MS = 5_000;

const FUNDING_URL = 'https://foerderung.example.org/mikroprojekte';

/** The subscribers the campaign goes to: region, role and tracking consent. */
const readers = [
  { email: 'anna@example.org', name: 'Anna Amsel', region: harz, role: 'volunteer', consent: true },
  {
    email: 'bernd@example.org',
    name: 'Bernd Birke',
    region: boerde,
    role: 'staff',
    consent: false,
  },
  {
    email: 'carl@example.org',
    name: 'Carl Ceder',
    region: harz,
    role: 'municipality',
    consent: true,
  },
  {
    email: 'dana@example.org',
    name: 'Dana Distel',
    region: boerde,
    role: 'volunteer',
    consent: false,
  },
  { email: 'emil@example.org', name: 'Emil Esche', region: harz, role: 'staff', consent: false },
] as const;

let browser: Browser;
let testApp: TestApp;
let apiToken: string;

/** A Berlin day `YYYY-MM-DD`, `offset` days from today. */
function berlinDay(offset = 0): string {
  return new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA', {
    timeZone: 'Europe/Berlin',
  });
}

/** A URL Landpost wrote with its PUBLIC_URL, on the test server instead. */
function onTestServer(link: string): string {
  const url = new URL(link);
  return `${testApp.baseUrl}${url.pathname}${url.search}`;
}

/** The pixel and tracked links of a mail, as they appear in its HTML. */
function trackedUrls(mail: ReceivedMail, kind: 'o' | 'c'): string[] {
  const publicUrl = testApp.runtime.config.publicUrl;
  return [
    ...new Set(
      [...(mail.html ?? '').matchAll(new RegExp(`${publicUrl}/t/${kind}/[A-Za-z0-9_-]+`, 'g'))].map(
        (m) => m[0],
      ),
    ),
  ];
}

/** One request to the pixel or the redirect over real HTTP, as a mail client or browser sends it. */
async function hit(
  url: string,
  agent: string,
  opts: { method?: 'GET' | 'HEAD'; ip?: string } = {},
): Promise<Response> {
  return fetch(onTestServer(url), {
    method: opts.method ?? 'GET',
    redirect: 'manual',
    headers: { 'user-agent': agent, ...(opts.ip ? { 'x-forwarded-for': opts.ip } : {}) },
  });
}

/** Where a tracked link goes, asked without counting (a HEAD never counts). */
async function targetOf(url: string): Promise<string> {
  const res = await hit(url, IPHONE_SAFARI, { method: 'HEAD' });
  expect(res.status).toBe(302);
  return res.headers.get('location')!;
}

/** The tracked link in a mail whose target matches. */
async function trackedLink(mail: ReceivedMail, target: (url: URL) => boolean): Promise<string> {
  for (const url of trackedUrls(mail, 'c')) if (target(new URL(await targetOf(url)))) return url;
  throw new Error(`no such tracked link in the mail to ${mail.envelopeTo.join(', ')}`);
}

/** A click a person makes: the redirect counts it and answers where to go. */
async function click(url: string, agent: string): Promise<string> {
  const res = await hit(url, agent);
  expect(res.status).toBe(302);
  return res.headers.get('location')!;
}

async function api(method: 'GET' | 'PATCH', path: string, body?: object) {
  const res = await fetch(`${testApp.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiToken}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json() };
}

const sleepUntil = async (at: number) => {
  const wait = at - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
};

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
const germanDay = (day: string) => day.split('-').reverse().join('.');

beforeAll(async () => {
  browser = await launchBrowser();
  // Behind a proxy, as in production: the scanner's address comes in X-Forwarded-For.
  testApp = await startTestApp({ listen: true, env: { TRUST_PROXY: 'true' } });
  users.createUser(
    {
      email: leadEmail,
      name: 'Lea Projektleitung',
      role: 'admin',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
  apiToken = makeToken(testApp, 'Bericht', 'editor');
  setUpSender(testApp.runtime);
  const sqlite = testApp.runtime.database.sqlite;
  const subscriber = sqlite.prepare(
    "insert into subscribers (email, name, region_key, language, status, confirmed_at, tracking_consent) values (?, ?, ?, 'de', 'confirmed', ?, ?)",
  );
  const role = sqlite.prepare(
    'insert into subscriber_roles (subscriber_id, role_key) values (?, ?)',
  );
  for (const r of readers)
    role.run(
      subscriber.run(r.email, r.name, r.region, Date.now(), r.consent ? 1 : 0).lastInsertRowid,
      r.role,
    );
  const segment = testApp.runtime.services.reference.segments.create(
    { name: 'Alle Abonnent*innen', description: '', match: 'all', rules: [] },
    cli,
  );
  if (segment.kind !== 'saved') throw new Error(JSON.stringify(segment));
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage } = browserProfiles(() => browser);

/** An admin page at a width that fails the test on a script error or a CSP violation. */
async function leadPage(width: number, problems: string[]): Promise<Page> {
  const page = await newPage({
    viewport: { width, height: 900 },
    ...(width < 500 ? { isMobile: true, hasTouch: true } : {}),
    acceptDownloads: true,
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  await logInAs(page, testApp.baseUrl, leadEmail, PASSWORD);
  return page;
}

/** Plan an event through "Veranstaltungen → Neue Veranstaltung"; answers its id. */
async function planEvent(
  page: Page,
  e: { type: 'Schulung' | 'Treffen'; title: string; day: string; place: string },
): Promise<number> {
  await page
    .getByRole('navigation', { name: 'Hauptnavigation' })
    .getByRole('link', { name: 'Veranstaltungen' })
    .click();
  await page.getByRole('link', { name: 'Neue Veranstaltung' }).click();
  await page.getByRole('heading', { level: 1, name: 'Neue Veranstaltung' }).waitFor();
  await page.getByRole('radio', { name: e.type }).check();
  await page.getByLabel('Titel', { exact: true }).fill(e.title);
  await page.getByLabel('Beginn', { exact: true }).fill(`${e.day}T10:00`);
  await page.getByLabel('Ende', { exact: true }).fill(`${e.day}T15:00`);
  await page.getByLabel('Ort', { exact: true }).fill(e.place);
  await page.getByLabel('Region', { exact: true }).selectOption({ label: 'Harz' });
  await page.getByRole('button', { name: 'Veranstaltung anlegen' }).click();
  await page.getByText('Die Veranstaltung ist angelegt.').waitFor();
  const row = testApp.runtime.database.sqlite
    .prepare('select id from events where title = ?')
    .get(e.title) as { id: number };
  return row.id;
}

/** Register on an event's public page by its visible labels. */
async function register(
  page: Page,
  url: string,
  person: { name: string; email: string; organisation: string; region: string },
) {
  await page.goto(url);
  await page.getByLabel('Name', { exact: false }).first().fill(person.name);
  await page.getByLabel('E-Mail-Adresse').fill(person.email);
  await page.getByLabel('Organisation oder Verein').fill(person.organisation);
  await page.getByLabel('Region').selectOption({ label: person.region });
  await page.getByRole('button', { name: 'Verbindlich anmelden' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sie sind angemeldet' }).waitFor();
}

describe('evidence of reach, from the campaign to the funder’s report', () => {
  it(
    'a campaign and two events later, dashboard, multipliers, PDF and campaign reach agree',
    async () => {
      const problems: string[] = [];
      const lead = await leadPage(1280, problems);
      const sqlite = testApp.runtime.database.sqlite;

      // --- Two events planned for tomorrow in the admin --------------------------------------
      const tomorrow = berlinDay(1);
      const trainingId = await planEvent(lead, {
        type: 'Schulung',
        title: 'Fördermittel kompakt',
        day: tomorrow,
        place: 'Rathaus Wernigerode',
      });
      const meetingId = await planEvent(lead, {
        type: 'Treffen',
        title: 'Best-Practice-Treffen Harz',
        day: tomorrow,
        place: 'Kulturhaus Halberstadt',
      });

      // --- The edition: a funding programme and the training, which registers with us --------
      const { items, editions } = testApp.runtime.services;
      const funding = items.create(
        {
          type: 'funding',
          title: 'Mikroprojekte im ländlichen Raum',
          regions: [],
          fields: { url: FUNDING_URL },
        },
        cli,
      );
      const training = items.create(
        {
          type: 'training',
          title: 'Fördermittel kompakt',
          regions: [],
          fields: {
            startsAt: `${tomorrow}T10:00`,
            place: 'Rathaus Wernigerode',
            event: String(trainingId),
          },
        },
        cli,
      );
      if (funding.kind !== 'saved' || training.kind !== 'saved')
        throw new Error(JSON.stringify([funding, training]));
      const edition = editions.create(
        {
          title: 'Herbst',
          subject: 'Landnetz: Herbst',
          items: [funding.item.id, training.item.id],
        },
        cli,
      );
      if (edition.kind !== 'saved') throw new Error(JSON.stringify(edition));

      // --- 1. The campaign, sent from "Versand" ----------------------------------------------
      await lead
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Versand' })
        .click();
      await lead.getByRole('link', { name: 'Neue Kampagne' }).click();
      await lead.getByLabel('Ausgabe', { exact: true }).selectOption({ label: 'Nr. 1: Herbst' });
      await lead
        .getByRole('group', { name: 'Segmente' })
        .getByRole('checkbox', { name: 'Alle Abonnent*innen' })
        .check();
      await lead.getByRole('button', { name: 'Kampagne anlegen' }).click();
      await lead.getByText('Die Kampagne ist angelegt.').waitFor();
      const campaignId = Number(/\/admin\/campaigns\/(\d+)/.exec(lead.url())?.[1]);
      await lead.getByLabel('Ich habe Anzahl (5) und Prüfung gesehen').check();
      await lead.getByRole('button', { name: 'An 5 Personen senden' }).click();

      // --- 2a. At delivery, before anybody can have read it: Carl's pixel is fetched (an open
      // this soon is his mail system's, whatever the agent) and Safe Links walks every link.
      const carl = await testApp.smtp.waitFor((m) => m.envelopeTo.includes('carl@example.org'));
      expect((await hit(trackedUrls(carl, 'o')[0]!, OUTLOOK_DESKTOP)).status).toBe(200);
      const carlLinks = trackedUrls(carl, 'c');
      expect(carlLinks.length).toBeGreaterThanOrEqual(3);
      for (const url of carlLinks)
        expect((await hit(url, SAFE_LINKS, { ip: SAFE_LINKS_IP })).status).toBe(302);

      await expect
        .poll(() => lead.locator('#campaign-status').textContent(), { timeout: 60_000 })
        .toContain('Versendet');
      const mails = await testApp.smtp.waitForCount(5, 30_000);
      const arrived = Date.now();
      const mailTo = (email: string) => mails.find((m) => m.envelopeTo.includes(email))!;
      expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual(readers.map((r) => r.email).sort());
      for (const mail of mails) {
        expect(mail.subject).toBe('Landnetz: Herbst');
        expect(trackedUrls(mail, 'o')).toHaveLength(1);
        expect(mail.text).toContain(
          'Kennen Sie jemanden, für den dieser Newsletter nützlich wäre?',
        );
      }

      // Bernd's iPhone asks whether the image is there: a HEAD never counts.
      const bernd = mailTo('bernd@example.org');
      expect((await hit(trackedUrls(bernd, 'o')[0]!, IPHONE_MAIL, { method: 'HEAD' })).status).toBe(
        200,
      );

      // --- 4. A consultation logged while the mail settles ----------------------------------
      await lead
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Beratungen' })
        .click();
      await lead.getByRole('link', { name: 'Neue Beratung' }).click();
      await lead.getByRole('radio', { name: 'Verein' }).check();
      await lead.getByLabel('Region', { exact: true }).selectOption({ label: 'Börde' });
      await lead.getByLabel('Thema', { exact: true }).fill('Satzung und Gemeinnützigkeit');
      await lead.getByRole('button', { name: 'Beratung erfassen' }).click();
      await lead.getByText('Die Beratung ist erfasst.').waitFor();

      // --- 2b. Later: people read; Apple's and Google's proxies fetch the pixel --------------
      await sleepUntil(arrived + TOO_SOON_MS + 1_000);
      const anna = mailTo('anna@example.org');
      const emil = mailTo('emil@example.org');
      expect((await hit(trackedUrls(anna, 'o')[0]!, IPHONE_MAIL)).status).toBe(200);
      expect((await hit(trackedUrls(emil, 'o')[0]!, ANDROID_GMAIL)).status).toBe(200);
      expect((await hit(trackedUrls(bernd, 'o')[0]!, APPLE_MPP)).status).toBe(200);
      const dana = mailTo('dana@example.org');
      expect((await hit(trackedUrls(dana, 'o')[0]!, GOOGLE_PROXY)).status).toBe(200);

      // --- 3a. Anna registers for the training from her newsletter, on her phone ------------
      const isEvent = (u: URL) => u.pathname.startsWith('/events/');
      const annaTraining = await trackedLink(anna, isEvent);
      const annaClickedAt = Date.now();
      const annaTarget = new URL(await click(annaTraining, IPHONE_SAFARI));
      expect(annaTarget.searchParams.get('ed')).toBe(String(edition.edition.id));
      expect(annaTarget.searchParams.get('cp')).toBe(String(campaignId));
      // With her tracking consent the registration is attributed to her as well.
      expect(annaTarget.searchParams.get('who')).toBeTruthy();
      const annaPhone = await newPage({
        viewport: { width: 390, height: 844 },
        isMobile: true,
        hasTouch: true,
        userAgent: IPHONE_SAFARI,
      });
      await register(annaPhone, onTestServer(annaTarget.toString()), {
        name: 'Anna Amsel',
        email: 'anna@example.org',
        organisation: 'Heimatverein Elend',
        region: 'Harz',
      });

      // Emil, without tracking consent: attributed to the edition, not to him.
      const emilTarget = new URL(await click(await trackedLink(emil, isEvent), ANDROID_GMAIL));
      expect(emilTarget.searchParams.get('who')).toBeNull();
      await register(await newPage(), onTestServer(emilTarget.toString()), {
        name: 'Emil Esche',
        email: 'emil@example.org',
        organisation: 'Caritas Halberstadt',
        region: 'Harz',
      });
      // Gustav found the training on its own page; he will not come.
      const trainingSlug = annaTarget.pathname;
      await register(await newPage(), `${testApp.baseUrl}${trainingSlug}`, {
        name: 'Gustav Gerste',
        email: 'gustav@example.org',
        organisation: 'Sportverein Ilsenburg',
        region: 'Harz',
      });

      // --- 3b. Anna recommends the newsletter; the link becomes her personal one -------------
      // A person reads between clicks: her second click comes after the burst window.
      await sleepUntil(annaClickedAt + BURST_WINDOW_MS + 1_500);
      const recommend = await trackedLink(anna, (u) => u.pathname === '/signup');
      const personal = new URL(await click(recommend, IPHONE_SAFARI));
      const ref = personal.searchParams.get('ref');
      expect(ref).toBeTruthy();
      expect(personal.searchParams.get('recommend')).toBeNull();

      // Clara signs up through it and confirms from her mail.
      const clara = await newPage({ viewport: { width: 1280, height: 900 } });
      await clara.goto(onTestServer(personal.toString()));
      await clara.getByLabel(/^Name/).fill('Clara Quitte');
      await clara.getByLabel('E-Mail-Adresse').fill('clara@example.org');
      await clara.getByLabel('Börde', { exact: true }).check();
      await clara.getByLabel('Ehrenamtlich engagiert', { exact: true }).check();
      await clara.getByLabel('Ich möchte den Newsletter per E-Mail erhalten').check();
      await clara.getByRole('button', { name: 'Abonnieren' }).click();
      await clara.getByRole('status').waitFor();
      const confirmation = await testApp.smtp.waitFor((m) => m.to.includes('clara@example.org'));
      await clara.goto(onTestServer(linkFrom(confirmation.text, '/confirm/')));
      await clara.getByRole('button', { name: 'Ja, Anmeldung bestätigen' }).click();
      await clara.getByRole('heading', { level: 1, name: 'Vielen Dank!' }).waitFor();

      // Dora registers for the meeting through the page Anna sent her with her link.
      const meetingSlug = (
        sqlite.prepare('select slug from events where id = ?').get(meetingId) as { slug: string }
      ).slug;
      await register(
        await newPage(),
        `${testApp.baseUrl}/events/${meetingSlug}?ref=${encodeURIComponent(ref!)}`,
        {
          name: 'Dora Dattel',
          email: 'dora@example.org',
          organisation: 'Frauencafé Quedlinburg',
          region: 'Börde',
        },
      );
      // Nineteen more registered for the meeting from both districts.
      insertRegistrations(
        testApp.runtime.database,
        meetingId,
        Array.from({ length: 19 }, (_, i) => ({
          name: `Gast ${i + 1}`,
          email: `gast${i + 1}@example.org`,
          regionKey: i % 2 ? harz : boerde,
        })),
      );

      // --- 3c. The events take place: their dates move to yesterday -------------------------
      const yesterday = berlinDay(-1);
      for (const id of [trainingId, meetingId]) {
        const moved = await api('PATCH', `/events/${id}`, {
          startsAt: `${yesterday}T10:00`,
          endsAt: `${yesterday}T15:00`,
        });
        expect(moved.status, JSON.stringify(moved.json)).toBe(200);
      }

      // Attendance ticked at the door on a 375 px phone.
      const door = await leadPage(375, problems);
      await door.goto(`${testApp.baseUrl}/admin/events/${trainingId}/attendance`);
      await expect.poll(() => door.locator('#counter').innerText()).toBe('0 von 3 anwesend');
      await door.getByText('Anna Amsel', { exact: true }).tap();
      await expect.poll(() => door.locator('#counter').innerText()).toBe('1 von 3 anwesend');
      await door.getByText('Emil Esche', { exact: true }).tap();
      await expect.poll(() => door.locator('#counter').innerText()).toBe('2 von 3 anwesend');
      await door.goto(`${testApp.baseUrl}/admin/events/${meetingId}/attendance`);
      const guests = Array.from({ length: 19 }, (_, i) => `Gast ${i + 1}`);
      for (const [i, name] of ['Dora Dattel', ...guests].entries()) {
        await door.getByText(name, { exact: true }).tap();
        await expect
          .poll(() => door.locator('#counter').innerText())
          .toBe(`${i + 1} von 20 anwesend`);
      }
      // Saved as ticked: after a reload the list still says so.
      await door.reload();
      expect(await door.locator('#counter').innerText()).toBe('20 von 20 anwesend');
      expect(await door.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        375,
      );

      // Where the registrations came from, in the admin list.
      await lead.goto(`${testApp.baseUrl}/admin/events/${trainingId}/registrations`);
      // Anna gave tracking consent: her registration names her as the reader; Emil's does not.
      expect(oneLine(await lead.getByRole('row', { name: /Anna Amsel/ }).innerText())).toContain(
        `Newsletter · Ausgabe 1: Herbst · Versand ${campaignId} · Abonnent*in Anna Amsel`,
      );
      const emilRow = oneLine(await lead.getByRole('row', { name: /Emil Esche/ }).innerText());
      expect(emilRow).toContain(`Newsletter · Ausgabe 1: Herbst · Versand ${campaignId}`);
      expect(emilRow).not.toContain('Abonnent*in');
      await lead.goto(`${testApp.baseUrl}/admin/events/${meetingId}/registrations`);
      expect(oneLine(await lead.getByRole('row', { name: /Dora Dattel/ }).innerText())).toContain(
        'Empfehlung von Anna Amsel',
      );

      // --- The tracking writer has written what came in: people and machines apart ---------
      let stats: CampaignStats | undefined;
      await expect
        .poll(
          async () => {
            const res = await api('GET', `/campaigns/${campaignId}/stats`);
            stats = res.json as CampaignStats;
            return stats.clicks.human;
          },
          { timeout: 20_000, interval: 500 },
        )
        .toBe(3);
      // Why each was counted as it was: the rows the writer wrote.
      const reasons = Object.fromEntries(
        (
          sqlite
            .prepare(
              "select kind || ' ' || class || ' ' || reason as why, count(*) as n from tracking_events where campaign_id = ? group by why",
            )
            .all(campaignId) as { why: string; n: number }[]
        ).map((r) => [r.why, r.n]),
      );
      expect(reasons).toEqual({
        'open human person': 2,
        'open machine too-soon': 1,
        'open machine apple-mpp': 1,
        'open machine google-proxy': 1,
        'click human person': 3,
        // The hidden trap link among the links Safe Links followed.
        'click scanner trap': 1,
        'click scanner microsoft-safe-links': carlLinks.length - 1,
      });
      expect(stats!.delivered).toBe(5);
      // Anna's iPhone and Emil's Android; Carl's Outlook at delivery, Apple MPP, Google's proxy.
      expect(stats!.opens).toEqual({ human: 2, machine: 3, unique_human: 1 });
      expect(stats!.clicks.human).toBe(3);
      expect(stats!.clicks.scanner).toBe(carlLinks.length);
      expect(stats!.clicks.unique_human).toBe(1);
      const byLink = (match: (u: URL) => boolean) =>
        stats!.clicks.by_link.find((l) => match(new URL(l.url)));
      expect(byLink(isEvent)).toMatchObject({ human: 2, scanner: 1 });
      expect(byLink((u) => u.pathname === '/signup')).toMatchObject({ human: 1, scanner: 1 });
      expect(byLink((u) => u.href === FUNDING_URL)).toMatchObject({ human: 0, scanner: 1 });
      expect(stats!.registrations).toBe(2);
      // Clara, through the recommendation Anna passed on from this campaign's mail.
      expect(stats!.signups).toBe(1);

      // --- 5. What the project lead sees ----------------------------------------------------
      const from = berlinDay(-7);
      const to = berlinDay(0);
      await lead
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Kennzahlen' })
        .click();
      await lead.getByLabel('Von', { exact: true }).fill(from);
      await lead.getByLabel('Bis', { exact: true }).fill(to);
      await lead.getByRole('button', { name: 'Anzeigen' }).click();
      await lead.waitForURL(new RegExp(`from=${from}&to=${to}`));
      const shown = async (key: string) =>
        oneLine(await lead.locator(`#indicator-${key} .indicator-value`).innerText());
      // Every indicator of indicators.json against its target.
      const expected = {
        'training-events': '1 von 14 Veranstaltungen',
        'training-participants': '2 von 140 Personen',
        'best-practice-meetings': '1 von 2 Veranstaltungen',
        counselling: '1 von 15 Beratungen',
        newsletters: '1 von 7 Ausgaben',
        // Six subscribers (Clara among them) and the twenty at the meeting: Anna and Emil,
        // subscribers who came to the training, count once.
        'people-reached': '26 von 180 Personen',
      };
      expect(await lead.locator('.indicator-card').count()).toBe(Object.keys(expected).length);
      for (const [key, text] of Object.entries(expected)) expect(await shown(key)).toBe(text);
      const dashboard: { label: string; value: string; target: string; percent: string }[] = [];
      for (const card of await lead.locator('.indicator-card').all()) {
        const [, value = '', target = ''] =
          /^(\d+) von (\d+)/.exec(await card.locator('.indicator-value').innerText()) ?? [];
        const [, percent = ''] =
          /(\d+) %/.exec(await card.locator('.indicator-percent').innerText()) ?? [];
        const label = await card.getByRole('heading', { level: 2 }).innerText();
        dashboard.push({ label, value, target, percent });
      }
      // Human and machine opens and clicks side by side, never one sum.
      const mailRow = lead.locator('#mail-figures tbody tr');
      expect(await mailRow.count()).toBe(1);
      const cells = await mailRow.locator('td').allInnerTexts();
      expect(cells.slice(1)).toEqual(['5', '2', '3', '3', String(carlLinks.length)]);
      await lead.screenshot({ path: '/tmp/reach-dashboard.png', fullPage: true });
      await lead.locator('.indicator-cards').screenshot({ path: '/tmp/reach-dashboard-cards.png' });
      await lead
        .locator('.indicator-charts')
        .screenshot({ path: '/tmp/reach-dashboard-charts.png' });

      await lead.getByRole('link', { name: 'Multiplikator*innen: wer wen gewonnen hat' }).click();
      await lead.getByRole('heading', { level: 1, name: 'Multiplikator*innen' }).waitFor();
      const chain = lead
        .locator('.chain-tree > li')
        .filter({ has: lead.getByRole('link', { name: 'Anna Amsel' }) })
        .locator(':scope > ul > li')
        .getByRole('link', { name: 'Clara Quitte' });
      expect(await chain.count()).toBe(1);
      // Five subscribers from before and Clara confirmed; Clara and Dora came through Anna.
      expect(oneLine(await lead.locator('#multipliers-summary').innerText())).toBe(
        `${germanDay(from)} bis ${germanDay(to)}: bestätigte Newsletter-Anmeldungen: 6, davon über Empfehlungen: 1; Veranstaltungsanmeldungen über Empfehlungen: 1.`,
      );
      const multipliers = await lead.locator('#multipliers tbody tr').allInnerTexts();
      expect(multipliers.map(oneLine)).toEqual(['Anna Amsel Harz Ehrenamtlich engagiert 1 1']);
      await lead.screenshot({ path: '/tmp/reach-multipliers.png', fullPage: true });

      // The PDF for the funder holds the values the dashboard shows.
      await lead.goto(`${testApp.baseUrl}/admin/indicators?from=${from}&to=${to}`);
      const [download] = await Promise.all([
        lead.waitForEvent('download'),
        lead.getByRole('link', { name: 'Bericht als PDF herunterladen' }).first().click(),
      ]);
      const pdf = await readFile(await download.path());
      await writeFile('/tmp/reach-report.pdf', pdf);
      const pages = await pdfPages(pdf);
      const text = pages.join('\n');
      expect(text).toMatch(/Kennzahl Definition Wert Ziel Erreicht/);
      // The indicator table: in the dashboard's order, each with the dashboard's figures.
      const tablePage = pages.find((p) => p.includes('Kennzahl Definition Wert Ziel Erreicht'))!;
      const pdfRows = [...tablePage.matchAll(/^(\d+) (\d+) (\d+) % ?$/gm)].map((m) =>
        m.slice(1).join(' '),
      );
      expect(pdfRows).toEqual(dashboard.map((d) => `${d.value} ${d.target} ${d.percent}`));
      // Labels wrap in the table's cells: compared without white space.
      const squeezed = tablePage.replace(/\s+/g, '');
      let at = 0;
      for (const d of dashboard) {
        const found = squeezed.indexOf(d.label.replace(/\s+/g, ''), at);
        expect(found, `${d.label} in the PDF's table, in order`).toBeGreaterThan(at);
        at = found;
      }
      // Its mail table: people and machines apart, as on the dashboard.
      expect(text).toMatch(
        new RegExp(`1\\. Herbst \\d\\d\\.\\d\\d\\.\\d{4} 5 2 3 3 ${carlLinks.length}`),
      );
      execFileSync('pdftoppm', ['-png', '-r', '60', '/tmp/reach-report.pdf', '/tmp/reach-pdf']);

      // The campaign's reach agrees with the API.
      await lead.goto(`${testApp.baseUrl}/admin/campaigns/${campaignId}`);
      const reach = lead.locator('#reach tbody tr');
      expect(await reach.nth(0).locator('td').allInnerTexts()).toEqual([
        String(stats!.opens.human),
        String(stats!.opens.machine),
        String(stats!.opens.unique_human),
      ]);
      expect(await reach.nth(1).locator('td').allInnerTexts()).toEqual([
        String(stats!.clicks.human),
        String(stats!.clicks.scanner),
        String(stats!.clicks.unique_human),
      ]);
      // … and so do its other figures.
      expect(oneLine(await lead.locator('#reach-heading ~ p').last().innerText())).toBe(
        `Zugestellt: ${stats!.delivered} · Abbestellt danach: ${stats!.unsubscribes} · Bounces: ${stats!.bounces} · Anmeldungen über die Links: ${stats!.signups} · Veranstaltungsanmeldungen: ${stats!.registrations}`,
      );
      await lead.screenshot({ path: '/tmp/reach-campaign.png', fullPage: true });
      expect(problems).toEqual([]);
    },
    TIMEOUT,
  );
});
