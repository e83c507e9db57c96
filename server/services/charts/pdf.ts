import { createRequire } from 'node:module';
import type PDFDocument from 'pdfkit';
import { regionMapScene, type MapOptions } from './map.js';
import {
  barChartScene,
  lineChartScene,
  type BarRow,
  type LineSeries,
  type PlotOptions,
} from './plots.js';
import { FONT_SIZE, TEXT_COLOUR, type Scene } from './scene.js';

/** A pdfkit document (the module's export is typed as the document itself). */
export type PdfDoc = typeof PDFDocument;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const require = createRequire(import.meta.url);
export const FONT_REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
export const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

const RTL = '\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc';
const RTL_RUN = new RegExp(`([${RTL}]+(?:[\\s\\u00a0]+[${RTL}]+)*)`);
const STRONG = new RegExp(`[${RTL}]|[A-Za-z\\u00c0-\\u024f\\u0370-\\u052f]`);

/**
 * A label in visual order as runs: pdfkit shapes an Arabic or Hebrew run and sets it right to
 * left only when the run is on its own (and drops plain spaces inside it, no-break spaces
 * survive). A label that starts in a right-to-left script runs from the right.
 */
export function visualRuns(text: string): string[] {
  const runs = text
    .split(RTL_RUN)
    .filter((run) => run !== '')
    .map((run) => (new RegExp(`[${RTL}]`).test(run) ? run.replace(/\s/g, '\u00a0') : run));
  const first = STRONG.exec(text)?.[0] ?? '';
  return new RegExp(`[${RTL}]`).test(first) ? runs.reverse() : runs;
}

/**
 * Draws the scene into `box` of a pdfkit document, scaled to fit and centred; the chart's
 * title is not drawn (the report sets its own heading). Labels use DejaVu Sans so every
 * script a name may be written in prints. Leaves the font set to DejaVu Sans.
 */
export function drawScene(doc: PdfDoc, box: Box, scene: Scene): void {
  const k = Math.min(box.width / scene.width, box.height / scene.height);
  const ox = box.x + (box.width - scene.width * k) / 2;
  const oy = box.y;
  doc.registerFont('Chart-Regular', FONT_REGULAR);
  doc.registerFont('Chart-Bold', FONT_BOLD);
  const docX = doc.x;
  const docY = doc.y;
  for (const shape of scene.shapes) {
    doc.save();
    switch (shape.kind) {
      case 'path':
        doc.translate(ox, oy).scale(k).path(shape.d);
        if (shape.fill === 'none') {
          doc
            .lineWidth(shape.strokeWidth ?? 1)
            .lineJoin('round')
            .stroke(shape.stroke ?? TEXT_COLOUR);
        } else if (shape.stroke) {
          doc.lineWidth(shape.strokeWidth ?? 1).fillAndStroke(shape.fill, shape.stroke);
        } else doc.fill(shape.fill);
        break;
      case 'rect':
        doc.rect(ox + shape.x * k, oy + shape.y * k, shape.width * k, shape.height * k);
        if (shape.stroke) doc.lineWidth(0.5).fillAndStroke(shape.fill, shape.stroke);
        else doc.fill(shape.fill);
        break;
      case 'line':
        doc
          .moveTo(ox + shape.x1 * k, oy + shape.y1 * k)
          .lineTo(ox + shape.x2 * k, oy + shape.y2 * k)
          .lineWidth((shape.strokeWidth ?? 1) * k);
        if (shape.dash) doc.dash(3 * k, { space: 3 * k });
        doc.stroke(shape.stroke);
        break;
      case 'circle':
        doc.circle(ox + shape.cx * k, oy + shape.cy * k, shape.r * k);
        if (shape.stroke) doc.lineWidth(k).fillAndStroke(shape.fill, shape.stroke);
        else doc.fill(shape.fill);
        break;
      case 'text': {
        const size = (shape.size ?? FONT_SIZE) * k;
        doc.font(shape.weight === 'bold' ? 'Chart-Bold' : 'Chart-Regular').fontSize(size);
        const runs = visualRuns(shape.text);
        const widths = runs.map((run) => doc.widthOfString(run));
        const width = widths.reduce((a, b) => a + b, 0);
        const shift = shape.anchor === 'end' ? width : shape.anchor === 'middle' ? width / 2 : 0;
        let x = ox + shape.x * k - shift;
        doc.fillColor(shape.colour ?? TEXT_COLOUR);
        runs.forEach((run, i) => {
          doc.text(run, x, oy + shape.y * k, {
            lineBreak: false,
            baseline: 'alphabetic',
            ...(shape.href ? { link: shape.href } : {}),
          });
          x += widths[i]!;
        });
        break;
      }
    }
    doc.restore();
  }
  doc.font('Chart-Regular');
  doc.x = docX;
  doc.y = docY;
}

/** The map of Sachsen-Anhalt with its legend and the data source, fitted into `box`. */
export function drawRegionMap(
  doc: PdfDoc,
  box: Box,
  values: { ags: string; value: number }[],
  opts: MapOptions,
): void {
  drawScene(doc, box, regionMapScene(values, opts));
}

export function drawLineChart(
  doc: PdfDoc,
  box: Box,
  series: LineSeries[],
  opts: PlotOptions,
): void {
  drawScene(doc, box, lineChartScene(series, opts));
}

export function drawBarChart(doc: PdfDoc, box: Box, rows: BarRow[], opts: PlotOptions): void {
  drawScene(doc, box, barChartScene(rows, opts));
}
