import {
  barChartSvg,
  drawBarChart,
  drawLineChart,
  drawRegionMap,
  lineChartSvg,
  regionMapSvg,
  type BarRow,
  type Box,
  type LineSeries,
  type PdfDoc,
} from '../charts/index.js';
import type { Names } from './export.js';
import type { Figures } from './index.js';

/** One chart of the figures: SVG for the page, a drawing for the PDF, and its height per width. */
export interface IndicatorChart {
  id: string;
  title: string;
  svg: string;
  /** Height / width of the drawing, so the PDF gives it the room it needs. */
  aspect: number;
  draw: (doc: PdfDoc, box: Box) => void;
}

const aspectOf = (svg: string) => {
  const m = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  return m ? Number(m[2]) / Number(m[1]) : 0.5;
};

const line = (id: string, title: string, unit: string, series: LineSeries[]): IndicatorChart => {
  const opts = { title, unit, id };
  const svg = lineChartSvg(series, opts);
  return {
    id,
    title,
    svg,
    aspect: aspectOf(svg),
    draw: (doc, box) => drawLineChart(doc, box, series, opts),
  };
};

const bars = (id: string, title: string, unit: string, rows: BarRow[]): IndicatorChart => {
  const opts = { title, unit, id };
  const svg = barChartSvg(rows, opts);
  return {
    id,
    title,
    svg,
    aspect: aspectOf(svg),
    draw: (doc, box) => drawBarChart(doc, box, rows, opts),
  };
};

/** District keys are their official key (AGS): those are on the map, others only in the table. */
const AGS = /^15\d{3}$/;

/**
 * The charts of a period's figures, in the order the dashboard and the report show them. Human
 * and machine figures are bars side by side, never one sum.
 */
export function indicatorCharts(figures: Figures, names: Names): IndicatorChart[] {
  const charts: IndicatorChart[] = [];
  if (figures.subscribers.length)
    charts.push(
      line('chart-subscribers', 'Abonnent*innen im Zeitverlauf', 'Personen', [
        {
          label: 'Bestätigte Abonnent*innen am Monatsende',
          points: figures.subscribers.map((s) => ({ x: s.month, y: s.confirmed })),
        },
      ]),
    );

  const districts = figures.reachByRegion
    .filter((r) => r.regionKey && AGS.test(r.regionKey))
    .map((r) => ({ ags: r.regionKey!, value: r.people }));
  const mapOpts = {
    title: 'Erreichte Menschen je Landkreis',
    unit: 'Personen',
    id: 'chart-regions',
  };
  const map = regionMapSvg(districts, mapOpts);
  charts.push({
    id: mapOpts.id,
    title: mapOpts.title,
    svg: map,
    aspect: aspectOf(map),
    draw: (doc, box) => drawRegionMap(doc, box, districts, mapOpts),
  });

  if (figures.reachByRole.length)
    charts.push(
      bars(
        'chart-roles',
        'Erreichte Menschen je Rolle',
        'Personen',
        figures.reachByRole.map((r) => ({
          label: r.roleKey ? names.role(r.roleKey) : 'Ohne Angabe',
          values: [{ name: 'Personen', value: r.people }],
        })),
      ),
    );

  if (figures.editions.length)
    charts.push(
      bars(
        'chart-editions',
        'Öffnungen und Klicks je Ausgabe',
        '',
        figures.editions.map((e) => ({
          label: `${e.number}. ${e.title}`,
          values: [
            { name: 'Öffnungen Menschen', value: e.opens.human },
            { name: 'Öffnungen Maschinen', value: e.opens.machine },
            { name: 'Klicks Menschen', value: e.clicks.human },
            { name: 'Klicks Scanner', value: e.clicks.scanner },
          ],
        })),
      ),
    );

  if (figures.events.length)
    charts.push(
      bars(
        'chart-events',
        'Anmeldungen je Veranstaltung',
        'Personen',
        figures.events.map((e) => ({
          label: e.title,
          values: [
            { name: 'Angemeldet', value: e.registered },
            { name: 'Warteliste', value: e.waiting },
            { name: 'Anwesend', value: e.present },
          ],
        })),
      ),
    );

  if (figures.referrals.length)
    charts.push(
      line('chart-referrals', 'Anmeldungen über Empfehlungen je Monat', 'Personen', [
        {
          label: 'Bestätigte Anmeldungen über Empfehlungen',
          points: figures.referrals.map((r) => ({ x: r.month, y: r.signups })),
        },
      ]),
    );
  return charts;
}
