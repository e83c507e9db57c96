import PDFDocument from 'pdfkit';
import { FONT_BOLD, FONT_REGULAR } from '../charts/index.js';
import type { Names } from './export.js';
import { MEETING_MIN_PEOPLE, MEETING_MIN_REGIONS } from './definitions.js';
import type { Figures, Indicator } from './index.js';
import { germanDay, germanTime, type Period } from './period.js';

/** DejaVu Sans prints umlauts, Cyrillic and Arabic names as they are. */
const FONT = FONT_REGULAR;
const BOLD = FONT_BOLD;

export interface ReportData {
  organisation: string;
  /** The funded project's name; may be empty. */
  project: string;
  /** The line under the organisation's name; may be empty. */
  tagline: string;
  funderAttribution: string;
  period: Period;
  indicators: Indicator[];
  figures: Figures;
  names: Names;
  createdAt: number;
}

/** A chart for the report: its title, its height per width, and how to draw it into a box. */
export interface ReportChart {
  title: string;
  aspect: number;
  /**
   * Drawn at its full width, however tall (up to a page), instead of smaller: bars, whose height
   * grows with their rows and whose labels would otherwise shrink.
   */
  fullWidth?: boolean;
  draw: (
    doc: PDFKit.PDFDocument,
    box: { x: number; y: number; width: number; height: number },
  ) => void;
}

interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

const MARGIN = 50;
const INK = '#1a1a1a';
const MUTED = '#555555';
const RULE = '#b0b0b0';

const percent = (i: Indicator) => (i.target > 0 ? `${Math.round(i.progress * 100)} %` : '–');
const number = (n: number) => n.toLocaleString('de-DE');

/** A table that breaks across pages and repeats its header on each. */
function table(doc: PDFKit.PDFDocument, columns: Column[], rows: string[][], size = 9) {
  const x0 = MARGIN;
  const pad = 4;
  const bottom = () => doc.page.height - MARGIN - 20;
  const rowHeight = (cells: string[], font: string) => {
    doc.font(font).fontSize(font === BOLD ? size - 1 : size);
    return (
      Math.max(
        ...cells.map((c, i) => doc.heightOfString(c, { width: columns[i]!.width - 2 * pad })),
      ) +
      2 * pad
    );
  };
  const drawRow = (cells: string[], font: string, header: boolean) => {
    const h = rowHeight(cells, font);
    if (doc.y + h > bottom()) {
      doc.addPage();
      if (!header)
        drawRow(
          columns.map((c) => c.header),
          BOLD,
          true,
        );
    }
    const y = doc.y;
    let x = x0;
    doc
      .font(font)
      .fontSize(font === BOLD ? size - 1 : size)
      .fillColor(INK);
    cells.forEach((cell, i) => {
      const col = columns[i]!;
      doc.text(cell, x + pad, y + pad, { width: col.width - 2 * pad, align: col.align ?? 'left' });
      x += col.width;
    });
    const width = columns.reduce((sum, c) => sum + c.width, 0);
    doc
      .moveTo(x0, y + h)
      .lineTo(x0 + width, y + h)
      .lineWidth(header ? 1 : 0.5)
      .strokeColor(header ? INK : RULE)
      .stroke();
    doc.x = x0;
    doc.y = y + h;
  };
  drawRow(
    columns.map((c) => c.header),
    BOLD,
    true,
  );
  for (const row of rows) drawRow(row, FONT, false);
  doc.moveDown(1);
}

function heading(doc: PDFKit.PDFDocument, text: string, minSpace = 120) {
  if (doc.y + minSpace > doc.page.height - MARGIN) doc.addPage();
  doc.x = MARGIN;
  doc.font(BOLD).fontSize(14).fillColor(INK).text(text);
  doc.moveDown(0.5);
}

function note(doc: PDFKit.PDFDocument, text: string) {
  doc.x = MARGIN;
  doc
    .font(FONT)
    .fontSize(9)
    .fillColor(MUTED)
    .text(text, { width: doc.page.width - 2 * MARGIN });
  doc.moveDown(0.6);
}

/** Room a chart takes besides its drawing: its heading above, the gap below. */
const CHART_HEADING = 26;
const CHART_GAP = 18;
/** The page numbers' strip above the bottom margin. */
const FOOTER = 20;
/** The smallest a chart is drawn to stay on a page, against its size on a page of its own. */
const MIN_CHART_SCALE = 0.8;

/**
 * The charts one after another in their order, packed: each on the page it still fits on (the
 * first ones fill the room left under the indicator table), a map or line chart at most half a
 * page high so that two share a page. A chart that misses the room left on a page by a little
 * is drawn a little smaller (down to 4/5) rather than moved; otherwise it moves to the next
 * page whole, with its heading.
 */
function drawCharts(doc: PDFKit.PDFDocument, charts: ReportChart[], width: number) {
  const bottom = doc.page.height - MARGIN - FOOTER;
  const page = bottom - MARGIN - CHART_HEADING;
  const half = (bottom - MARGIN) / 2 - CHART_HEADING - CHART_GAP;
  for (const chart of charts) {
    let height = Math.min(width * chart.aspect, chart.fullWidth ? page : half);
    const room = bottom - doc.y - CHART_HEADING;
    if (height > room) {
      if (room >= height * MIN_CHART_SCALE) height = room;
      else doc.addPage();
    }
    heading(doc, chart.title, 0);
    const box = { x: MARGIN, y: doc.y, width, height };
    chart.draw(doc, box);
    doc.x = MARGIN;
    doc.y = box.y + box.height + CHART_GAP;
  }
}

/**
 * The funder's report as a PDF (A4): a title page, the indicators with their definitions, the
 * charts, and the tables of events and editions; page numbers on every page.
 */
export async function renderReport(data: ReportData, charts: ReportChart[] = []): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: `${data.organisation}: Bericht zu den Kennzahlen ${germanDay(data.period.from)} – ${germanDay(data.period.to)}`,
      Author: data.organisation,
      Subject: data.project || data.tagline || data.funderAttribution,
      Creator: 'Landpost',
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont(FONT, FONT);
  doc.registerFont(BOLD, BOLD);
  const width = doc.page.width - 2 * MARGIN;

  // Title page: who reports, on which project, for which funder.
  doc.font(BOLD).fontSize(14).fillColor(INK).text(data.organisation, MARGIN, 180, { width });
  if (data.project) doc.font(BOLD).fontSize(16).fillColor(INK).text(data.project, { width });
  if (data.tagline) doc.font(FONT).fontSize(12).fillColor(MUTED).text(data.tagline, { width });
  doc.moveDown(1.5);
  doc.font(BOLD).fontSize(26).fillColor(INK).text('Bericht zu den Kennzahlen', { width });
  doc.moveDown(0.5);
  doc
    .font(FONT)
    .fontSize(14)
    .fillColor(INK)
    .text(`Zeitraum: ${germanDay(data.period.from)} bis ${germanDay(data.period.to)}`, { width });
  doc.moveDown(2);
  if (data.funderAttribution) doc.fontSize(11).text(data.funderAttribution, { width });
  doc
    .fontSize(9)
    .fillColor(MUTED)
    .text(`Erstellt am ${germanTime(data.createdAt, true)} Uhr`, MARGIN, doc.page.height - 120, {
      width,
    });

  // The indicators.
  doc.addPage();
  heading(doc, 'Kennzahlen');
  note(
    doc,
    'Jeder Wert zählt genau das, was seine Definition beschreibt; Zeitpunkte gelten in deutscher Zeit (Europe/Berlin).',
  );
  table(
    doc,
    [
      { header: 'Kennzahl', width: 150 },
      { header: 'Definition', width: width - 150 - 144 },
      { header: 'Wert', width: 44, align: 'right' },
      { header: 'Ziel', width: 50, align: 'right' },
      { header: 'Erreicht', width: 50, align: 'right' },
    ],
    data.indicators.map((i) => [
      i.label,
      i.definition,
      number(i.value),
      number(i.target),
      percent(i),
    ]),
  );

  drawCharts(doc, charts, width);

  heading(doc, 'Erreichte Menschen je Landkreis und je Rolle');
  note(
    doc,
    'Jede erreichte Person zählt einmal, mit der Region und den Rollen aus ihrem Abonnement oder ihrer Anmeldung.',
  );
  if (data.figures.reachByRegion.length === 0) note(doc, 'Im Zeitraum wurde niemand erreicht.');
  else {
    table(
      doc,
      [
        { header: 'Landkreis / Region', width: width - 80 },
        { header: 'Personen', width: 80, align: 'right' },
      ],
      data.figures.reachByRegion.map((r) => [
        r.regionKey ? data.names.region(r.regionKey) : 'Ohne Angabe',
        number(r.people),
      ]),
    );
    table(
      doc,
      [
        { header: 'Rolle', width: width - 80 },
        { header: 'Personen', width: 80, align: 'right' },
      ],
      data.figures.reachByRole.map((r) => [
        r.roleKey ? data.names.role(r.roleKey) : 'Ohne Angabe',
        number(r.people),
      ]),
    );
  }

  heading(doc, 'Veranstaltungen');
  const types: Record<string, string> = {
    training: 'Schulung',
    meeting: 'Treffen',
    other: 'Sonstige',
  };
  if (data.figures.events.length === 0)
    note(doc, 'Im Zeitraum fanden keine Veranstaltungen statt.');
  else {
    note(
      doc,
      `„Regionen“ zählt, aus wie vielen verschiedenen Regionen die als anwesend Erfassten kamen. Ein Treffen zählt als Best-Practice-Treffen, wenn mindestens ${MEETING_MIN_PEOPLE} Personen aus mindestens ${MEETING_MIN_REGIONS} Regionen anwesend waren.`,
    );
    table(
      doc,
      [
        { header: 'Veranstaltung', width: width - 380 },
        { header: 'Datum', width: 70 },
        { header: 'Art', width: 50 },
        { header: 'Region', width: 70 },
        // Wide enough for their headings in bold on one line.
        { header: 'Angemeldet', width: 70, align: 'right' },
        { header: 'Anwesend', width: 60, align: 'right' },
        { header: 'Regionen', width: 60, align: 'right' },
      ],
      data.figures.events.map((e) => [
        e.title,
        germanTime(e.startsAt),
        types[e.type] ?? e.type,
        data.names.region(e.regionKey),
        number(e.registered) + (e.waiting ? ` (+${number(e.waiting)} Warteliste)` : ''),
        e.attendanceRecordedAt ? number(e.present) : 'nicht erfasst',
        e.attendanceRecordedAt ? number(e.presentRegions) : '–',
      ]),
    );
  }

  heading(doc, 'Beratungen nach Art und Region');
  note(
    doc,
    'Einträge im Beratungsprotokoll mit einem Datum im Zeitraum; „Personen“ sind die dort angegebenen Teilnehmenden.',
  );
  const consultations = data.figures.consultationsByKind.reduce((n, k) => n + k.consultations, 0);
  if (consultations === 0) note(doc, 'Im Zeitraum ist keine Beratung eingetragen.');
  else {
    const kinds: Record<string, string> = {
      person: 'Einzelperson',
      group: 'Gruppe',
      association: 'Verein',
    };
    const counted = [
      { header: 'Beratungen', width: 80, align: 'right' as const },
      { header: 'Personen', width: 80, align: 'right' as const },
    ];
    table(
      doc,
      [{ header: 'Art', width: width - 160 }, ...counted],
      data.figures.consultationsByKind.map((k) => [
        kinds[k.kind] ?? k.kind,
        number(k.consultations),
        number(k.people),
      ]),
    );
    table(
      doc,
      [{ header: 'Landkreis / Region', width: width - 160 }, ...counted],
      data.figures.consultationsByRegion.map((r) => [
        r.regionKey ? data.names.region(r.regionKey) : 'Ohne Angabe',
        number(r.consultations),
        number(r.people),
      ]),
    );
  }

  heading(doc, 'Newsletter-Ausgaben');
  note(
    doc,
    'Öffnungen und Klicks von Menschen und von Maschinen (Bild-Vorabrufe, Link-Scanner) stehen getrennt nebeneinander und werden nie zusammengezählt. Gezählt wird nur, wo Tracking eingeschaltet war.',
  );
  if (data.figures.editions.length === 0) note(doc, 'Im Zeitraum wurde keine Ausgabe versendet.');
  else
    table(
      doc,
      [
        { header: 'Ausgabe', width: width - 364 },
        { header: 'Versendet', width: 62 },
        { header: 'Zugestellt', width: 62, align: 'right' },
        { header: 'Öffnungen Menschen', width: 60, align: 'right' },
        { header: 'Öffnungen Maschinen', width: 60, align: 'right' },
        { header: 'Klicks Menschen', width: 60, align: 'right' },
        { header: 'Klicks Scanner', width: 60, align: 'right' },
      ],
      data.figures.editions.map((e) => [
        `${e.number}. ${e.title}`,
        germanTime(e.firstSentAt),
        number(e.delivered),
        number(e.opens.human),
        number(e.opens.machine),
        number(e.clicks.human),
        number(e.clicks.scanner),
      ]),
    );

  // Page numbers below the bottom margin of every page; above the top margin of every page but
  // the title page, whose report this is, so a page read on its own still says so.
  const range = doc.bufferedPageRange();
  const running = `${data.organisation} · Bericht zu den Kennzahlen ${germanDay(data.period.from)} bis ${germanDay(data.period.to)}`;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    if (i > range.start)
      doc.font(FONT).fontSize(8).fillColor(MUTED).text(running, MARGIN, 28, {
        width,
        align: 'center',
        lineBreak: false,
      });
    doc
      .font(FONT)
      .fontSize(8)
      .fillColor(MUTED)
      .text(`Seite ${i + 1} von ${range.count}`, MARGIN, doc.page.height - 35, {
        width,
        align: 'center',
        lineBreak: false,
      });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
