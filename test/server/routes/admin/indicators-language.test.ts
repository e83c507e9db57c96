/**
 * Wirkung in the admin's language: an English admin reads the definitions, units, role names
 * and charts (titles, series, month labels, map source) in English, a German admin in German; the
 * indicator labels stay as the organisation entered them, and the funder's PDF report and the
 * CSV records stay German whoever downloads them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { IndicatorRows } from '../../../helpers/indicators.js';
import { pdfPages } from '../../../helpers/pdf.js';

let t: TestApp;
let german: AdminClient;
let english: AdminClient;

const period = 'from=2025-01-01&to=2025-12-31';
const card = (body: string, key: string) =>
  new RegExp(`<li class="indicator-card" id="indicator-${key}">([\\s\\S]*?)</li>`).exec(body)![1]!;
const chart = (body: string, id: string) =>
  new RegExp(
    `<figure class="indicator-chart">\\s*<figcaption>([^<]*)</figcaption>\\s*<svg [^>]*id="${id}"[\\s\\S]*?</svg>`,
  ).exec(body)!;

beforeAll(async () => {
  t = await startTestApp();
  german = await loginAs(t, 'viewer');
  english = await loginAs(t, 'viewer');
  await english.get('/admin/account');
  const switched = await english.post('/admin/account/language', { language: 'en' });
  expect(switched.statusCode).toBe(303);
  const rows = new IndicatorRows(t.runtime.database.sqlite);
  const training = rows.event({
    type: 'training',
    title: 'Vereinsrecht kompakt',
    startsAt: '2025-03-15T10:00',
    recorded: true,
  });
  rows.registration(training, {
    email: 'anna@example.org',
    present: true,
    region: '15085',
    role: 'volunteer',
  });
  rows.registration(training, { email: 'ben@example.org', present: true, region: '15003' });
});

afterAll(async () => {
  await t?.close();
});

describe("the indicator dashboard in the admin's language", () => {
  it('shows the definition and unit in English or German, the label as entered', async () => {
    const en = await english.get(`/admin/indicators?${period}`);
    expect(en.statusCode).toBe(200);
    const training = card(en.body, 'training-events');
    expect(training).toContain('<h2>Bildungsveranstaltungen in den Zielregionen</h2>');
    expect(training).toContain('<strong>1 of 14 events</strong>');
    expect(training).toContain('and whose attendance is recorded');
    expect(card(en.body, 'people-reached')).toContain('<strong>2 of 180 people</strong>');
    expect(en.body).not.toContain('deren Anwesenheit erfasst ist');
    expect(en.body).not.toContain('Veranstaltungen der Art');
    expect(en.body).not.toContain('von 14 Veranstaltungen');

    const de = await german.get(`/admin/indicators?${period}`);
    const ausbildung = card(de.body, 'training-events');
    expect(ausbildung).toContain('<h2>Bildungsveranstaltungen in den Zielregionen</h2>');
    expect(ausbildung).toContain('<strong>1 von 14 Veranstaltungen</strong>');
    expect(ausbildung).toContain('deren Anwesenheit erfasst ist');
    expect(de.body).not.toContain('whose attendance is recorded');
  });

  it('draws the charts in English: titles, series, month labels, roles and map source', async () => {
    const res = await english.get(`/admin/indicators?${period}`);
    const map = chart(res.body, 'chart-regions');
    expect(map[1]).toBe('People reached per district');
    expect(map[0]).toContain('<title>Harz: 1 people</title>');
    expect(map[0]).toContain('(data modified)');
    const subscribers = chart(res.body, 'chart-subscribers');
    expect(subscribers[1]).toBe('Subscribers over time');
    expect(subscribers[0]).toContain(
      'Line chart: Confirmed subscribers at the end of the month, from Jan 2025 to Dec 2025.',
    );
    expect(subscribers[0]).toContain('>Mar 2025</text>');
    const roles = chart(res.body, 'chart-roles');
    expect(roles[1]).toBe('People reached per role');
    expect(roles[0]).toContain('<title>Volunteer – people: 1 people</title>');
    expect(roles[0]).toContain('>Not given</text>');
    expect(res.body).toMatch(/<th scope="row">Volunteer<\/th><td class="number">1<\/td>/);
    expect(chart(res.body, 'chart-events')[0]).toContain(
      '<title>Vereinsrecht kompakt – Present: 2 people</title>',
    );
    for (const word of [
      'Erreichte Menschen',
      'Abonnent*innen',
      'Ohne Angabe',
      'Daten verändert',
      'März',
    ])
      expect(res.body).not.toContain(word);
  });

  it('draws the same charts in German for a German admin', async () => {
    const [de, en] = [
      await german.get(`/admin/indicators?${period}`),
      await english.get(`/admin/indicators?${period}`),
    ];
    expect(chart(de.body, 'chart-regions')[1]).toBe('Erreichte Menschen je Landkreis');
    const subscribers = chart(de.body, 'chart-subscribers');
    expect(subscribers[1]).toBe('Abonnent*innen im Zeitverlauf');
    expect(subscribers[0]).toContain('>März 2025</text>');
    expect(chart(de.body, 'chart-roles')[0]).toContain(
      '<title>Ehrenamtlich engagiert – Personen: 1 Personen</title>',
    );
    // The same figures, only the words differ.
    expect(chart(en.body, 'chart-subscribers')[0]).not.toContain('>März 2025</text>');
  });
});

describe("the start page in the admin's language", () => {
  it('shows the indicators of the programme period with units in English or German', async () => {
    const en = await english.get('/admin');
    expect(en.statusCode).toBe(200);
    expect(en.body).toMatch(
      /Versendete Newsletter<\/span> <strong>0 of 7 editions<\/strong> <progress max="7"/,
    );
    expect(en.body).not.toContain('7 Ausgaben');
    const de = await german.get('/admin');
    expect(de.body).toMatch(
      /Versendete Newsletter<\/span> <strong>0 von 7 Ausgaben<\/strong> <progress max="7"/,
    );
  });
});

describe("the funder's documents stay German", () => {
  it('an English admin reads the dashboard in English but downloads the report in German', async () => {
    const page = await english.get(`/admin/indicators?${period}`);
    expect(page.body).toContain('and whose attendance is recorded');
    const res = await english.get(`/admin/report.pdf?${period}`);
    expect(res.statusCode).toBe(200);
    const text = (await pdfPages(res.rawPayload)).join('\n');
    expect(text).toMatch(/Kennzahl Definition Wert Ziel Erreicht/);
    expect(text).toMatch(/deren\s+Anwesenheit\s+erfasst\s+ist/);
    expect(text).toContain('Erreichte Menschen je Landkreis');
    expect(text).not.toContain('whose attendance');
    expect(text).not.toContain('People reached');
  });

  it('and the CSV records with German headers', async () => {
    const page = await english.get(`/admin/indicators?${period}`);
    expect(card(page.body, 'training-events')).toContain('<strong>1 of 14 events</strong>');
    const res = await english.get(`/admin/indicators/training-events.csv?${period}`);
    expect(res.statusCode).toBe(200);
    expect(res.body.startsWith('\uFEFFVeranstaltung (ID),Titel,Beginn,')).toBe(true);
  });
});
