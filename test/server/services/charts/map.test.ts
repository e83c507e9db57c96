import { readFileSync, statSync } from 'node:fs';
import { geoArea, geoContains } from 'd3-geo';
import { describe, expect, it } from 'vitest';
import {
  districts,
  ENGLISH_CHARTS,
  MAP_ATTRIBUTION,
  mapClasses,
  barChartSvg,
  regionBarRows,
  regionMapSvg,
} from '../../../../server/services/charts/index.js';
import { reachByDistrict } from './fixtures.js';

const seed = JSON.parse(readFileSync('db/seed/regions.json', 'utf8')) as {
  regions: { ags: string; name: string }[];
};
const mapFile = 'server/services/charts/sachsen-anhalt.geo.json';
const svg = regionMapSvg(reachByDistrict, {
  title: 'Erreichte Personen nach Kreis',
  unit: 'Personen',
});

describe('boundary file of Sachsen-Anhalt', () => {
  it('holds exactly the 14 districts of the region list, with their AGS and names', () => {
    const byAgs = districts.features.map((f) => [f.properties.ags, f.properties.name]);
    expect(byAgs).toEqual(seed.regions.map((r) => [r.ags, r.name]));
  });

  it('is small enough to ship (≤ 80 KB) and every district is a small area on the globe', () => {
    expect(statSync(mapFile).size).toBeLessThanOrEqual(80 * 1024);
    for (const district of districts.features) {
      // A ring wound the wrong way would cover the rest of the world (area near 4π).
      const area = geoArea(district);
      expect(area, district.properties.name).toBeGreaterThan(1e-6);
      expect(area, district.properties.name).toBeLessThan(1e-4);
    }
  });

  it('puts real places into their district', () => {
    const find = (ags: string) => districts.features.find((f) => f.properties.ags === ags)!;
    expect(geoContains(find('15003'), [11.6276, 52.1205])).toBe(true); // Magdeburg, Alter Markt
    expect(geoContains(find('15085'), [10.7844, 51.8375])).toBe(true); // Wernigerode (Harz)
    expect(geoContains(find('15085'), [11.6276, 52.1205])).toBe(false);
    expect(geoContains(find('15002'), [11.9696, 51.4828])).toBe(true); // Halle, Marktplatz
  });
});

describe('regionMapSvg', () => {
  it('is an accessible image named by its title and description', () => {
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    const labelledBy = /aria-labelledby="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(labelledBy).toHaveLength(2);
    expect(svg).toContain(`<title id="${labelledBy[0]}">Erreichte Personen nach Kreis</title>`);
    expect(svg).toContain(`<desc id="${labelledBy[1]}">`);
    expect(svg).toContain('am meisten in Magdeburg (41 Personen)');
    expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain('width="100%"');
  });

  it('draws each district as a path with its own title, districts without anyone in grey', () => {
    const paths = [
      ...svg.matchAll(
        /<path d="[^"]+" fill="([^"]+)"[^>]*data-ags="(\d+)"><title>([^<]+)<\/title><\/path>/g,
      ),
    ];
    expect(paths.map((p) => p[2]).sort()).toEqual(seed.regions.map((r) => r.ags).sort());
    const harz = paths.find((p) => p[2] === '15085')!;
    expect(harz[3]).toBe('Harz: 23 Personen');
    const jerichow = paths.find((p) => p[2] === '15086')!;
    expect(jerichow[3]).toBe('Jerichower Land: 0 Personen');
    expect(jerichow[1]).toBe('#ececec');
    const magdeburg = paths.find((p) => p[2] === '15003')!;
    expect(magdeburg[1]).not.toBe(harz[1]);
  });

  it('prints the number on every district reached and none on the districts without anyone', () => {
    const numbers = [...svg.matchAll(/<text [^>]*font-weight="bold"[^>]*>([^<]+)<\/text>/g)]
      .map((m) => m[1])
      .filter((t) => /^[\d.]+$/.test(t!));
    expect(numbers.sort()).toEqual(reachByDistrict.map((r) => String(r.value)).sort());
    expect(numbers).not.toContain('0');
    // The legend keeps its class for 0, the accessible rows keep every district.
    expect(svg).toMatch(/<rect [^>]*fill="#ececec"[^>]*\/>\s*<text [^>]*>0<\/text>/);
    expect(regionBarRows([], 'Personen')).toHaveLength(14);
    const nobody = regionMapSvg([], { title: 'Niemand', unit: 'Personen' });
    expect(nobody).not.toMatch(/font-weight="bold"[^>]*>0</);
    expect(nobody).toContain('Niemand');
  });

  it('has a legend from 0 to a round maximum and prints the attribution under the map', () => {
    for (const label of ['0', '1–10', '11–20', '21–30', '31–40', '41–50']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    expect(svg).toContain('<a href="https://www.bkg.bund.de">');
    expect(svg).toContain(`>${MAP_ATTRIBUTION}</text>`);
    expect(MAP_ATTRIBUTION).toBe('© GeoBasis-DE / BKG 2021 (Daten verändert)');
  });

  it('formats numbers the German way and escapes the title and unit', () => {
    const big = regionMapSvg([{ ags: '15085', value: 1250 }], {
      title: 'Reichweite <script>alert(1)</script>',
      unit: 'Personen & Gäste',
    });
    expect(big).toContain('<title>Harz: 1.250 Personen &amp; Gäste</title>');
    expect(big).not.toContain('<script');
    expect(big).toContain('Reichweite &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('speaks English when asked: numbers, description, legend and source line', () => {
    const english = regionMapSvg([{ ags: '15085', value: 1250 }], {
      title: 'People reached per district',
      unit: 'people',
      locale: ENGLISH_CHARTS,
    });
    expect(english).toContain('<title>Harz: 1,250 people</title>');
    expect(english).toContain('Map of the 14 districts');
    expect(english).toContain('most in Harz (1,250 people)');
    expect(english).toContain('>© GeoBasis-DE / BKG 2021 (data modified)</text>');
    expect(english).not.toContain('Daten verändert');
    expect(english).not.toContain('Landkreise');
    expect(mapClasses([0.5, 2.5], ENGLISH_CHARTS).legend.map((e) => e.label)).toEqual([
      '0',
      '0 – below 0.5',
      '0.5 – below 1',
      '1 – below 1.5',
      '1.5 – below 2',
      '2 – 2.5',
    ]);
  });

  it('keeps the classes whole and exact for small counts and handles nobody at all', () => {
    expect(mapClasses([0, 1, 3]).legend.map((e) => e.label)).toEqual(['0', '1', '2', '3']);
    expect(mapClasses([0, 0]).legend.map((e) => e.label)).toEqual(['0']);
    const { colourOf } = mapClasses([5, 50, 100]);
    expect(colourOf(100)).toBe(colourOf(81));
    expect(colourOf(80)).not.toBe(colourOf(81));
    expect(mapClasses([0.5, 2.5]).legend.map((e) => e.label)).toEqual([
      '0',
      '0 – unter 0,5',
      '0,5 – unter 1',
      '1 – unter 1,5',
      '1,5 – unter 2',
      '2 – 2,5',
    ]);
  });

  it('offers the same figures as bar rows, all 14 districts, largest first', () => {
    const rows = regionBarRows(reachByDistrict, 'Personen');
    expect(rows).toHaveLength(14);
    expect(rows.slice(0, 3).map((r) => [r.label, r.values[0]!.value])).toEqual([
      ['Magdeburg', 41],
      ['Börde', 30],
      ['Harz', 23],
    ]);
    expect(rows.slice(-2).map((r) => [r.label, r.values[0]!.value])).toEqual([
      ['Altmarkkreis Salzwedel', 0],
      ['Jerichower Land', 0],
    ]);
    expect(barChartSvg(rows, { title: 'Reichweite', unit: 'Personen' })).toContain(
      '<title>Harz – Personen: 23 Personen</title>',
    );
  });
});
