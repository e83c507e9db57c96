import { regionMapScene, type MapOptions } from './map.js';
import { sceneToSvg } from './scene.js';

/**
 * Charts for the admin dashboard (SVG strings for the HTML page) and the PDF report (drawn
 * into a pdfkit document): the reach per district on a map of Sachsen-Anhalt, lines over time
 * and grouped bars. Pure functions: numbers in, drawing out.
 */

export { MAP_ATTRIBUTION, MAP_ATTRIBUTION_URL, districts, mapClasses } from './map.js';
export type { MapOptions } from './map.js';
export { escapeXml, formatNumber } from './scene.js';

/** Choropleth of the 14 districts; districts without a value are light grey. */
export function regionMapSvg(values: { ags: string; value: number }[], opts: MapOptions): string {
  return sceneToSvg(regionMapScene(values, opts));
}
