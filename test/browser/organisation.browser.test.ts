import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserProfiles, launchBrowser } from '../helpers/browser.js';

/*
 * The organisation's saved look on the public pages in a real browser: its logo (a wide one)
 * with its text alternative in the header, its colour on the button, and still no horizontal
 * scrolling at 320 px.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
interface BrowserImage {
  alt: string;
  naturalWidth: number;
  complete: boolean;
  getBoundingClientRect(): { width: number; height: number };
}
declare const document: {
  documentElement: { scrollWidth: number };
  querySelector(selector: string): BrowserImage | null;
};
declare function getComputedStyle(element: BrowserImage): { backgroundColor: string };

const TIMEOUT = 60_000;

/** A real 480×32 PNG: a logo far wider than a phone's header. */
const WIDE_LOGO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAeAAAAAgCAIAAABFKTzCAAAAdUlEQVR42u3UMQ0AAAgEsXeCMZSgHguMDE2q4IbLVAPwUCQAMGgADBrAoAEwaACDBsCgATBoAIMGwKABDBoAgwbAoAEMGgCDBjBoAAwawKABMGgADBrAoAEwaACDBsCgATBoAIMGwKABDBoAgwYwaAAMGoCLBZOrb1gUyPy/AAAAAElFTkSuQmCC',
  'base64',
);

let browser: Browser;
let testApp: TestApp;

beforeAll(async () => {
  browser = await launchBrowser();
  testApp = await startTestApp({ listen: true });
  const organisation = testApp.app.services.organisation;
  const saved = organisation.update(
    { name: 'Bundesarbeitskreis Arbeit und Leben e. V.', primaryColour: '#7a1f5c' },
    { kind: 'cli' },
  );
  expect(saved.kind).toBe('saved');
  expect(organisation.setLogo(WIDE_LOGO, 'Arbeit und Leben', { kind: 'cli' }).kind).toBe('saved');
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await testApp?.close();
});

const { newPage, closeAll } = browserProfiles(() => browser);
afterEach(closeAll);

describe("the organisation's look on the sign-up page", () => {
  it(
    'shows the logo with its text alternative and paints the button in the saved colour',
    async () => {
      const page = await newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${testApp.baseUrl}/`);
      const logo = await page.evaluate(() => {
        const img = document.querySelector('header .brand img');
        return img && { alt: img.alt, loaded: img.complete && img.naturalWidth === 480 };
      });
      expect(logo).toEqual({ alt: 'Arbeit und Leben', loaded: true });
      const button = await page.evaluate(() => {
        const element = document.querySelector('button[type=submit]');
        return element && getComputedStyle(element).backgroundColor;
      });
      expect(button).toBe('rgb(122, 31, 92)');
    },
    TIMEOUT,
  );

  for (const lang of ['de', 'ar'] as const) {
    it(
      `320 px (${lang}): the wide logo shrinks, no horizontal scroll`,
      async () => {
        const page = await newPage({ viewport: { width: 320, height: 800 } });
        await page.goto(`${testApp.baseUrl}/?lang=${lang}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, 'scrollWidth').toBeLessThanOrEqual(320);
        const logoWidth = await page.evaluate(
          () => document.querySelector('header .brand img')?.getBoundingClientRect().width ?? 0,
        );
        expect(logoWidth).toBeGreaterThan(0);
        expect(logoWidth).toBeLessThan(288);
      },
      TIMEOUT,
    );
  }
});
