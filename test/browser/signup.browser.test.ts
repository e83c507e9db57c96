import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../server/i18n/index.js';
import { linkFrom, startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser } from '../helpers/browser.js';

/*
 * The public sign-up form in a real browser (COMPLIANCE.md, "Sign-up form (WCAG 2.2 AA)"):
 * double opt-in end to end in German and Arabic, a keyboard-only pass, error handling, 320 px
 * layout, target sizes, contrast, and screenshots for a person to look at.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
interface BrowserElement {
  id: string;
  tagName: string;
  parentElement: BrowserElement | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
}
declare const document: {
  activeElement: BrowserElement | null;
  documentElement: { scrollWidth: number; scrollHeight: number };
};
declare function getComputedStyle(element: BrowserElement): {
  color: string;
  backgroundColor: string;
  direction: string;
  outlineStyle: string;
  outlineWidth: string;
  boxShadow: string;
};

const TIMEOUT = 60_000;
const SCREENSHOT_DIR = resolve('test-results');

const de = translator('de');
const ar = translator('ar');

let browser: Browser;
let testApp: TestApp;

beforeAll(async () => {
  // The first run installs Debian's chromium with apt.
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true, env: { SIGNUP_RATE_LIMIT: '1000' } });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll: closeContexts } = browserProfiles(() => browser);

let counter = 0;
const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${++counter}@example.org`;

interface SubscriberRow {
  id: number;
  status: string;
  confirmed_at: number | null;
  language: string;
  region_key: string | null;
  name: string;
}
function subscriberRow(email: string): SubscriberRow | undefined {
  return testApp.runtime.database.sqlite
    .prepare(
      'select id, status, confirmed_at, language, region_key, name from subscribers where email = ?',
    )
    .get(email) as SubscriberRow | undefined;
}
function regionKey(name: string): string | undefined {
  const row = testApp.runtime.database.sqlite
    .prepare('select key from regions where name = ?')
    .get(name) as { key: string } | undefined;
  return row?.key;
}
function roleKeys(subscriberId: number): string[] {
  return (
    testApp.runtime.database.sqlite
      .prepare('select role_key from subscriber_roles where subscriber_id = ? order by role_key')
      .all(subscriberId) as { role_key: string }[]
  ).map((r) => r.role_key);
}

/** The confirmation link from the mail, with PUBLIC_URL's origin swapped for the test server. */
function onTestServer(link: string): string {
  const url = new URL(link);
  return `${testApp.baseUrl}${url.pathname}${url.search}`;
}

/** What the currently focused element is and whether its focus indicator shows. */
function focusState(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return null;
    const style = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      type: el.getAttribute('type'),
      className: el.getAttribute('class'),
      outlineStyle: style.outlineStyle,
      outlineWidth: style.outlineWidth,
      boxShadow: style.boxShadow,
    };
  });
}

type Rgba = [number, number, number, number];
function parseColor(css: string): Rgba {
  const m = /^rgba?\(([^)]+)\)$/.exec(css.trim());
  if (!m?.[1]) throw new Error(`unexpected colour ${css}`);
  const parts = m[1]
    .split(/[\s,/]+/)
    .filter(Boolean)
    .map(Number);
  const [r = 0, g = 0, b = 0, a = 1] = parts;
  return [r, g, b, a];
}
function luminance([r, g, b]: Rgba): number {
  const channel = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}
function contrast(fg: string, bg: string): number {
  const f = parseColor(fg);
  const b = parseColor(bg);
  expect(f[3], `text colour ${fg} is opaque`).toBe(1);
  expect(b[3], `background ${bg} is opaque`).toBe(1);
  const [hi, lo] = [luminance(f), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Text colour of the element and the first non-transparent background behind it. */
async function colours(page: Page, selector: string): Promise<{ fg: string; bg: string }> {
  return page
    .locator(selector)
    .first()
    .evaluate((start: BrowserElement) => {
      const fg = getComputedStyle(start).color;
      let el: BrowserElement | null = start;
      while (el) {
        const bg = getComputedStyle(el).backgroundColor;
        if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return { fg, bg };
        el = el.parentElement;
      }
      return { fg, bg: 'rgb(255, 255, 255)' };
    });
}

describe('sign-up form in the browser', () => {
  afterEach(closeContexts);

  it(
    'German: sign up by visible labels, confirm from the mail with a button',
    async () => {
      const email = uniqueEmail('de');
      const page = await newPage({ locale: 'de-DE' });
      await page.goto(`${testApp.baseUrl}/`);
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('de');
      expect(await page.locator('html').getAttribute('dir')).toBe('ltr');

      // Every entry of the language switcher names its own language.
      const switcher = page.getByRole('navigation', { name: 'Sprache' }).getByRole('link');
      expect(await switcher.count()).toBeGreaterThan(1);
      for (const link of await switcher.all()) {
        expect(await link.getAttribute('lang'), await link.innerText()).toMatch(/^[a-z]{2}$/);
      }

      // Visible labels, autocomplete, and fieldsets with legends for the groups.
      const emailInput = page.getByLabel('E-Mail-Adresse');
      expect(await emailInput.getAttribute('autocomplete')).toBe('email');
      expect(await emailInput.getAttribute('placeholder')).toBeNull();
      await expect
        .poll(() => page.getByRole('group', { name: 'Region' }).getByRole('radio').count())
        .toBeGreaterThan(1);
      await expect
        .poll(() =>
          page
            .getByRole('group', { name: 'In welcher Rolle sind Sie aktiv?' })
            .getByRole('checkbox')
            .count(),
        )
        .toBeGreaterThan(1);

      await emailInput.fill(email);
      await page.getByLabel(/^Name/).fill('Erika Mustermann');
      await page.getByLabel('Harz', { exact: true }).check();
      await page.getByLabel('Ehrenamtlich engagiert', { exact: true }).check();
      await page.getByLabel('Ich möchte den Newsletter per E-Mail erhalten').check();
      await page.getByRole('button', { name: 'Abonnieren' }).click();

      const status = page.getByRole('status');
      await status.waitFor();
      expect(await status.innerText()).toContain(`Wir haben eine E-Mail an ${email} geschickt`);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(
        de('signup.checkInboxTitle'),
      );

      const mail = await testApp.smtp.waitFor((m) => m.to.includes(email));
      expect(mail.subject).toBe(de('mail.confirmation.subject', { org: testApp.config.orgName }));
      expect(mail.text).toContain('Waren Sie das?');
      expect(mail.html).toMatch(/<html[^>]*\blang="de"/);

      const before = subscriberRow(email);
      expect(before).toMatchObject({
        status: 'unconfirmed',
        confirmed_at: null,
        language: 'de',
        region_key: regionKey('Harz'),
        name: 'Erika Mustermann',
      });
      expect(roleKeys(before!.id)).toEqual(['volunteer']);

      // Opening the link only shows a button: link scanners must not confirm anybody.
      await page.goto(onTestServer(linkFrom(mail.text, '/confirm/')));
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(
        'Anmeldung bestätigen',
      );
      expect(await page.locator('main').innerText()).toContain(email);
      const confirmButton = page.getByRole('button', { name: 'Ja, Anmeldung bestätigen' });
      await confirmButton.waitFor();
      expect(subscriberRow(email)).toMatchObject({ status: 'unconfirmed', confirmed_at: null });

      await confirmButton.click();
      await page.getByRole('heading', { level: 1, name: 'Vielen Dank!' }).waitFor();
      expect(await page.getByRole('status').innerText()).toContain('Ihre Anmeldung ist bestätigt.');
      const after = subscriberRow(email);
      expect(after?.status).toBe('confirmed');
      expect(after?.confirmed_at).toEqual(expect.any(Number));
    },
    TIMEOUT,
  );

  it(
    'Arabic: the switcher turns the page right-to-left; sign-up, mail and success page in Arabic',
    async () => {
      const email = uniqueEmail('ar');
      const page = await newPage({ locale: 'de-DE' });
      await page.goto(`${testApp.baseUrl}/`);
      const arabicLink = page.getByRole('link', { name: 'العربية' });
      expect(await arabicLink.getAttribute('lang')).toBe('ar');
      await arabicLink.click();
      await page.waitForURL(/[?&]lang=ar\b/);

      const html = page.locator('html');
      expect(await html.getAttribute('lang')).toBe('ar');
      expect(await html.getAttribute('dir')).toBe('rtl');
      expect(await page.locator('main').evaluate((el) => getComputedStyle(el).direction)).toBe(
        'rtl',
      );
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(ar('signup.title'));
      expect(await page.getByRole('link', { name: 'العربية' }).getAttribute('aria-current')).toBe(
        'true',
      );

      await page.getByLabel(ar('signup.email')).fill(email);
      await page.getByLabel(new RegExp(`^${ar('signup.name')}`)).fill('ليلى');
      await page.getByLabel('Harz', { exact: true }).check();
      await page.getByLabel(ar('domain.roles.volunteer'), { exact: true }).check();
      await page.getByLabel(ar('signup.consent').slice(0, 30)).check();
      await page.getByRole('button', { name: ar('signup.submit'), exact: true }).click();

      const status = page.getByRole('status');
      await status.waitFor();
      expect(await status.innerText()).toContain(email);
      expect(await status.innerText()).toContain('أرسلنا رسالة إلكترونية إلى');
      expect(await html.getAttribute('dir')).toBe('rtl');

      const mail = await testApp.smtp.waitFor((m) => m.to.includes(email));
      expect(mail.subject).toContain('يرجى تأكيد اشتراككم');
      expect(mail.html).toMatch(/<html[^>]*\bdir="rtl"/);
      expect(mail.html).toMatch(/<html[^>]*\blang="ar"/);
      const row = subscriberRow(email);
      expect(row).toMatchObject({
        status: 'unconfirmed',
        language: 'ar',
        region_key: regionKey('Harz'),
      });
      expect(roleKeys(row!.id)).toEqual(['volunteer']);

      await page.goto(onTestServer(linkFrom(mail.text, '/confirm/')));
      expect(await html.getAttribute('dir')).toBe('rtl');
      const confirmButton = page.getByRole('button', { name: ar('confirm.button') });
      await confirmButton.waitFor();
      expect(subscriberRow(email)?.status).toBe('unconfirmed');
      await confirmButton.click();

      await page.getByRole('heading', { level: 1, name: ar('confirm.doneTitle') }).waitFor();
      expect(await page.getByRole('status').innerText()).toContain(ar('confirm.done'));
      expect(await html.getAttribute('lang')).toBe('ar');
      expect(await html.getAttribute('dir')).toBe('rtl');
      expect(await page.locator('main').evaluate((el) => getComputedStyle(el).direction)).toBe(
        'rtl',
      );
      expect(subscriberRow(email)?.status).toBe('confirmed');
    },
    TIMEOUT,
  );

  it(
    'keyboard only: skip link, e-mail, consent, submit; focus always visible, honeypot never focused',
    async () => {
      const email = uniqueEmail('kbd');
      const page = await newPage({ locale: 'de-DE' });
      await page.goto(`${testApp.baseUrl}/`);
      expect(await page.locator('#website').getAttribute('tabindex')).toBe('-1');

      const visited: string[] = [];
      const expectVisibleFocus = async () => {
        const f = await focusState(page);
        expect(f, 'something has focus').not.toBeNull();
        const what = `${f!.tag}#${f!.id || f!.className || '?'}`;
        visited.push(what);
        expect(f!.id, 'the honeypot field is never focused').not.toBe('website');
        const outlined = f!.outlineStyle !== 'none' && f!.outlineWidth !== '0px';
        const shadowed = f!.boxShadow !== 'none' && f!.boxShadow !== '';
        expect(outlined || shadowed, `visible focus on ${what} (${JSON.stringify(f)})`).toBe(true);
        return f!;
      };
      const tab = async () => {
        await page.keyboard.press('Tab');
        return expectVisibleFocus();
      };

      // The first Tab lands on the skip link, which is then shown.
      const skip = await tab();
      expect(skip.tag).toBe('a');
      expect(skip.className).toBe('skip');
      expect(await page.locator('a.skip').isVisible()).toBe(true);
      expect(await page.locator('a.skip').innerText()).toBe('Zum Inhalt springen');
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await focusState(page))?.id).toBe('main');

      // From main, the next Tab reaches the e-mail field (nothing interactive in between).
      expect((await tab()).id).toBe('email');
      await page.keyboard.type(email);

      let focused = await tab();
      for (let i = 0; focused.id !== 'consent'; i++) {
        expect(i, `reached the consent checkbox; visited ${visited.join(' → ')}`).toBeLessThan(60);
        focused = await tab();
      }
      await page.keyboard.press('Space');
      expect(await page.locator('#consent').isChecked()).toBe(true);

      for (let i = 0; focused.tag !== 'button'; i++) {
        expect(i, `reached the submit button; visited ${visited.join(' → ')}`).toBeLessThan(10);
        focused = await tab();
      }
      expect(await page.locator(':focus').innerText()).toBe('Abonnieren');
      await page.keyboard.press('Enter');

      const status = page.getByRole('status');
      await status.waitFor();
      expect(await status.innerText()).toContain(email);
      expect(visited).not.toContain('input#website');
      await testApp.smtp.waitFor((m) => m.to.includes(email));
    },
    TIMEOUT,
  );

  it(
    'errors: shown next to the fields, announced, values kept',
    async () => {
      const page = await newPage({ locale: 'de-DE' });
      await page.goto(`${testApp.baseUrl}/`);
      await page.getByLabel('E-Mail-Adresse').fill('not-an-address');
      await page.getByLabel(/^Name/).fill('Erika Mustermann');
      const response = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/',
      );
      await page.getByRole('button', { name: 'Abonnieren' }).click();
      expect((await response).status()).toBe(400);
      await page.locator('#email-error').waitFor();

      const emailInput = page.locator('#email');
      expect(await emailInput.getAttribute('aria-invalid')).toBe('true');
      expect(await emailInput.getAttribute('aria-describedby')).toContain('email-error');
      expect(await emailInput.inputValue()).toBe('not-an-address');
      expect(await page.locator('#email-error').innerText()).toContain(de('signup.errors.email'));
      // Next to the field: in the same field group, right after the input.
      expect(await page.locator('.field:has(#email) #email-error').count()).toBe(1);

      const consent = page.locator('#consent');
      expect(await consent.isChecked()).toBe(false);
      expect(await consent.getAttribute('aria-invalid')).toBe('true');
      expect(await consent.getAttribute('aria-describedby')).toContain('consent-error');
      expect(await page.locator('#consent-error').innerText()).toContain(
        de('signup.errors.consent'),
      );
      expect(await page.locator('.field:has(#consent) #consent-error').count()).toBe(1);

      expect(await page.getByLabel(/^Name/).inputValue()).toBe('Erika Mustermann');

      const summary = page.getByRole('alert');
      expect(await summary.count()).toBe(1);
      const summaryText = await summary.innerText();
      expect(summaryText).toContain(de('common.errorSummary'));
      expect(summaryText).toContain(de('signup.errors.email'));
      expect(summaryText).toContain(de('signup.errors.consent'));
      // Each entry of the summary leads to its field.
      expect(await summary.locator('a[href="#email"]').count()).toBe(1);
      expect(await summary.locator('a[href="#consent"]').count()).toBe(1);
      // The form still works from here.
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
    },
    TIMEOUT,
  );

  for (const lang of ['de', 'ar'] as const) {
    it(
      `320 px (${lang}): buttons, checkboxes, radios and language links are at least 24×24 px`,
      async () => {
        const page = await newPage({ viewport: { width: 320, height: 800 } });
        await page.goto(`${testApp.baseUrl}/?lang=${lang}`);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang);

        const targets = page.locator(
          'main button, main input[type="checkbox"], main input[type="radio"], nav a',
        );
        const count = await targets.count();
        expect(count).toBeGreaterThan(10);
        for (let i = 0; i < count; i++) {
          const target = targets.nth(i);
          const box = await target.boundingBox();
          const name =
            (await target.getAttribute('id')) ?? (await target.innerText().catch(() => ''));
          expect(box, `${name} is rendered`).not.toBeNull();
          expect(box!.width, `${name} width`).toBeGreaterThanOrEqual(24);
          expect(box!.height, `${name} height`).toBeGreaterThanOrEqual(24);
        }
      },
      TIMEOUT,
    );
  }

  /** scrollWidth of the page at 320 px, optionally after posting an empty (invalid) form. */
  async function widthAt320(lang: 'de' | 'ar', withErrors = false): Promise<number> {
    const page = await newPage({ viewport: { width: 320, height: 800 } });
    await page.goto(`${testApp.baseUrl}/?lang=${lang}`);
    if (withErrors) {
      await page.locator('button[type="submit"]').click();
      await page.locator('#consent-error').waitFor();
    }
    return page.evaluate(() => document.documentElement.scrollWidth);
  }

  it(
    '320 px (de): no horizontal scroll',
    async () => {
      expect(await widthAt320('de'), 'scrollWidth').toBeLessThanOrEqual(320);
    },
    TIMEOUT,
  );
  it(
    '320 px (de, with errors): no horizontal scroll',
    async () => {
      expect(await widthAt320('de', true), 'scrollWidth').toBeLessThanOrEqual(320);
    },
    TIMEOUT,
  );
  it(
    '320 px (ar): no horizontal scroll',
    async () => {
      expect(await widthAt320('ar'), 'scrollWidth').toBeLessThanOrEqual(320);
    },
    TIMEOUT,
  );
  it(
    '320 px (en, uk): no horizontal scroll',
    async () => {
      for (const lang of ['en', 'uk'] as const) {
        const page = await newPage({ viewport: { width: 320, height: 800 } });
        await page.goto(`${testApp.baseUrl}/?lang=${lang}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${lang}: scrollWidth`).toBeLessThanOrEqual(320);
      }
    },
    TIMEOUT,
  );

  it(
    'contrast: body text, hints, links and the button reach 4.5:1',
    async () => {
      const page = await newPage();
      await page.goto(`${testApp.baseUrl}/`);
      const checks: [string, string][] = [
        ['body text', 'main > p'],
        ['label', 'label[for="email"]'],
        ['hint', 'main .hint'],
        ['link', 'main a'],
        ['submit button', 'main button[type="submit"]'],
      ];
      const report: string[] = [];
      for (const [what, selector] of checks) {
        const { fg, bg } = await colours(page, selector);
        const ratio = contrast(fg, bg);
        report.push(`${what}: ${fg} on ${bg} = ${ratio.toFixed(2)}:1`);
        expect(ratio, `${what} (${fg} on ${bg})`).toBeGreaterThanOrEqual(4.5);
      }
      console.log(`contrast:\n  ${report.join('\n  ')}`);
    },
    TIMEOUT,
  );

  it(
    'screenshots of the German and the Arabic form at 1024 px',
    async () => {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const paths: string[] = [];
      for (const lang of ['de', 'ar'] as const) {
        const page = await newPage({ viewport: { width: 1024, height: 800 } });
        await page.goto(`${testApp.baseUrl}/?lang=${lang}`);
        await page
          .getByRole('button', { name: lang === 'de' ? 'Abonnieren' : ar('signup.submit') })
          .waitFor();
        // The whole page, clipped to the 1024 px where the content is: the Arabic page is
        // 11 024 px wide today (see the known defects above) with the form at its right end.
        const size = await page.evaluate(() => ({
          width: document.documentElement.scrollWidth,
          height: document.documentElement.scrollHeight,
        }));
        const path = resolve(SCREENSHOT_DIR, `signup-${lang}-1024.png`);
        const x = lang === 'ar' ? size.width - 1024 : 0;
        await page.screenshot({
          path,
          fullPage: true,
          clip: { x, y: 0, width: 1024, height: size.height },
        });
        paths.push(path);
      }
      console.log(`screenshots:\n  ${paths.join('\n  ')}`);
    },
    TIMEOUT,
  );
});
