import { scaleBand, scaleLinear, scaleUtc } from 'd3-scale';
import { line } from 'd3-shape';
import {
  chartId,
  formatNumber,
  GRID_COLOUR,
  MUTED_TEXT,
  shorten,
  TEXT_COLOUR,
  textWidth,
  wrapText,
  type Scene,
  type Shape,
} from './scene.js';
import { GERMAN_CHARTS, type ChartLocale } from './locale.js';

/**
 * Series colours: distinguishable with the common colour-vision deficiencies and each at least
 * 4.5:1 against white, so lines, bars and their legend read on screen and on paper.
 */
export const SERIES_COLOURS = ['#1f5fa8', '#c2410c', '#047857', '#7c3aed', '#a16207', '#be185d'];

export interface PlotOptions {
  title: string;
  /** Plural unit after the numbers in titles, e.g. "Personen" (optional). */
  unit?: string;
  description?: string;
  id?: string;
  /** The language of the chart's own words, numbers and dates (German when not given). */
  locale?: ChartLocale;
}

export interface LineSeries {
  label: string;
  /** x: a month `YYYY-MM` or a day `YYYY-MM-DD`. */
  points: { x: string; y: number }[];
}

export interface BarRow {
  label: string;
  values: { name: string; value: number }[];
}

const WIDTH = 640;
/**
 * Row labels of a bar chart take this much of its width per line, bars the rest; the column
 * grows up to the widest so that every label fits on two lines.
 */
const LABEL_WIDTH = 250;
const WIDEST_LABEL_WIDTH = 340;
const LINE_HEIGHT = 14;
/** The bars start at least this far from the left edge, however short the labels. */
const MIN_LEFT = 96;

/** The row labels on at most two lines each, in the narrowest column that needs no cut. */
function rowLabels(labels: string[]): string[][] {
  let width = LABEL_WIDTH;
  let lines = labels.map((label) => wrapText(label, width));
  while (width < WIDEST_LABEL_WIDTH && lines.some((l) => l.at(-1)?.endsWith('…'))) {
    width += 10;
    lines = labels.map((label) => wrapText(label, width));
  }
  return lines;
}

const withUnit = (value: number, unit: string | undefined, locale: ChartLocale) =>
  unit ? `${formatNumber(value, locale)} ${unit}` : formatNumber(value, locale);

function parseX(x: string): Date {
  const match = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(x);
  if (!match) throw new Error(`not a month or day: ${x}`);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3] ?? '1')));
}

/** Month, day and short-day formats of a language, made once per language. */
const dateFormats = new Map<
  string,
  { month: Intl.DateTimeFormat; day: Intl.DateTimeFormat; shortDay: Intl.DateTimeFormat }
>();

function datesOf(locale: ChartLocale) {
  let formats = dateFormats.get(locale.tag);
  if (!formats) {
    formats = {
      month: new Intl.DateTimeFormat(locale.tag, {
        month: 'short',
        year: 'numeric',
        timeZone: 'UTC',
      }),
      day: new Intl.DateTimeFormat(locale.tag, {
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        timeZone: 'UTC',
      }),
      shortDay: new Intl.DateTimeFormat(locale.tag, {
        day: 'numeric',
        month: 'short',
        timeZone: 'UTC',
      }),
    };
    dateFormats.set(locale.tag, formats);
  }
  return formats;
}

/** The series in a row at the top: a swatch and the name for each. Returns the next y. */
function legendRow(shapes: Shape[], names: string[], y: number, left: number): number {
  let x = left;
  let row = y;
  names.forEach((name, i) => {
    const label = shorten(name, 40);
    const width = 24 + label.length * 7 + 16;
    if (x + width > WIDTH - 8 && x > left) {
      x = left;
      row += 20;
    }
    shapes.push({
      kind: 'rect',
      x,
      y: row - 11,
      width: 14,
      height: 14,
      fill: SERIES_COLOURS[i % SERIES_COLOURS.length]!,
    });
    shapes.push({ kind: 'text', x: x + 20, y: row, text: label });
    x += width;
  });
  return row + 14;
}

/** The height of a line chart: as tall as a bar chart of a few rows, so charts side by side match. */
const LINE_CHART_HEIGHT = 240;
/** Up to this many months or days, every point is a large marker with its value written above. */
const LABELLED_POINTS = 2;

/**
 * A line chart over months or days, one line per series, points with their own title. With
 * only one or two months or days in the period the points are large markers carrying their value.
 */
export function lineChartScene(series: LineSeries[], opts: PlotOptions): Scene {
  const height = LINE_CHART_HEIGHT;
  const left = 56;
  const right = WIDTH - 20;
  const shapes: Shape[] = [];
  const top =
    legendRow(
      shapes,
      series.map((s) => s.label),
      20,
      left,
    ) + 12;
  const bottom = height - 32;
  const all = series.flatMap((s) => s.points.map((p) => ({ date: parseX(p.x), raw: p.x, y: p.y })));
  const byMonth = all.every((p) => p.raw.length === 7);
  const id = chartId('line', opts.title, opts.id);
  const locale = opts.locale ?? GERMAN_CHARTS;
  const formats = datesOf(locale);
  const names = series.map((s) => s.label);
  const description =
    opts.description ??
    (all.length
      ? locale.lines(
          names,
          label(all.reduce((a, b) => (a.date < b.date ? a : b)).date),
          label(all.reduce((a, b) => (a.date > b.date ? a : b)).date),
        )
      : locale.noLines(names));
  function label(date: Date): string {
    return byMonth ? formats.month.format(date) : formats.day.format(date);
  }
  if (all.length === 0) {
    shapes.push({
      kind: 'text',
      x: WIDTH / 2,
      y: (top + bottom) / 2,
      text: locale.noData,
      anchor: 'middle',
      colour: MUTED_TEXT,
    });
    return { id, title: opts.title, description, width: WIDTH, height, shapes };
  }
  const times = all.map((p) => p.date.getTime());
  let min = Math.min(...times);
  let max = Math.max(...times);
  if (min === max) {
    min -= 15 * 86_400_000;
    max += 15 * 86_400_000;
  }
  const x = scaleUtc()
    .domain([min, max])
    .range([left + 24, right - 36]);
  const labelled = new Set(all.map((p) => p.raw)).size <= LABELLED_POINTS;
  const y = scaleLinear()
    .domain([0, Math.max(1, ...all.map((p) => p.y))])
    .nice(5)
    // Room above the highest point for its value.
    .range([bottom, labelled ? top + 18 : top]);
  for (const tick of y
    .ticks(5)
    .filter((t) => Number.isInteger(t) || all.some((p) => !Number.isInteger(p.y)))) {
    shapes.push({
      kind: 'line',
      x1: left,
      x2: right,
      y1: y(tick),
      y2: y(tick),
      stroke: GRID_COLOUR,
    });
    shapes.push({
      kind: 'text',
      x: left - 6,
      y: y(tick) + 4,
      text: formatNumber(tick, locale),
      anchor: 'end',
      size: 11,
    });
  }
  shapes.push({ kind: 'line', x1: left, x2: right, y1: bottom, y2: bottom, stroke: TEXT_COLOUR });
  let ticks: Date[];
  if (byMonth) {
    const months = [...new Set(all.map((p) => p.raw))].sort().map(parseX);
    const every = Math.ceil(months.length / 7);
    ticks = months.filter((_, i) => i % every === 0);
  } else ticks = x.ticks(6);
  for (const tick of ticks) {
    shapes.push({
      kind: 'line',
      x1: x(tick),
      x2: x(tick),
      y1: bottom,
      y2: bottom + 5,
      stroke: TEXT_COLOUR,
    });
    shapes.push({
      kind: 'text',
      x: x(tick),
      y: bottom + 19,
      text: byMonth ? formats.month.format(tick) : formats.shortDay.format(tick),
      anchor: 'middle',
      size: 11,
    });
  }
  series.forEach((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    const points = s.points
      .map((p) => ({ date: parseX(p.x), y: p.y }))
      .sort((a, b) => a.date.getTime() - b.date.getTime());
    const d = line<{ date: Date; y: number }>()
      .x((p) => x(p.date))
      .y((p) => y(p.y))(points);
    if (d && points.length > 1) {
      shapes.push({ kind: 'path', d, fill: 'none', stroke: colour, strokeWidth: 2.5 });
    }
    for (const p of points) {
      shapes.push({
        kind: 'circle',
        cx: x(p.date),
        cy: y(p.y),
        r: labelled ? 6 : 3.5,
        fill: colour,
        stroke: '#ffffff',
        title: `${s.label}, ${label(p.date)}: ${withUnit(p.y, opts.unit, locale)}`,
      });
      if (labelled)
        shapes.push({
          kind: 'text',
          x: x(p.date),
          y: y(p.y) - 12,
          text: formatNumber(p.y, locale),
          anchor: 'middle',
          weight: 'bold',
          colour,
        });
    }
  });
  return { id, title: opts.title, description, width: WIDTH, height, shapes };
}

/**
 * Grouped horizontal bars: one group per row, the values of a row side by side (never
 * stacked or summed), a legend naming the values, the number at the end of every bar.
 */
export function barChartScene(rows: BarRow[], opts: PlotOptions): Scene {
  const names = [...new Set(rows.flatMap((r) => r.values.map((v) => v.name)))];
  const shapes: Shape[] = [];
  // Row labels whole: on one line, or on two when longer than the label column; the bars
  // start after the longest line.
  const labels = rowLabels(rows.map((r) => r.label));
  const longest = Math.max(0, ...labels.flat().map((l) => textWidth(l)));
  const left = Math.max(MIN_LEFT, Math.ceil(longest) + 16);
  const right = WIDTH - 56;
  const top = legendRow(shapes, names, 20, 8) + 14;
  const barHeight = 16;
  // A row is as tall as its bars or its label, whichever is taller, with a gap to the next.
  const barsHeight = Math.max(1, names.length) * barHeight;
  const lineCount = Math.max(1, ...labels.map((l) => l.length));
  const groupHeight = Math.max(barsHeight, lineCount * LINE_HEIGHT) + 14;
  const bottom = top + Math.max(1, rows.length) * groupHeight;
  const height = bottom + 32;
  const id = chartId('bar', opts.title, opts.id);
  const locale = opts.locale ?? GERMAN_CHARTS;
  const description =
    opts.description ??
    locale.bars(
      rows.map((r) => r.label),
      names,
    );
  if (rows.length === 0 || names.length === 0) {
    shapes.push({
      kind: 'text',
      x: WIDTH / 2,
      y: top + 20,
      text: locale.noData,
      anchor: 'middle',
      colour: MUTED_TEXT,
    });
    return { id, title: opts.title, description, width: WIDTH, height, shapes };
  }
  const max = Math.max(1, ...rows.flatMap((r) => r.values.map((v) => v.value)));
  const x = scaleLinear().domain([0, max]).nice(5).range([left, right]);
  const band = scaleBand<number>()
    .domain(rows.map((_, i) => i))
    .range([top, bottom])
    .paddingInner(0);
  const integers = rows.every((r) => r.values.every((v) => Number.isInteger(v.value)));
  for (const tick of x.ticks(5).filter((t) => !integers || Number.isInteger(t))) {
    shapes.push({
      kind: 'line',
      x1: x(tick),
      x2: x(tick),
      y1: top - 4,
      y2: bottom,
      stroke: GRID_COLOUR,
    });
    shapes.push({
      kind: 'text',
      x: x(tick),
      y: bottom + 18,
      text: formatNumber(tick, locale),
      anchor: 'middle',
      size: 11,
    });
  }
  rows.forEach((row, i) => {
    // The bars in the middle of their row, the label beside their middle.
    const y0 = band(i)! + (groupHeight - names.length * barHeight) / 2;
    const lines = labels[i]!;
    lines.forEach((text, k) => {
      shapes.push({
        kind: 'text',
        x: left - 8,
        y: y0 + (names.length * barHeight) / 2 + 4 + (k - (lines.length - 1) / 2) * LINE_HEIGHT,
        text,
        anchor: 'end',
      });
    });
    names.forEach((name, j) => {
      const value = row.values.find((v) => v.name === name)?.value ?? 0;
      const y = y0 + j * barHeight;
      shapes.push({
        kind: 'rect',
        x: left,
        y: y + 1,
        width: Math.max(0, x(value) - left),
        height: barHeight - 2,
        fill: SERIES_COLOURS[j % SERIES_COLOURS.length]!,
        title: `${row.label} – ${name}: ${withUnit(value, opts.unit, locale)}`,
      });
      shapes.push({
        kind: 'text',
        x: x(value) + 4,
        y: y + barHeight - 4,
        text: formatNumber(value, locale),
        size: 11,
      });
    });
  });
  shapes.push({ kind: 'line', x1: left, x2: left, y1: top - 4, y2: bottom, stroke: TEXT_COLOUR });
  return { id, title: opts.title, description, width: WIDTH, height, shapes };
}
