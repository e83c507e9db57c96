import { regionMapScene, type MapOptions } from './map.js';
import {
  barChartScene,
  lineChartScene,
  type BarRow,
  type LineSeries,
  type PlotOptions,
} from './plots.js';
import { sceneToSvg } from './scene.js';

/**
 * Charts for the admin dashboard (SVG strings for the HTML page) and the PDF report (drawn
 * into a pdfkit document): the reach per district on a map of Sachsen-Anhalt, lines over time
 * and grouped bars. Pure functions: numbers in, drawing out.
 */

export {
  MAP_ATTRIBUTION,
  MAP_ATTRIBUTION_URL,
  districts,
  mapClasses,
  regionBarRows,
} from './map.js';
export type { MapOptions } from './map.js';
export { chartLocale, ENGLISH_CHARTS, GERMAN_CHARTS, type ChartLocale } from './locale.js';
export { SERIES_COLOURS } from './plots.js';
export type { BarRow, LineSeries, PlotOptions } from './plots.js';
export { escapeXml, formatNumber } from './scene.js';

/** Choropleth of the 14 districts; districts without a value are light grey. */
export function regionMapSvg(values: { ags: string; value: number }[], opts: MapOptions): string {
  return sceneToSvg(regionMapScene(values, opts));
}

/** Lines over months (`YYYY-MM`) or days (`YYYY-MM-DD`), one per series, with a legend. */
export function lineChartSvg(series: LineSeries[], opts: PlotOptions): string {
  return sceneToSvg(lineChartScene(series, opts));
}

/** Grouped horizontal bars: the values of a row side by side, never summed, with a legend. */
export function barChartSvg(rows: BarRow[], opts: PlotOptions): string {
  return sceneToSvg(barChartScene(rows, opts));
}

export { drawBarChart, drawLineChart, drawRegionMap, FONT_BOLD, FONT_REGULAR } from './pdf.js';
export type { Box, PdfDoc } from './pdf.js';
