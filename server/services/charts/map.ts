import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { geoMercator, geoPath } from 'd3-geo';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { scaleQuantize } from 'd3-scale';
import { GERMAN_CHARTS, type ChartLocale } from './locale.js';
import { chartId, formatNumber, MUTED_TEXT, TEXT_COLOUR, type Scene, type Shape } from './scene.js';

/**
 * The 14 districts (Landkreise and kreisfreie Städte) of Sachsen-Anhalt, from BKG's VG5000
 * (see SOURCES.md). The licence asks for this line next to every map drawn from the data (each
 * chart locale words it in its language).
 */
export const MAP_ATTRIBUTION = GERMAN_CHARTS.attribution;
export const MAP_ATTRIBUTION_URL = 'https://www.bkg.bund.de';

export type District = Feature<Polygon | MultiPolygon, { ags: string; name: string }>;

const file = join(dirname(fileURLToPath(import.meta.url)), 'sachsen-anhalt.geo.json');
export const districts = JSON.parse(readFileSync(file, 'utf8')) as FeatureCollection<
  Polygon | MultiPolygon,
  { ags: string; name: string }
>;

/** Light to dark blue (ColorBrewer "Blues"); districts without anyone are light grey. */
export const MAP_COLOURS = ['#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
export const ZERO_COLOUR = '#ececec';
const BORDER_COLOUR = '#57606a';
/** Fills dark enough that a number on them must be white. */
const DARK_FILLS = new Set(['#3182bd', '#08519c']);

export interface MapOptions {
  title: string;
  /** Plural unit after every number, e.g. "Personen". */
  unit: string;
  description?: string;
  id?: string;
  /** The language of the map's own words and numbers (German when not given). */
  locale?: ChartLocale;
}

export interface LegendEntry {
  colour: string;
  label: string;
}

function niceStep(raw: number, integers: boolean): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? 10 * power;
  return integers ? Math.max(1, Math.ceil(step)) : step;
}

/**
 * The colour classes: equal steps from 0 to a round maximum (a quantized scale), at most five,
 * plus "0" in grey. Whole numbers get ranges such as "1–5", "6–10".
 */
export function mapClasses(
  values: number[],
  locale: ChartLocale = GERMAN_CHARTS,
): {
  colourOf: (value: number) => string;
  legend: LegendEntry[];
} {
  const max = Math.max(0, ...values);
  const integers = values.every((v) => Number.isInteger(v));
  const zero: LegendEntry = { colour: ZERO_COLOUR, label: '0' };
  if (max <= 0) return { colourOf: () => ZERO_COLOUR, legend: [zero] };
  const bins = integers ? Math.min(MAP_COLOURS.length, max) : MAP_COLOURS.length;
  const step = niceStep(max / bins, integers);
  const count = Math.ceil(max / step);
  const colours = MAP_COLOURS.slice(MAP_COLOURS.length - count);
  // Whole numbers: class i holds i·step + 1 … (i + 1)·step (0 has its own grey); otherwise
  // class i holds [i·step, (i + 1)·step).
  const offset = integers ? 1 : 0;
  const scale = scaleQuantize<string>()
    .domain([offset, count * step + offset])
    .range(colours);
  const legend = colours.map((colour, i) => {
    const low = i * step;
    const high = (i + 1) * step;
    const format = (n: number) => formatNumber(n, locale);
    if (!integers)
      return {
        colour,
        label:
          i === count - 1
            ? `${format(low)} – ${format(high)}`
            : locale.below(format(low), format(high)),
      };
    const from = low + 1;
    return {
      colour,
      label: from === high ? format(high) : `${format(from)}–${format(high)}`,
    };
  });
  return { colourOf: (v) => (v > 0 ? scale(v) : ZERO_COLOUR), legend: [zero, ...legend] };
}

const WIDTH = 600;
const HEIGHT = 560;
const MAP_BOX: [[number, number], [number, number]] = [
  [10, 10],
  [400, 520],
];

/** Lays out the choropleth: one path per district with its own title, a legend and the source. */
export function regionMapScene(values: { ags: string; value: number }[], opts: MapOptions): Scene {
  const byAgs = new Map<string, number>();
  for (const { ags, value } of values) byAgs.set(ags, (byAgs.get(ags) ?? 0) + value);
  const projection = geoMercator().fitExtent(MAP_BOX, districts);
  const path = geoPath(projection);
  const valueOf = (d: District) => byAgs.get(d.properties.ags) ?? 0;
  const locale = opts.locale ?? GERMAN_CHARTS;
  const format = (n: number) => formatNumber(n, locale);
  const { colourOf, legend } = mapClasses(districts.features.map(valueOf), locale);
  const shapes: Shape[] = [];
  for (const district of districts.features) {
    const value = valueOf(district);
    shapes.push({
      kind: 'path',
      d: path(district) ?? '',
      fill: colourOf(value),
      stroke: BORDER_COLOUR,
      strokeWidth: 0.75,
      title: `${district.properties.name}: ${format(value)} ${opts.unit}`,
      data: { ags: district.properties.ags },
    });
  }
  // The number on each district reached, for print and for everyone who cannot hover; a
  // district without anyone stays unlabelled (its grey and the legend's "0" say it).
  for (const district of districts.features) {
    const value = valueOf(district);
    if (value === 0) continue;
    const [cx, cy] = path.centroid(district);
    shapes.push({
      kind: 'text',
      x: cx,
      y: cy + 4,
      text: format(value),
      size: 11,
      weight: 'bold',
      anchor: 'middle',
      colour: DARK_FILLS.has(colourOf(value)) ? '#ffffff' : TEXT_COLOUR,
    });
  }
  const lx = 420;
  shapes.push({ kind: 'text', x: lx, y: 30, text: opts.unit, weight: 'bold' });
  legend.forEach((entry, i) => {
    const y = 44 + i * 24;
    shapes.push({
      kind: 'rect',
      x: lx,
      y,
      width: 18,
      height: 18,
      fill: entry.colour,
      stroke: BORDER_COLOUR,
    });
    shapes.push({ kind: 'text', x: lx + 26, y: y + 14, text: entry.label });
  });
  shapes.push({
    kind: 'text',
    x: 10,
    y: HEIGHT - 12,
    text: locale.attribution,
    size: 10,
    colour: MUTED_TEXT,
    href: MAP_ATTRIBUTION_URL,
  });
  const ranked = districts.features
    .map((d) => ({ name: d.properties.name, value: valueOf(d) }))
    .sort((a, b) => b.value - a.value);
  const top = ranked[0];
  const total = ranked.reduce((sum, r) => sum + r.value, 0);
  return {
    id: chartId('map', opts.title, opts.id),
    title: opts.title,
    description:
      opts.description ??
      locale.map(
        format(total),
        opts.unit,
        top && top.value > 0 ? { name: top.name, value: format(top.value) } : undefined,
      ),
    width: WIDTH,
    height: HEIGHT,
    shapes,
  };
}

/**
 * The same figures as rows for `barChartSvg`, the accessible alternative to the map: all 14
 * districts (0 where nobody is counted), largest first, then by name.
 */
export function regionBarRows(
  values: { ags: string; value: number }[],
  valueName: string,
): { label: string; values: { name: string; value: number }[] }[] {
  const byAgs = new Map<string, number>();
  for (const { ags, value } of values) byAgs.set(ags, (byAgs.get(ags) ?? 0) + value);
  return districts.features
    .map((d) => ({ label: d.properties.name, value: byAgs.get(d.properties.ags) ?? 0 }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label, 'de'))
    .map((r) => ({ label: r.label, values: [{ name: valueName, value: r.value }] }));
}
