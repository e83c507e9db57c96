import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureDebianPackage } from '../../server/infra/system-packages.js';

const LAUNCH_TIMEOUT_MS = 60_000;

/**
 * Debian's Chromium, headless, driven by playwright-core. Installed with apt on first use
 * (CHROMIUM_PATH points at another build). Flags keep it quiet: no network calls of its own.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath =
    process.env.CHROMIUM_PATH ||
    ensureDebianPackage({
      binary: 'chromium',
      pkg: 'chromium',
      alternative: 'set CHROMIUM_PATH to a Chromium binary',
      log: (line) => console.log(line),
    });
  return chromium.launch({
    executablePath,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Fresh browser profiles (German by default, no cookies) for one test file: `newPage()` opens
 * one, `closeAll()` (in afterEach) closes them again.
 */
export function browserProfiles(browser: () => Browser) {
  let contexts: BrowserContext[] = [];
  return {
    newPage: async (options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> => {
      const context = await browser().newContext({ locale: 'de-DE', ...options });
      contexts.push(context);
      return context.newPage();
    },
    closeAll: async (): Promise<void> => {
      await Promise.all(contexts.map((c) => c.close()));
      contexts = [];
    },
  };
}

/** Log in through the real form by its visible labels; ends on the dashboard. */
export async function logInAs(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/admin/login`);
  await page.getByLabel('E-Mail-Adresse').fill(email);
  await page.getByLabel('Passwort').fill(password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor();
}
