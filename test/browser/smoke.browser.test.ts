import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';

describe('launchBrowser', () => {
  let browser: Browser | undefined;

  // The first run installs Debian's chromium with apt, which takes minutes.
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('opens a page and clicks a button', async () => {
    const page = await browser!.newPage();
    await page.setContent(
      '<button type="button" onclick="this.textContent = \'clicked\'">ok</button>',
    );
    await page.getByRole('button', { name: 'ok' }).click();
    expect(await page.getByRole('button').textContent()).toBe('clicked');
    await page.close();
  });
});
