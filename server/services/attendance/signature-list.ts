import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Translate } from '../../i18n/index.js';

const require = createRequire(import.meta.url);
/** DejaVu Sans covers Latin, Cyrillic and Arabic: every name the list may hold prints. */
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

/** One person on the list; a row without a name is left empty for a walk-in. */
export interface SignatureRow {
  name: string;
  organisation: string;
  region: string;
}

export interface SignatureListInput {
  organisation: string;
  funderAttribution: string;
  eventTitle: string;
  /** When and where, as one line (`04.05.2026, 10:00–16:00 · Bürgerhaus Thale`). */
  when: string;
  where: string;
  rows: SignatureRow[];
  t: Translate;
}

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;
const STRONG =
  /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u;

/**
 * The words of a line in the order they are seen from left to right, to be written one by one:
 * PDFKit shapes an Arabic or Hebrew word and writes its letters right to left, but it does not
 * order the words of a line. So right-to-left words are reversed in their runs, and a line that
 * begins right-to-left has its runs reversed too.
 */
export function visualWords(line: string): string[] {
  const runs: string[][] = [];
  for (const word of line.split(/\s+/).filter(Boolean)) {
    const last = runs.at(-1);
    if (last && RTL.test(word) === RTL.test(last[0]!)) last.push(word);
    else runs.push([word]);
  }
  const ordered = runs.map((run) => (RTL.test(run[0]!) ? run.reverse() : run));
  if (RTL.test(STRONG.exec(line)?.[0] ?? '')) ordered.reverse();
  return ordered.flat();
}

/** Rows left empty for people who come without registering, at least; the last page fills up. */
export const EMPTY_ROWS = 10;

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 40;
const ROW = 26;
const HEAD_ROW = 20;
const FOOTER = 24;
const MUTED = '#555555';

/** Column widths in points: Nr., Name, Organisation, Region, Unterschrift (the rest). */
const COLUMNS = [28, 145, 125, 80] as const;

/**
 * The signature list of an event as a PDF (A4, portrait): the organisation and its funder line,
 * the event, then a table of the registered people with room to sign, the table's header
 * repeated on every page, and empty rows for walk-ins.
 */
export function signatureListPdf(input: SignatureListInput): Promise<Buffer> {
  const { t } = input;
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `${t('attendance.pdf.title')}: ${input.eventTitle}`,
      Author: input.organisation,
    },
  });
  doc.registerFont('text', FONT);
  doc.registerFont('bold', BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = A4.width - 2 * MARGIN;
  const widths = [...COLUMNS, width - COLUMNS.reduce((a, b) => a + b, 0)];
  const bottom = A4.height - MARGIN - FOOTER;
  const headings = [
    t('attendance.pdf.number'),
    t('attendance.pdf.name'),
    t('attendance.pdf.organisation'),
    t('attendance.pdf.region'),
    t('attendance.pdf.signature'),
  ];

  /** One line at (x, y): word by word where a right-to-left script needs it. */
  const line = (text: string, x: number, y: number) => {
    if (!RTL.test(text)) {
      doc.text(text, x, y, { lineBreak: false });
      return;
    }
    const space = doc.widthOfString(' ');
    for (const word of visualWords(text)) {
      doc.text(word, x, y, { lineBreak: false });
      x += doc.widthOfString(word) + space;
    }
  };

  /** The longest start of `text` (whole words if possible) that fits `width`. */
  const fitting = (text: string, width: number): string => {
    const words = text.split(/\s+/);
    let fit = '';
    for (const word of words) {
      const next = fit ? `${fit} ${word}` : word;
      if (doc.widthOfString(next) > width) break;
      fit = next;
    }
    if (fit) return fit;
    let cut = '';
    for (const ch of text) {
      if (doc.widthOfString(cut + ch) > width) break;
      cut += ch;
    }
    return cut;
  };

  /**
   * Text in a cell: one line when it fits, else two smaller lines, cut with an ellipsis only
   * beyond that, so a long name stays readable and never spills into the next cell.
   */
  const cell = (value: string, x: number, y: number, w: number, h: number, size: number) => {
    const text = value.replace(/\s+/g, ' ').trim();
    const inner = w - 8;
    if (doc.fontSize(size).widthOfString(text) <= inner) {
      line(text, x + 4, y + (h - size) / 2 - 1);
      return;
    }
    const small = size - 1.5;
    doc.fontSize(small);
    const first = fitting(text, inner);
    let rest = text.slice(first.length).trim();
    if (doc.widthOfString(rest) > inner) rest = `${fitting(rest, inner - doc.widthOfString('…'))}…`;
    const lines = rest ? [first, rest] : [first];
    const lead = small * 1.2;
    const top = y + (h - lines.length * lead) / 2;
    lines.forEach((l, i) => line(l, x + 4, top + i * lead));
  };

  const tableHead = (y: number): number => {
    doc.rect(MARGIN, y, width, HEAD_ROW).fillAndStroke('#e8e8e8', '#000000');
    doc.fillColor('#000000').font('bold');
    let x = MARGIN;
    headings.forEach((h, i) => {
      cell(h, x, y, widths[i]!, HEAD_ROW, 9);
      x += widths[i]!;
    });
    doc.font('text');
    return y + HEAD_ROW;
  };

  const row = (y: number, number: number, r: SignatureRow | undefined): void => {
    doc.lineWidth(0.5).strokeColor('#000000');
    let x = MARGIN;
    for (const w of widths) {
      doc.rect(x, y, w, ROW).stroke();
      x += w;
    }
    doc.fillColor('#000000').font('text');
    const values = [String(number), r?.name ?? '', r?.organisation ?? '', r?.region ?? ''];
    x = MARGIN;
    values.forEach((v, i) => {
      if (v) cell(v, x, y, widths[i]!, ROW, 9);
      x += widths[i]!;
    });
  };

  // The first page: who holds the event, for whom, and what a signature means.
  doc.font('bold').fontSize(13).fillColor('#000000').text(input.organisation, { width });
  if (input.funderAttribution)
    doc.font('text').fontSize(8.5).fillColor(MUTED).text(input.funderAttribution, { width });
  doc.moveDown(0.8);
  doc.font('bold').fontSize(16).fillColor('#000000').text(t('attendance.pdf.title'), { width });
  doc.font('bold').fontSize(12).text(input.eventTitle, { width });
  doc.font('text').fontSize(10).text([input.when, input.where].filter(Boolean).join(' · '), {
    width,
  });
  doc.moveDown(0.5);
  doc.fontSize(8.5).fillColor(MUTED).text(t('attendance.pdf.consent'), { width });
  doc.fillColor('#000000');

  let y = tableHead(doc.y + 10);
  const continued = () => {
    doc.addPage();
    doc
      .font('text')
      .fontSize(9)
      .fillColor(MUTED)
      .text(`${input.eventTitle} · ${input.when}`, MARGIN, MARGIN, {
        width,
        lineBreak: false,
        ellipsis: true,
      });
    doc.fillColor('#000000');
    y = tableHead(MARGIN + 18);
  };

  let n = 0;
  for (const r of input.rows) {
    if (y + ROW > bottom) continued();
    row(y, ++n, r);
    y += ROW;
  }
  // Room for walk-ins: a few rows at least, then the rest of the last page.
  for (let empty = 0; empty < EMPTY_ROWS || y + ROW <= bottom; empty++) {
    if (y + ROW > bottom) continued();
    row(y, ++n, undefined);
    y += ROW;
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin: no automatic page break for it.
    doc.page.margins.bottom = 0;
    doc
      .font('text')
      .fontSize(8)
      .fillColor(MUTED)
      .text(
        t('attendance.pdf.page', { page: i + 1, pages: range.count }),
        MARGIN,
        A4.height - MARGIN - 10,
        { width, align: 'right', lineBreak: false },
      );
  }
  doc.end();
  return done;
}
