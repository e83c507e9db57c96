import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../../db/queries/users.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import type { Actor } from '../../server/services/context.js';
import { PASSWORD } from '../helpers/admin.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser, logInAs } from '../helpers/browser.js';
import { setUpSender } from '../helpers/campaign.js';

/*
 * The admin page frame in a real browser: the navigation in one line at 1280 px, the settings
 * behind a disclosure, every page reachable by keyboard, and no page wider than a phone.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}
interface BrowserElement {
  tagName: string;
  className: string;
  parentElement: BrowserElement | null;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  closest(selector: string): BrowserElement | null;
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
}
declare const document: {
  activeElement: BrowserElement | null;
  documentElement: BrowserElement;
  scrollingElement: { scrollWidth: number };
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
};
declare const window: { innerWidth: number };
declare function getComputedStyle(element: BrowserElement): {
  overflowX: string;
  hyphens: string;
};

const TIMEOUT = 90_000;
const adminEmail = 'leitung@landpost.test';
const cli: Actor = { kind: 'cli' };

let browser: Browser;
let testApp: TestApp;
let archivedSlug: string;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  users.createUser(
    {
      email: adminEmail,
      name: 'Test Leitung',
      role: 'admin',
      passwordHash: await hashPassword(PASSWORD, 'low'),
    },
    testApp.runtime.database.db,
  );
  // An edition in the public archive with a "Unterstützungsmöglichkeiten" section.
  setUpSender(testApp.runtime);
  const { items, editions } = testApp.runtime.services;
  const item = items.create({ type: 'support', title: 'Hilfe vor Ort' }, cli);
  if (item.kind !== 'saved') throw new Error('item');
  const edition = editions.create(
    { title: 'Unterstützungsmöglichkeiten', subject: 'Landnetz Nr. 1', items: [item.item.id] },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error(JSON.stringify(edition));
  const published = await editions.publish(edition.edition.id, cli);
  if (published.kind !== 'saved') throw new Error(JSON.stringify(published));
  archivedSlug = editions.archive()[0]!.slug;
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

/**
 * How far the page reaches beyond the window to the side (0 or less: nothing sticks out), and
 * which elements do (outside scrolling boxes such as a wide table's), for the failure message.
 */
async function overflow(page: Page): Promise<{ by: number; elements: string[] }> {
  return page.evaluate(() => {
    const scrolls = (el: BrowserElement | null): boolean => {
      for (let p = el?.parentElement ?? null; p; p = p.parentElement)
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const elements = Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 && !scrolls(el))
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent ?? '').trim().slice(0, 40)}`,
      );
    return { by: document.scrollingElement.scrollWidth - window.innerWidth, elements };
  });
}

/** Asserts that nothing sticks out of the window to the side. */
async function fitsWidth(page: Page, where: string): Promise<void> {
  const { by, elements } = await overflow(page);
  expect(
    by,
    `${where}: wider than the window by ${by} px: ${elements.slice(-5).join(' | ')}`,
  ).toBeLessThanOrEqual(0);
}

/** The top-level entries of the main navigation: text and box. */
const navEntries = (page: Page) =>
  page.evaluate(() =>
    Array.from(
      document.querySelectorAll('.admin-nav > li > a, .admin-nav > li > details > summary'),
    ).map((el) => {
      const box = el.getBoundingClientRect();
      return { text: (el.textContent ?? '').trim(), top: box.top, bottom: box.bottom };
    }),
  );

/** The focused element: its tag, link target and text. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      href: el?.getAttribute('href') ?? null,
      text: (el?.textContent ?? '').trim(),
    };
  });

const primary: [string, string][] = [
  ['/admin', 'Übersicht'],
  ['/admin/editions', 'Ausgaben'],
  ['/admin/items', 'Beiträge'],
  ['/admin/campaigns', 'Versand'],
  ['/admin/subscribers', 'Abonnent*innen'],
  ['/admin/segments', 'Segmente'],
  ['/admin/lists', 'Listen'],
  ['/admin/imports', 'Import'],
  ['/admin/consultations', 'Beratungen'],
  ['/admin/events', 'Veranstaltungen'],
  ['/admin/indicators', 'Kennzahlen'],
];
const settings: [string, string][] = [
  ['/admin/settings/organisation', 'Organisation'],
  ['/admin/taxonomy', 'Regionen, Rollen, Themen'],
  ['/admin/mail-texts', 'Willkommens-Mail'],
  ['/admin/users', 'Benutzer*innen'],
  ['/admin/tokens', 'API-Tokens'],
  ['/admin/audit', 'Protokoll'],
  ['/admin/mail', 'Mail-Fänger'],
];

/**
 * From the top of the current page, Tab to the navigation link to `href` (opening the settings
 * with Enter on the way when it lies behind them) and follow it with Enter.
 */
async function followByKeyboard(page: Page, href: string, inSettings: boolean): Promise<void> {
  const path: string[] = [];
  for (let i = 0; ; i++) {
    expect(i, `reached ${href} by Tab; visited ${path.join(' → ')}`).toBeLessThan(30);
    await page.keyboard.press('Tab');
    const f = await focused(page);
    path.push(f.href ?? `${f.tag}:${f.text}`);
    if (inSettings && f.tag === 'summary' && f.text === 'Einstellungen') {
      await page.keyboard.press('Enter');
      continue;
    }
    if (f.tag === 'a' && f.href === href) break;
  }
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.pathname === href);
}

describe('the admin frame', () => {
  afterEach(closeContexts);

  it(
    'admin at 1280 px: the navigation is one line, the settings behind one disclosure; every page is reachable by keyboard',
    async () => {
      const page = await newPage({ viewport: { width: 1280, height: 800 } });
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.push(msg.text());
      });
      await logInAs(page, testApp.baseUrl, adminEmail, PASSWORD);
      const entries = await navEntries(page);
      expect(entries.map((e) => e.text)).toEqual([
        ...primary.map(([, label]) => label),
        'Einstellungen',
      ]);
      expect(new Set(entries.map((e) => e.top)).size, JSON.stringify(entries)).toBe(1);
      await fitsWidth(page, '/admin');
      await page.screenshot({ path: '/tmp/admin-nav-1280.png' });

      // The settings are hidden until the disclosure opens; then they lie over the page.
      const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
      const users = nav.getByRole('link', { name: 'Benutzer*innen' });
      expect(await users.isVisible()).toBe(false);
      await nav.getByText('Einstellungen').click();
      expect(await users.isVisible()).toBe(true);
      expect(await navEntries(page)).toEqual(entries);
      await page.screenshot({ path: '/tmp/admin-nav-1280-open.png' });

      for (const [href, label] of [...primary, ...settings]) {
        await page.goto(`${testApp.baseUrl}/admin`);
        await followByKeyboard(
          page,
          href,
          settings.some(([h]) => h === href),
        );
        await page.getByRole('heading', { level: 1 }).waitFor();
        // The page is marked in the navigation; behind the settings, the disclosure is too.
        const current = page.locator('header nav a[aria-current="page"]');
        expect(await current.getAttribute('href')).toBe(href);
        expect(await current.textContent()).toBe(label);
        expect(await page.locator('.nav-group summary.current').count()).toBe(
          settings.some(([h]) => h === href) ? 1 : 0,
        );
      }
      expect(problems).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'admin at 375 px: no page is wider than the screen, the open settings neither',
    async () => {
      const page = await newPage({ viewport: { width: 375, height: 800 } });
      await logInAs(page, testApp.baseUrl, adminEmail, PASSWORD);
      for (const [href] of [...primary, ...settings]) {
        await page.goto(`${testApp.baseUrl}${href}`);
        await fitsWidth(page, href);
      }
      await page.goto(`${testApp.baseUrl}/admin`);
      await page.getByText('Einstellungen').click();
      await page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Benutzer*innen' })
        .waitFor();
      await fitsWidth(page, 'open settings');
      await page.screenshot({ path: '/tmp/admin-nav-375-open.png', fullPage: true });
    },
    TIMEOUT,
  );
});

/** Where a heading or label with this text sits and how it may break. */
const wordBox = (page: Page, selector: string, text: string) =>
  page
    .locator(selector, { hasText: text })
    .first()
    .evaluate((el: BrowserElement) => {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return {
        lang: el.closest('[lang]')?.getAttribute('lang') ?? null,
        hyphens: style.hyphens,
        left: box.left,
        right: box.right,
        window: window.innerWidth,
      };
    });

describe('public pages at phone width', () => {
  afterEach(closeContexts);

  it(
    'the web version of an edition at 375 px: "Unterstützungsmöglichkeiten" hyphenates by its lang and stays on the screen',
    async () => {
      const page = await newPage({ viewport: { width: 375, height: 800 } });
      await page.goto(`${testApp.baseUrl}/archive/${archivedSlug}`);
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      await fitsWidth(page, 'web version');
      for (const selector of ['h1', 'h2']) {
        const word = await wordBox(page, selector, 'Unterstützungsmöglichkeiten');
        expect(word, selector).toMatchObject({ lang: 'de', hyphens: 'auto' });
        expect(word.left, selector).toBeGreaterThanOrEqual(0);
        expect(word.right, selector).toBeLessThanOrEqual(word.window);
      }
      await page.screenshot({ path: '/tmp/archive-edition-375.png', fullPage: true });

      await page.goto(`${testApp.baseUrl}/archive`);
      await fitsWidth(page, 'archive');
      const listed = await wordBox(page, '.archive li', 'Unterstützungsmöglichkeiten');
      expect(listed).toMatchObject({ lang: 'de', hyphens: 'auto' });
      expect(listed.right).toBeLessThanOrEqual(listed.window);
    },
    TIMEOUT,
  );

  it(
    'sign-up, preferences and archive in every language at 375 px: html lang is the language, nothing is wider than the screen',
    async () => {
      const page = await newPage({ viewport: { width: 375, height: 800 } });
      for (const lang of ['de', 'en', 'ar', 'uk']) {
        for (const path of ['/', '/preferences', '/archive']) {
          await page.goto(`${testApp.baseUrl}${path}?lang=${lang}`);
          expect(await page.locator('html').getAttribute('lang'), `${path} ${lang}`).toBe(lang);
          await fitsWidth(page, `${path}?lang=${lang}`);
          expect((await wordBox(page, 'h1', '')).hyphens, `${path} ${lang}`).toBe('auto');
        }
      }
      // The topic with the long name, as a choice on the German sign-up form.
      await page.goto(`${testApp.baseUrl}/?lang=de`);
      const topic = await wordBox(page, '.choice label', 'Unterstützungsmöglichkeiten');
      expect(topic).toMatchObject({ lang: 'de', hyphens: 'auto' });
      expect(topic.right).toBeLessThanOrEqual(topic.window);
      await page.screenshot({ path: '/tmp/signup-de-375.png', fullPage: true });
    },
    TIMEOUT,
  );
});
