/**
 * A chart is laid out once as a scene of a few primitives in its own coordinate system
 * (`width` × `height`), then written as SVG for the admin pages or drawn into a pdfkit document
 * for the report. Both outputs therefore show the same geometry, colours and labels.
 */

import { GERMAN_CHARTS, type ChartLocale } from './locale.js';

export interface TextStyle {
  size?: number;
  weight?: 'normal' | 'bold';
  anchor?: 'start' | 'middle' | 'end';
  colour?: string;
}

export type Shape =
  | {
      kind: 'path';
      d: string;
      fill: string;
      stroke?: string;
      strokeWidth?: number;
      title?: string;
      data?: Record<string, string>;
    }
  | {
      kind: 'rect';
      x: number;
      y: number;
      width: number;
      height: number;
      fill: string;
      stroke?: string;
      title?: string;
      data?: Record<string, string>;
    }
  | {
      kind: 'line';
      x1: number;
      y1: number;
      x2: number;
      y2: number;
      stroke: string;
      strokeWidth?: number;
      dash?: boolean;
    }
  | {
      kind: 'circle';
      cx: number;
      cy: number;
      r: number;
      fill: string;
      stroke?: string;
      title?: string;
    }
  | ({ kind: 'text'; x: number; y: number; text: string; href?: string } & TextStyle);

export interface Scene {
  /** Used for the SVG ids (`<id>-title`, `<id>-desc`). */
  id: string;
  title: string;
  /** A sentence or two for screen readers: what the chart shows. */
  description: string;
  width: number;
  height: number;
  shapes: Shape[];
}

export const TEXT_COLOUR = '#1f2328';
export const MUTED_TEXT = '#4b5563';
export const GRID_COLOUR = '#d0d7de';
export const FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif";
export const FONT_SIZE = 12;

/** Escapes text for XML content and double-quoted attributes. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A number in the chart's language, German unless told: 1.234 and 12,5 (1,234 and 12.5). */
export function formatNumber(value: number, locale: ChartLocale = GERMAN_CHARTS): string {
  let format = numberFormats.get(locale.tag);
  if (!format) {
    format = new Intl.NumberFormat(locale.tag, { maximumFractionDigits: 1 });
    numberFormats.set(locale.tag, format);
  }
  return format.format(value);
}

/** A stable, readable id for the SVG elements of one chart (unique per title and kind). */
export function chartId(kind: string, title: string, given?: string): string {
  if (given) return given.replace(/[^A-Za-z0-9_-]/g, '-');
  let hash = 0;
  for (const ch of `${kind}:${title}`) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return `chart-${kind}-${hash.toString(36)}`;
}

/** Cuts a label to `max` characters with an ellipsis (the full text stays in the title). */
export function shorten(label: string, max: number): string {
  const chars = Array.from(label);
  return chars.length <= max ? label : `${chars.slice(0, max - 1).join('')}…`;
}

/** Advance widths of DejaVu Sans for the characters from space to `~`, in thousandths of the size. */
const ASCII_WIDTHS = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
  636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
  575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
  611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
  278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];

/** Width of a character outside ASCII: by script, a little above the script's common letters. */
function otherWidth(code: number): number {
  if (code >= 0xc0 && code <= 0x24f) return 760; // accented Latin
  if (code >= 0x400 && code <= 0x42f) return 860; // Cyrillic capitals
  if (code >= 0x430 && code <= 0x4ff) return 700; // Cyrillic small letters and others
  if (code >= 0x600 && code <= 0x6ff) return 750; // Arabic, mostly joined
  if (code === 0x2013 || code === 0xa0) return 500; // en dash, no-break space
  return 1000; // em dash, ellipsis, anything else
}

/**
 * The width a text takes at `size` in DejaVu Sans (the PDF's font and the first choice on
 * screen), a little generous so that the wider fallback fonts fit too.
 */
export function textWidth(text: string, size = FONT_SIZE): number {
  let width = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    width += code >= 32 && code < 127 ? ASCII_WIDTHS[code - 32]! : otherWidth(code);
  }
  return (width / 1000) * size * 1.05;
}

/**
 * A label broken at spaces (or, for one overlong word, anywhere) into at most `maxLines` lines
 * of at most `width`; what does not fit ends the last line with an ellipsis.
 */
export function wrapText(text: string, width: number, maxLines = 2, size = FONT_SIZE): string[] {
  const fits = (line: string) => textWidth(line, size) <= width;
  const lines: string[] = [];
  let rest = text.trim().replace(/\s+/g, ' ');
  while (rest && lines.length < maxLines) {
    if (fits(rest)) {
      lines.push(rest);
      rest = '';
      break;
    }
    const chars = Array.from(rest);
    let end = 1;
    while (end < chars.length && fits(chars.slice(0, end + 1).join(''))) end++;
    const space = chars.slice(0, end + 1).lastIndexOf(' ');
    const cut = space > 0 ? space : end;
    lines.push(chars.slice(0, cut).join('').trimEnd());
    rest = chars.slice(cut).join('').trimStart();
  }
  if (rest) {
    const last = Array.from(`${lines.pop() ?? ''} ${rest}`.trim());
    let end = last.length;
    while (end > 1 && !fits(`${last.slice(0, end).join('').trimEnd()}…`)) end--;
    lines.push(`${last.slice(0, end).join('').trimEnd()}…`);
  }
  return lines;
}

const n = (value: number): string => String(Math.round(value * 100) / 100);

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n(v) : escapeXml(v!)}"`)
    .join('');
}

function dataAttrs(data: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[`data-${k}`] = v;
  return out;
}

function withTitle(open: string, title: string | undefined, tag: string): string {
  return title === undefined ? `${open}/>` : `${open}><title>${escapeXml(title)}</title></${tag}>`;
}

function shapeSvg(shape: Shape): string {
  switch (shape.kind) {
    case 'path':
      return withTitle(
        `<path${attrs({ d: shape.d, fill: shape.fill, stroke: shape.stroke, 'stroke-width': shape.strokeWidth, ...dataAttrs(shape.data) })}`,
        shape.title,
        'path',
      );
    case 'rect':
      return withTitle(
        `<rect${attrs({ x: shape.x, y: shape.y, width: shape.width, height: shape.height, fill: shape.fill, stroke: shape.stroke, ...dataAttrs(shape.data) })}`,
        shape.title,
        'rect',
      );
    case 'line':
      return `<line${attrs({ x1: shape.x1, y1: shape.y1, x2: shape.x2, y2: shape.y2, stroke: shape.stroke, 'stroke-width': shape.strokeWidth ?? 1, 'stroke-dasharray': shape.dash ? '3 3' : undefined })}/>`;
    case 'circle':
      return withTitle(
        `<circle${attrs({ cx: shape.cx, cy: shape.cy, r: shape.r, fill: shape.fill, stroke: shape.stroke })}`,
        shape.title,
        'circle',
      );
    case 'text': {
      const text = `<text${attrs({
        x: shape.x,
        y: shape.y,
        'font-size': shape.size ?? FONT_SIZE,
        'font-weight': shape.weight === 'bold' ? 'bold' : undefined,
        'text-anchor': shape.anchor && shape.anchor !== 'start' ? shape.anchor : undefined,
        fill: shape.colour ?? TEXT_COLOUR,
      })}>${escapeXml(shape.text)}</text>`;
      return shape.href ? `<a${attrs({ href: shape.href })}>${text}</a>` : text;
    }
  }
}

/**
 * The scene as an accessible, scalable SVG string: `role="img"`, a `<title>` and `<desc>`
 * named by `aria-labelledby`, a `viewBox` and 100 % width. Every text is escaped.
 */
export function sceneToSvg(scene: Scene): string {
  const titleId = `${scene.id}-title`;
  const descId = `${scene.id}-desc`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg"${attrs({
      id: scene.id,
      class: 'chart',
      viewBox: `0 0 ${n(scene.width)} ${n(scene.height)}`,
      width: '100%',
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      'font-family': FONT_FAMILY,
      style: `max-width:${n(scene.width * 1.5)}px;height:auto`,
    })}>`,
    `<title id="${titleId}">${escapeXml(scene.title)}</title>`,
    `<desc id="${descId}">${escapeXml(scene.description)}</desc>`,
    ...scene.shapes.map(shapeSvg),
    '</svg>',
  ].join('\n');
}
