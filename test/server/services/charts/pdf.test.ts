import PDFDocument from 'pdfkit';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import {
  drawBarChart,
  drawLineChart,
  drawRegionMap,
  MAP_ATTRIBUTION,
} from '../../../../server/services/charts/index.js';
import { visualRuns } from '../../../../server/services/charts/pdf.js';
import { opensPerEdition, reachByDistrict, subscribersOverTime } from './fixtures.js';

/** Writes an A4 report with the three charts, as the funder's report does. */
async function report(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50 });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) =>
    doc.on('end', () => resolve(Buffer.concat(chunks))),
  );
  drawRegionMap(doc, { x: 50, y: 60, width: 495, height: 460 }, reachByDistrict, {
    title: 'Erreichte Personen nach Kreis',
    unit: 'Personen',
  });
  // Down to the bottom edge of the page: must not spill onto a new page.
  drawLineChart(doc, { x: 50, y: 560, width: 495, height: 260 }, subscribersOverTime, {
    title: 'Abonnent*innen im Zeitverlauf',
  });
  doc.addPage();
  drawBarChart(doc, { x: 50, y: 60, width: 495, height: 300 }, opensPerEdition, {
    title: 'Öffnungen je Ausgabe',
    unit: 'Öffnungen',
  });
  doc.text('Ende des Berichts', 50, 400);
  doc.end();
  return done;
}

async function pagesText(pdf: Buffer): Promise<string[]> {
  const document = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= document.numPages; n++) {
    const content = await (await document.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join('\n'));
  }
  await document.destroy();
  return pages;
}

describe('charts in a PDF', () => {
  it('draws map, lines and bars with their labels on the pages they were put on', async () => {
    const pdf = await report();
    const [first, second, ...rest] = await pagesText(pdf);
    expect(rest).toEqual([]);

    // The map: the unit over the legend, its classes, the values and the source note.
    for (const label of ['Personen', '0', '1–10', '41–50', '23', '41', MAP_ATTRIBUTION]) {
      expect(first!.split('\n'), label).toContain(label);
    }
    // The line chart: German axis labels, the escaped series name as plain text.
    for (const label of ['1.200', 'Jan. 2026', 'Juni 2026', 'Abonnent*innen']) {
      expect(first!.split('\n'), label).toContain(label);
    }
    expect(first).toContain('Empfehlungen <script>');

    // The bars: legend, row labels in any script, the number at the end of every bar.
    for (const label of ['Menschen', 'Maschinen', 'Випуск 3 — Бератунг', '48', '31', '62']) {
      expect(second!.split('\n'), label).toContain(label);
    }
    expect(second).toContain('Ende des Berichts');
  });

  it('prints a long bar label whole, on two lines, in the PDF', async () => {
    const doc = new PDFDocument({ size: 'A4', margin: 50 });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise<Buffer>((resolve) =>
      doc.on('end', () => resolve(Buffer.concat(chunks))),
    );
    drawBarChart(
      doc,
      { x: 50, y: 60, width: 495, height: 200 },
      [
        {
          label: 'Hauptamtlich in der Arbeit mit Ehrenamtlichen',
          values: [{ name: 'Personen', value: 14 }],
        },
      ],
      { title: 'Erreichte Menschen je Rolle' },
    );
    doc.end();
    const [page] = await pagesText(await done);
    const lines = page!.split('\n');
    expect(lines).toContain('Hauptamtlich in der Arbeit mit');
    expect(lines).toContain('Ehrenamtlichen');
    expect(page).not.toContain('…');
  });

  it('embeds DejaVu Sans for the labels and links the source note to the BKG', async () => {
    const pdf = (await report()).toString('latin1');
    expect(pdf).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    expect(pdf).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans-Bold\b/);
    expect(pdf).toContain('(https://www.bkg.bund.de)');
  });

  it('sets Arabic labels right to left, as runs of their own inside a German label', () => {
    // Runs in the order they are drawn from the left.
    expect(visualRuns('Ausgabe 2 (العربية) neu')).toEqual(['Ausgabe 2 (', 'العربية', ') neu']);
    expect(visualRuns('العدد 3 للنشرة')).toEqual(['للنشرة', ' 3 ', 'العدد']);
    expect(visualRuns('مدينة هالّه')).toEqual(['مدينة\u00a0هالّه']);
    expect(visualRuns('Harz')).toEqual(['Harz']);
  });
});
