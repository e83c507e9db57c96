/**
 * The words a chart prints and the language its numbers and dates are formatted in. Charts are
 * German unless their options name another locale (the admin pages pass the admin's language).
 */
export interface ChartLocale {
  /** The language tag for numbers and dates, e.g. `de-DE`. */
  tag: string;
  /** Shown in place of a chart without figures. */
  noData: string;
  /** The line chart's description: its series and the first and last month or day. */
  lines(series: string[], from: string, to: string): string;
  /** The line chart's description without any point. */
  noLines(series: string[]): string;
  /** The bar chart's description: how many rows (and which), the value names of each row. */
  bars(rows: string[], names: string[]): string;
  /** The map's description: the total, and the district with the most (when anybody). */
  map(total: string, unit: string, top?: { name: string; value: string }): string;
  /** A legend class of fractions: "0 – below 2.5"; the last class has no "below". */
  below(low: string, high: string): string;
  /** The source line the map data's licence asks for. */
  attribution: string;
}

export const GERMAN_CHARTS: ChartLocale = {
  tag: 'de-DE',
  noData: 'Keine Daten im Zeitraum',
  lines: (series, from, to) => `Liniendiagramm: ${series.join(', ')}, von ${from} bis ${to}.`,
  noLines: (series) => `Liniendiagramm: ${series.join(', ')}; keine Daten.`,
  bars: (rows, names) =>
    `Balkendiagramm mit ${rows.length} Zeilen (${rows.join(', ')}), je ${names.join(' und ')} nebeneinander.`,
  map: (total, unit, top) =>
    `Karte der 14 Landkreise und kreisfreien Städte Sachsen-Anhalts, zusammen ${total} ${unit}` +
    (top ? `; am meisten in ${top.name} (${top.value} ${unit}).` : '.'),
  below: (low, high) => `${low} – unter ${high}`,
  attribution: '© GeoBasis-DE / BKG 2021 (Daten verändert)',
};

export const ENGLISH_CHARTS: ChartLocale = {
  tag: 'en-GB',
  noData: 'No data in the period',
  lines: (series, from, to) => `Line chart: ${series.join(', ')}, from ${from} to ${to}.`,
  noLines: (series) => `Line chart: ${series.join(', ')}; no data.`,
  bars: (rows, names) =>
    `Bar chart with ${rows.length} rows (${rows.join(', ')}), each with ${names.join(' and ')} side by side.`,
  map: (total, unit, top) =>
    `Map of the 14 districts and district-free cities of Saxony-Anhalt, ${total} ${unit} in all` +
    (top ? `; most in ${top.name} (${top.value} ${unit}).` : '.'),
  below: (low, high) => `${low} – below ${high}`,
  attribution: '© GeoBasis-DE / BKG 2021 (data modified)',
};

/** The chart locale for an admin language: English for `en`, German otherwise. */
export const chartLocale = (lang: string): ChartLocale =>
  lang === 'en' ? ENGLISH_CHARTS : GERMAN_CHARTS;
