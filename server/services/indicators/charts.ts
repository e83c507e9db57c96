import {
  barChartSvg,
  chartLocale,
  drawBarChart,
  drawLineChart,
  drawRegionMap,
  lineChartSvg,
  regionMapSvg,
  type BarRow,
  type Box,
  type ChartLocale,
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
  /** Bars: the PDF draws them at full width however many rows, so their labels stay legible. */
  fullWidth: boolean;
  draw: (doc: PdfDoc, box: Box) => void;
}

const aspectOf = (svg: string) => {
  const m = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  return m ? Number(m[2]) / Number(m[1]) : 0.5;
};

/** The words of the indicator charts in one language. */
interface ChartWords {
  subscribers: string;
  subscribersSeries: string;
  regions: string;
  roles: string;
  people: string;
  notGiven: string;
  editions: string;
  opensHuman: string;
  opensMachine: string;
  clicksHuman: string;
  clicksScanner: string;
  events: string;
  registered: string;
  waiting: string;
  present: string;
  referrals: string;
  referralsSeries: string;
}

const GERMAN: ChartWords = {
  subscribers: 'Abonnent*innen im Zeitverlauf',
  subscribersSeries: 'Bestätigte Abonnent*innen am Monatsende',
  regions: 'Erreichte Menschen je Landkreis',
  roles: 'Erreichte Menschen je Rolle',
  people: 'Personen',
  notGiven: 'Ohne Angabe',
  editions: 'Öffnungen und Klicks je Ausgabe',
  opensHuman: 'Öffnungen Menschen',
  opensMachine: 'Öffnungen Maschinen',
  clicksHuman: 'Klicks Menschen',
  clicksScanner: 'Klicks Scanner',
  events: 'Anmeldungen je Veranstaltung',
  registered: 'Angemeldet',
  waiting: 'Warteliste',
  present: 'Anwesend',
  referrals: 'Anmeldungen über Empfehlungen je Monat',
  referralsSeries: 'Bestätigte Anmeldungen über Empfehlungen',
};

const ENGLISH: ChartWords = {
  subscribers: 'Subscribers over time',
  subscribersSeries: 'Confirmed subscribers at the end of the month',
  regions: 'People reached per district',
  roles: 'People reached per role',
  people: 'people',
  notGiven: 'Not given',
  editions: 'Opens and clicks per edition',
  opensHuman: 'Opens (people)',
  opensMachine: 'Opens (machines)',
  clicksHuman: 'Clicks (people)',
  clicksScanner: 'Clicks (scanners)',
  events: 'Registrations per event',
  registered: 'Registered',
  waiting: 'Waiting list',
  present: 'Present',
  referrals: 'Sign-ups through recommendations per month',
  referralsSeries: 'Confirmed sign-ups through recommendations',
};

const line = (
  id: string,
  title: string,
  unit: string,
  series: LineSeries[],
  locale: ChartLocale,
): IndicatorChart => {
  const opts = { title, unit, id, locale };
  const svg = lineChartSvg(series, opts);
  return {
    id,
    title,
    svg,
    aspect: aspectOf(svg),
    fullWidth: false,
    draw: (doc, box) => drawLineChart(doc, box, series, opts),
  };
};

const bars = (
  id: string,
  title: string,
  unit: string,
  rows: BarRow[],
  locale: ChartLocale,
): IndicatorChart => {
  const opts = { title, unit, id, locale };
  const svg = barChartSvg(rows, opts);
  return {
    id,
    title,
    svg,
    aspect: aspectOf(svg),
    fullWidth: true,
    draw: (doc, box) => drawBarChart(doc, box, rows, opts),
  };
};

/** District keys are their official key (AGS): those are on the map, others only in the table. */
const AGS = /^15\d{3}$/;

/**
 * The charts of a period's figures, in the order the dashboard and the report show them. Human
 * and machine figures are bars side by side, never one sum. German unless `lang` is `en`.
 */
export function indicatorCharts(figures: Figures, names: Names, lang = 'de'): IndicatorChart[] {
  const w = lang === 'en' ? ENGLISH : GERMAN;
  const locale = chartLocale(lang);
  const charts: IndicatorChart[] = [];
  if (figures.subscribers.length)
    charts.push(
      line(
        'chart-subscribers',
        w.subscribers,
        w.people,
        [
          {
            label: w.subscribersSeries,
            points: figures.subscribers.map((s) => ({ x: s.month, y: s.confirmed })),
          },
        ],
        locale,
      ),
    );

  const districts = figures.reachByRegion
    .filter((r) => r.regionKey && AGS.test(r.regionKey))
    .map((r) => ({ ags: r.regionKey!, value: r.people }));
  const mapOpts = { title: w.regions, unit: w.people, id: 'chart-regions', locale };
  const map = regionMapSvg(districts, mapOpts);
  charts.push({
    id: mapOpts.id,
    title: mapOpts.title,
    svg: map,
    aspect: aspectOf(map),
    fullWidth: false,
    draw: (doc, box) => drawRegionMap(doc, box, districts, mapOpts),
  });

  if (figures.reachByRole.length)
    charts.push(
      bars(
        'chart-roles',
        w.roles,
        w.people,
        figures.reachByRole.map((r) => ({
          label: r.roleKey ? names.role(r.roleKey) : w.notGiven,
          values: [{ name: w.people, value: r.people }],
        })),
        locale,
      ),
    );

  if (figures.editions.length)
    charts.push(
      bars(
        'chart-editions',
        w.editions,
        '',
        figures.editions.map((e) => ({
          label: `${e.number}. ${e.title}`,
          values: [
            { name: w.opensHuman, value: e.opens.human },
            { name: w.opensMachine, value: e.opens.machine },
            { name: w.clicksHuman, value: e.clicks.human },
            { name: w.clicksScanner, value: e.clicks.scanner },
          ],
        })),
        locale,
      ),
    );

  if (figures.events.length)
    charts.push(
      bars(
        'chart-events',
        w.events,
        w.people,
        figures.events.map((e) => ({
          label: e.title,
          values: [
            { name: w.registered, value: e.registered },
            { name: w.waiting, value: e.waiting },
            { name: w.present, value: e.present },
          ],
        })),
        locale,
      ),
    );

  if (figures.referrals.length)
    charts.push(
      line(
        'chart-referrals',
        w.referrals,
        w.people,
        [
          {
            label: w.referralsSeries,
            points: figures.referrals.map((r) => ({ x: r.month, y: r.signups })),
          },
        ],
        locale,
      ),
    );
  return charts;
}
