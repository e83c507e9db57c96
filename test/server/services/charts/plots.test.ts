import { describe, expect, it } from 'vitest';
import {
  barChartSvg,
  ENGLISH_CHARTS,
  lineChartSvg,
  SERIES_COLOURS,
} from '../../../../server/services/charts/index.js';
import { opensPerEdition, subscribersOverTime } from './fixtures.js';

const line = lineChartSvg(subscribersOverTime, { title: 'Abonnent*innen im Zeitverlauf' });
const bars = barChartSvg(opensPerEdition, { title: 'Öffnungen je Ausgabe', unit: 'Öffnungen' });

/** WCAG relative luminance contrast of a #rrggbb colour against white. */
function contrastOnWhite(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return 1.05 / (l + 0.05);
}

describe('lineChartSvg', () => {
  it('is an accessible, scalable image with title and description', () => {
    expect(line).toMatch(/^<svg [^>]*role="img"/);
    const [titleId, descId] = /aria-labelledby="([^"]+)"/.exec(line)![1]!.split(' ');
    expect(line).toContain(`<title id="${titleId}">Abonnent*innen im Zeitverlauf</title>`);
    expect(line).toContain(`<desc id="${descId}">`);
    expect(line).toContain('von Jan. 2026 bis Juni 2026');
    expect(line).toContain('width="100%"');
  });

  it('escapes a label with markup everywhere it appears', () => {
    expect(line).not.toContain('<script');
    expect(line).toContain('Empfehlungen &lt;script&gt;window.injected = true&lt;/script&gt;');
  });

  it('gives each point a German title and labels months and the axis the German way', () => {
    expect(line).toContain('<title>Abonnent*innen, Juni 2026: 1.250</title>');
    expect(line).toContain('<title>Abonnent*innen, März 2026: 71</title>');
    expect(line).toContain('>1.200</text>');
    expect(line).toContain('>Feb. 2026</text>');
    expect(line.match(/<path [^>]*fill="none"/g)).toHaveLength(2);
  });

  it('handles days, a single point and no data at all', () => {
    const days = lineChartSvg([{ label: 'Anmeldungen', points: [{ x: '2026-03-14', y: 2.5 }] }], {
      title: 'Anmeldungen',
      unit: 'Personen',
    });
    expect(days).toContain('<title>Anmeldungen, 14. März 2026: 2,5 Personen</title>');
    const empty = lineChartSvg([], { title: 'Leer' });
    expect(empty).toContain('>Keine Daten im Zeitraum</text>');
    expect(() =>
      lineChartSvg([{ label: 'x', points: [{ x: '14.03.2026', y: 1 }] }], { title: 'x' }),
    ).toThrow();
  });
});

describe('a line chart of one or two months', () => {
  const oneMonth = lineChartSvg(
    [{ label: 'Anmeldungen über Empfehlungen', points: [{ x: '2026-11', y: 2 }] }],
    { title: 'Empfehlungen', unit: 'Personen' },
  );
  const twoMonths = lineChartSvg(
    [
      {
        label: 'Abonnent*innen',
        points: [
          { x: '2026-10', y: 3 },
          { x: '2026-11', y: 1250 },
        ],
      },
    ],
    { title: 'Abonnent*innen' },
  );
  const radius = (svg: string) =>
    [...svg.matchAll(/<circle [^>]*r="([\d.]+)"/g)].map((m) => Number(m[1]));

  it('draws each point as a large marker with its value written next to it', () => {
    expect(radius(oneMonth)).toEqual([6]);
    expect(oneMonth).toMatch(/<text [^>]*font-weight="bold"[^>]*>2<\/text>/);
    expect(oneMonth).toContain('>Nov. 2026</text>');
    expect(radius(twoMonths)).toEqual([6, 6]);
    expect(twoMonths).toMatch(/<text [^>]*font-weight="bold"[^>]*>3<\/text>/);
    expect(twoMonths).toMatch(/<text [^>]*font-weight="bold"[^>]*>1\.250<\/text>/);
    // The value of the highest point stays inside the drawing.
    const y = Number(
      /<text [^>]*y="([\d.]+)"[^>]*font-weight="bold"[^>]*>1\.250</.exec(twoMonths)![1],
    );
    expect(y).toBeGreaterThan(40);
  });

  it('keeps small markers without values once there are more months', () => {
    expect(new Set(radius(line))).toEqual(new Set([3.5]));
    expect(line).not.toMatch(/<text [^>]*font-weight="bold"[^>]*>1\.250<\/text>/);
  });

  it('is no taller than a bar chart of three rows of three values', () => {
    const heightOf = (svg: string) => Number(/viewBox="0 0 [\d.]+ ([\d.]+)"/.exec(svg)![1]);
    const threeRows = barChartSvg(
      ['A', 'B', 'C'].map((label) => ({
        label,
        values: ['x', 'y', 'z'].map((name) => ({ name, value: 1 })),
      })),
      { title: 'Drei Zeilen' },
    );
    expect(heightOf(oneMonth)).toBeLessThanOrEqual(heightOf(threeRows));
    expect(heightOf(oneMonth)).toBe(heightOf(line));
  });
});

describe('barChartSvg', () => {
  it('draws the values of a row side by side, each bar with its own title', () => {
    expect(bars).toContain(
      '<title>Ausgabe 1: Ehrenamt im Landkreis – Menschen: 48 Öffnungen</title>',
    );
    expect(bars).toContain(
      '<title>Ausgabe 1: Ehrenamt im Landkreis – Maschinen: 31 Öffnungen</title>',
    );
    expect(bars).toContain('<title>Випуск 3 — Бератунг – Menschen: 0 Öffnungen</title>');
    // Six bars, none of them a sum: 48 and 31 stay apart.
    const rects = [...bars.matchAll(/<rect [^>]*width="([\d.]+)"[^>]*><title>/g)];
    expect(rects).toHaveLength(6);
    expect(bars).not.toContain('>79<');
    const width = (i: number) => Number(rects[i]![1]);
    expect(width(0) / width(1)).toBeCloseTo(48 / 31, 2);
  });

  it('has a legend with one entry per value name in the colour of its bars', () => {
    expect(bars).toContain('>Menschen</text>');
    expect(bars).toContain('>Maschinen</text>');
    expect(bars.match(new RegExp(`fill="${SERIES_COLOURS[1]}"`, 'g'))).toHaveLength(1 + 3);
  });

  it('escapes labels and prints a label that fits the label column whole, on one line', () => {
    expect(bars).toContain('>Ausgabe 2 &lt;b&gt;&amp;&lt;/b&gt;</text>');
    expect(bars).not.toContain('<b>');
    expect(bars).toContain('>Ausgabe 1: Ehrenamt im Landkreis</text>');
  });

  const labelTexts = (svg: string) =>
    [
      ...svg.matchAll(
        /<text x="([\d.]+)" y="([\d.]+)" font-size="12" text-anchor="end"[^>]*>([^<]+)</g,
      ),
    ].map((m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3]! }));

  it('wraps a long label to two lines instead of cutting it, and gives the column room for it', () => {
    const roles = barChartSvg(
      [
        {
          label: 'Hauptamtlich in der Arbeit mit Ehrenamtlichen',
          values: [{ name: 'Personen', value: 14 }],
        },
        { label: 'Ehrenamtlich', values: [{ name: 'Personen', value: 8 }] },
      ],
      { title: 'Rollen' },
    );
    const texts = labelTexts(roles);
    expect(texts.map((t) => t.text)).toEqual([
      'Hauptamtlich in der Arbeit mit',
      'Ehrenamtlichen',
      'Ehrenamtlich',
    ]);
    expect(roles).not.toContain('…');
    // The two lines sit one under the other, right-aligned before the bars.
    expect(texts[1]!.y - texts[0]!.y).toBe(14);
    expect(texts[1]!.x).toBe(texts[0]!.x);
    const barX = Number(/<rect x="([\d.]+)"[^>]*><title>Ehrenamtlich/.exec(roles)![1]);
    expect(barX).toBeGreaterThan(texts[0]!.x);
    // The longest line fits between the left edge and the bars (DejaVu Sans, about 6.6 px a letter).
    expect(texts[0]!.x).toBeGreaterThanOrEqual('Hauptamtlich in der Arbeit mit'.length * 6.6);
  });

  it('widens the label column before it cuts a label, and keeps rows of two-line labels apart', () => {
    const labels = [
      'Ohne Angabe',
      'Hauptamtlich in der Arbeit mit Migrant*innen und Geflüchteten',
      'Kommunale Verwaltung, Integrationskoordination oder -netzwerk',
      'Ehrenamtlich engagiert',
    ];
    const svg = barChartSvg(
      labels.map((label, i) => ({ label, values: [{ name: 'Personen', value: i + 1 }] })),
      { title: 'Rollen' },
    );
    const texts = labelTexts(svg);
    expect(svg).not.toContain('…');
    expect(texts.map((t) => t.text).join(' ')).toBe(labels.join(' '));
    expect(texts).toHaveLength(6);
    // Lines of one label 14 apart, a clear gap between the labels of neighbouring rows.
    const rowOf = [0, 1, 1, 2, 2, 3];
    for (let k = 1; k < texts.length; k++) {
      const gap = texts[k]!.y - texts[k - 1]!.y;
      if (rowOf[k] === rowOf[k - 1]) expect(gap).toBe(14);
      else expect(gap).toBeGreaterThanOrEqual(24);
    }
  });

  it('shortens only a label longer than two lines, and keeps it whole in the bar title', () => {
    const label =
      'Best-Practice-Treffen der Ehrenamtskoordination aus dem Harz, dem Salzlandkreis und der Stadt Halle (Saale) im Herbst';
    const svg = barChartSvg([{ label, values: [{ name: 'Angemeldet', value: 21 }] }], {
      title: 'Veranstaltungen',
    });
    const texts = labelTexts(svg).map((t) => t.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^Best-Practice-Treffen der/);
    expect(texts[1]).toMatch(/…$/);
    expect(svg).toContain(`<title>${label} – Angemeldet: 21</title>`);
  });

  it('leaves the bars more room when every label is short', () => {
    const short = barChartSvg([{ label: 'Harz', values: [{ name: 'Personen', value: 3 }] }], {
      title: 'Kurz',
    });
    const barX = Number(/<rect x="([\d.]+)"[^>]*><title>Harz/.exec(short)![1]);
    expect(barX).toBeLessThan(120);
  });

  it('says so when there is nothing to show', () => {
    expect(barChartSvg([], { title: 'Leer' })).toContain('>Keine Daten im Zeitraum</text>');
  });
});

describe('a chart in English', () => {
  it('labels months, days and numbers the English way and describes itself in English', () => {
    const svg = lineChartSvg(subscribersOverTime, {
      title: 'Subscribers over time',
      locale: ENGLISH_CHARTS,
    });
    expect(svg).toContain('>Feb 2026</text>');
    expect(svg).not.toContain('Feb. 2026');
    expect(svg).toContain('<title>Abonnent*innen, Jun 2026: 1,250</title>');
    expect(svg).toContain('>1,200</text>');
    expect(svg).toContain('Line chart: Abonnent*innen, ');
    expect(svg).toContain('from Jan 2026 to Jun 2026.');
    const days = lineChartSvg([{ label: 'Sign-ups', points: [{ x: '2026-03-14', y: 2.5 }] }], {
      title: 'Sign-ups',
      unit: 'people',
      locale: ENGLISH_CHARTS,
    });
    expect(days).toContain('<title>Sign-ups, 14 Mar 2026: 2.5 people</title>');
  });

  it('says there is nothing to show, and describes bars, in English', () => {
    const empty = { title: 'Empty', locale: ENGLISH_CHARTS };
    expect(lineChartSvg([], empty)).toContain('>No data in the period</text>');
    expect(barChartSvg([], empty)).toContain('>No data in the period</text>');
    const bars = barChartSvg(opensPerEdition, { title: 'Opens', locale: ENGLISH_CHARTS });
    expect(bars).toMatch(/Bar chart with \d+ rows \(/);
    expect(bars).not.toContain('Balkendiagramm');
  });
});

describe('colours', () => {
  it('have at least 4.5:1 contrast against white for lines, bars and legend swatches', () => {
    for (const colour of SERIES_COLOURS)
      expect(contrastOnWhite(colour), colour).toBeGreaterThanOrEqual(4.5);
  });
});
