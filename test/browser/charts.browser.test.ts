import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barChartSvg, lineChartSvg, regionMapSvg } from '../../server/services/charts/index.js';
import { browserProfiles, launchBrowser } from '../helpers/browser.js';
import {
  opensPerEdition,
  reachByDistrict,
  subscribersOverTime,
} from '../server/services/charts/fixtures.js';

/*
 * The charts as a browser draws them: each SVG string parses as XML, the 14 districts of the
 * map have a real extent on screen, nothing injected from a label runs, and a PNG of each
 * chart lands in the temp folder (charts-*.png) for a look by eye.
 */

// The browser side of evaluate(): tsconfig has no DOM lib, so declare the little used here.
declare class DOMParser {
  parseFromString(
    text: string,
    type: string,
  ): { getElementsByTagName(name: string): { length: number } };
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<{
    getBBox(): { x: number; y: number; width: number; height: number };
    getAttribute(name: string): string | null;
    textContent: string | null;
  }>;
};
declare const window: { injected?: boolean };

const TIMEOUT = 90_000;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 900_000);

afterAll(async () => {
  await browser?.close();
});

const { newPage, closeAll } = browserProfiles(() => browser);
afterAll(closeAll);

const charts = {
  map: regionMapSvg(reachByDistrict, { title: 'Erreichte Personen nach Kreis', unit: 'Personen' }),
  line: lineChartSvg(subscribersOverTime, { title: 'Abonnent*innen im Zeitverlauf' }),
  bars: barChartSvg(opensPerEdition, { title: 'Öffnungen je Ausgabe', unit: 'Öffnungen' }),
};

describe('charts in the browser', () => {
  it(
    'every chart is well-formed SVG that a browser draws; the map shows all 14 districts',
    async () => {
      const page = await newPage({ viewport: { width: 800, height: 900 } });
      for (const [name, svg] of Object.entries(charts)) {
        const errors = await page.evaluate(
          (text) =>
            new DOMParser()
              .parseFromString(text, 'image/svg+xml')
              .getElementsByTagName('parsererror').length,
          svg,
        );
        expect(errors, name).toBe(0);

        await page.setContent(
          `<!doctype html><html lang="de"><body style="margin:16px;width:720px">${svg}</body></html>`,
        );
        await page.locator('svg').screenshot({ path: join(tmpdir(), `charts-${name}.png`) });
        expect(await page.evaluate(() => window.injected)).toBeUndefined();
      }

      await page.setContent(`<!doctype html><html lang="de"><body>${charts.map}</body></html>`);
      const regions = await page.evaluate(() =>
        Array.from(document.querySelectorAll('path[data-ags]')).map((p) => {
          const box = p.getBBox();
          return { ags: p.getAttribute('data-ags'), width: box.width, height: box.height };
        }),
      );
      expect(regions).toHaveLength(14);
      for (const region of regions) {
        expect(region.width, region.ags ?? '').toBeGreaterThan(5);
        expect(region.height, region.ags ?? '').toBeGreaterThan(5);
      }
      expect(
        await page.getByRole('img', { name: 'Erreichte Personen nach Kreis' }).isVisible(),
      ).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'bar labels, even long ones on two lines, fit between the left edge and the bars',
    async () => {
      const page = await newPage({ viewport: { width: 800, height: 900 } });
      const labels = [
        'Hauptamtlich in der Arbeit mit Ehrenamtlichen',
        'Best-Practice-Treffen Harz und Halle',
        'Ehrenamtlich',
        'Консультації для волонтерів у Житомирській області та Харкові',
        'مدينة هالّه – ورشة عمل للمتطوعين والمتطوعات',
      ];
      const svg = barChartSvg(
        labels.map((label) => ({ label, values: [{ name: 'Personen', value: 3 }] })),
        { title: 'Rollen', unit: 'Personen' },
      );
      await page.setContent(
        `<!doctype html><html lang="de"><body style="margin:0;width:640px">${svg}</body></html>`,
      );
      await page.locator('svg').screenshot({ path: join(tmpdir(), 'charts-bar-labels.png') });
      const { texts, barX } = await page.evaluate(() => ({
        texts: Array.from(document.querySelectorAll('text[text-anchor="end"]')).map((t) => ({
          text: t.textContent ?? '',
          left: t.getBBox().x,
          right: t.getBBox().x + t.getBBox().width,
        })),
        // The bars are the rectangles with a title (the legend swatches have none).
        barX: Math.min(
          ...Array.from(document.querySelectorAll('rect:has(title)')).map((r) => r.getBBox().x),
        ),
      }));
      const labelTexts = texts.filter((t) => !/^\d+$/.test(t.text));
      expect(labelTexts.map((t) => t.text).join(' ')).toContain(
        'Hauptamtlich in der Arbeit mit Ehrenamtlichen',
      );
      for (const t of labelTexts) {
        expect(t.left, t.text).toBeGreaterThanOrEqual(0);
        expect(t.right, t.text).toBeLessThanOrEqual(barX);
      }
    },
    TIMEOUT,
  );
});
