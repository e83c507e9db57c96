/**
 * Wirkung in the admin UI: everyone sees the indicators against their targets for a period,
 * with human and machine figures apart and the region table; the records download as CSV
 * (names and addresses only for admins, audited); the report downloads as a PDF holding the
 * indicator table; only admins change the targets, with the error next to the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { IndicatorRows } from '../../../helpers/indicators.js';
import { pdfPages } from '../../../helpers/pdf.js';

let t: TestApp;
let admin: AdminClient;
let viewer: AdminClient;

const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const period = 'from=2025-01-01&to=2025-12-31';

beforeAll(async () => {
  t = await startTestApp();
  admin = await loginAs(t, 'admin');
  viewer = await loginAs(t, 'viewer');
  const rows = new IndicatorRows(t.runtime.database.sqlite);
  const training = rows.event({
    type: 'training',
    title: 'Vereinsrecht <kompakt>',
    startsAt: '2025-03-15T10:00',
    recorded: true,
  });
  rows.registration(training, { email: 'anna@example.org', present: true, region: '15085' });
  rows.registration(training, { email: 'ben@example.org', present: true, region: '15003' });
  rows.registration(training, { email: 'carla@example.org', status: 'waiting' });
  const edition = rows.edition(1, 'Frühjahr');
  const campaign = rows.campaign(edition, 'sent', '2025-05-01T10:00');
  rows.delivery(campaign, edition);
  rows.tracking(campaign, 'open', 'human');
  rows.tracking(campaign, 'open', 'machine');
  rows.tracking(campaign, 'open', 'machine');
  rows.tracking(campaign, 'click', 'scanner');
  rows.consultation('2025-06-01');
});

afterAll(async () => {
  await t?.close();
});

describe('the indicator dashboard', () => {
  it('shows each indicator against its target with definition, trend and links', async () => {
    const res = await viewer.get(`/admin/indicators?${period}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<a href="\/admin\/indicators" aria-current="page">Kennzahlen<\/a>/);
    const card = /<li class="indicator-card" id="indicator-training-events">([\s\S]*?)<\/li>/.exec(
      res.body,
    )![1]!;
    expect(card).toContain('<h2>Bildungsveranstaltungen in den Zielregionen</h2>');
    expect(card).toContain('<strong>1 von 14 Veranstaltungen</strong>');
    expect(card).toMatch(/<progress max="14" value="1"[^>]*>7 %<\/progress>/);
    expect(card).toContain('deren Anwesenheit erfasst ist');
    expect(card).toContain('Stand Ende Dezember 2025: 1');
    expect(card).toContain(
      'href="/admin/events?type=training&amp;from=2025-01-01&amp;to=2025-12-31"',
    );
    expect(card).toContain(
      'href="/admin/indicators/training-events.csv?from=2025-01-01&amp;to=2025-12-31"',
    );
    expect(res.body).toContain('<strong>2 von 180 Personen</strong>');
    // Who brought whom, for the same period.
    expect(res.body).toContain('href="/admin/multipliers?from=2025-01-01&amp;to=2025-12-31"');
  });

  it('shows human and machine opens and clicks side by side, never summed', async () => {
    const res = await viewer.get(`/admin/indicators?${period}`);
    const table = /<table class="data" id="mail-figures">([\s\S]*?)<\/table>/.exec(res.body)![1]!;
    expect(table).toContain('Öffnungen (Menschen)');
    expect(table).toContain('Öffnungen (Maschinen)');
    expect(table).toMatch(
      /1\. Frühjahr<\/a><\/th>\s*<td>01\.05\.2025<\/td>\s*<td class="number">1<\/td>\s*<td class="number">1<\/td>\s*<td class="number">2<\/td>\s*<td class="number">0<\/td>\s*<td class="number">1<\/td>/,
    );
  });

  it('lists the reach per district as a table, and registrations per event', async () => {
    const res = await viewer.get(`/admin/indicators?${period}`);
    expect(res.body).toMatch(/<th scope="row">Harz<\/th><td class="number">1<\/td>/);
    expect(res.body).toMatch(/<th scope="row">Magdeburg<\/th><td class="number">1<\/td>/);
    expect(res.body).toMatch(
      /Vereinsrecht &lt;kompakt&gt;<\/a><\/th>\s*<td>15\.03\.2025<\/td>\s*<td class="number">2<\/td>\s*<td class="number">1<\/td>\s*<td class="number">2<\/td>/,
    );
  });

  it('draws the charts: the map of the districts, roles, editions, events, sign-ups', async () => {
    const res = await viewer.get(`/admin/indicators?${period}`);
    for (const id of ['chart-subscribers', 'chart-regions', 'chart-editions', 'chart-events'])
      expect(res.body).toMatch(new RegExp(`<svg [^>]*id="${id}"[^>]*role="img"`));
    expect(res.body).toContain('<figcaption>Erreichte Menschen je Landkreis</figcaption>');
    expect(res.body).toContain('Harz: 1 Personen');
    expect(res.body).toContain('Vereinsrecht &lt;kompakt&gt; – Anwesend: 2 Personen');
  });

  it('comes back with the error next to a wrong day', async () => {
    const res = await viewer.get('/admin/indicators?from=2025-02-30&to=2025-12-31');
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/id="p-from"[^>]*aria-invalid="true"/);
    expect(res.body).toContain('id="p-from-error"');
  });
});

describe('the start page', () => {
  it('shows the indicators of the programme period against their targets', async () => {
    const res = await viewer.get('/admin');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Kennzahlen im Programmzeitraum');
    expect(res.body).toMatch(
      /Versendete Newsletter<\/span> <strong>0 von 7 Ausgaben<\/strong> <progress max="7" value="0"/,
    );
    expect(res.body).toContain('href="/admin/indicators?from=2017-03-01&amp;to=2017-12-31"');
  });
});

describe('the records as CSV', () => {
  it('downloads without personal data for everyone', async () => {
    const res = await viewer.get(`/admin/indicators/training-participants.csv?${period}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="training-participants-2025-01-01-2025-12-31.csv"',
    );
    expect(res.body.startsWith('\uFEFFAnmeldung (ID),')).toBe(true);
    expect(res.body).not.toContain('anna@example.org');
    expect(res.body.trim().split('\r\n')).toHaveLength(3);
  });

  it('adds names and addresses only for an admin who asks, with an audit entry', async () => {
    const refused = await viewer.get(`/admin/indicators/people-reached.csv?${period}&personal=1`);
    expect(refused.statusCode).toBe(403);
    const res = await admin.get(`/admin/indicators/people-reached.csv?${period}&personal=1`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('anna@example.org');
    expect(
      sql("select action, entity, entity_id from audit_log where entity = 'indicator'"),
    ).toEqual([{ action: 'export', entity: 'indicator', entity_id: 'people-reached' }]);
    const page = await admin.get(`/admin/indicators?${period}`);
    expect(page.body).toContain('mit personenbezogenen Daten');
  });

  it('answers 404 for an indicator that does not exist', async () => {
    expect((await viewer.get(`/admin/indicators/nothing.csv?${period}`)).statusCode).toBe(404);
  });
});

describe('the report as PDF', () => {
  it('downloads a PDF holding the indicator table', async () => {
    const res = await viewer.get(`/admin/report.pdf?${period}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = (await pdfPages(res.rawPayload)).join('\n');
    expect(text).toContain('Zeitraum: 01.01.2025 bis 31.12.2025');
    expect(text).toMatch(/Kennzahl Definition Wert Ziel Erreicht/);
    expect(text).toMatch(/Bildungsveranstaltungen in\s*den Zielregionen[\s\S]*?1 14 7 %/);
  });

  it('refuses a wrong period', async () => {
    expect((await viewer.get('/admin/report.pdf?from=2025-13-01')).statusCode).toBe(400);
  });
});

describe('the targets', () => {
  it('are for admins only', async () => {
    expect((await viewer.get('/admin/indicators/targets')).statusCode).toBe(403);
    const editor = await loginAs(t, 'editor');
    expect((await editor.get('/admin/indicators/targets')).statusCode).toBe(403);
    expect(
      (await editor.post('/admin/indicators/targets', { from: '2025-01-01' })).statusCode,
    ).toBe(403);
  });

  it('come back with the error next to the field and nothing saved', async () => {
    const form = await admin.get('/admin/indicators/targets');
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(
      /id="newsletters-target" name="newsletters-target" type="number"[^>]*value="7"/,
    );
    const res = await admin.post('/admin/indicators/targets', {
      from: '2025-01-01',
      to: '2025-12-31',
      'newsletters-label': 'Newsletter',
      'newsletters-target': 'sieben',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/id="newsletters-target"[^>]*value="sieben"[^>]*aria-invalid="true"/);
    expect(res.body).toContain('id="newsletters-target-error"');
    expect(res.body).toContain('href="#newsletters-target"');
    expect(sql('select * from indicator_targets')).toEqual([]);
  });

  it('refuse a form without its CSRF token', async () => {
    await admin.get('/admin/indicators/targets');
    const res = await admin.post('/admin/indicators/targets', { from: '2025-01-01' }, null);
    expect(res.statusCode).toBe(403);
  });

  it('save the targets and the programme period; the dashboard then uses them', async () => {
    const form = await admin.get('/admin/indicators/targets');
    const fields: Record<string, string> = { from: '2025-01-01', to: '2025-12-31' };
    for (const m of form.body.matchAll(/name="([a-z-]+-(?:label|target))"[^>]*value="([^"]*)"/g))
      fields[m[1]!] = m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    fields['training-events-target'] = '4';
    const res = await admin.post('/admin/indicators/targets', fields);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/indicators?notice=indicators.saved');
    expect(sql("select target from indicator_targets where key = 'training-events'")).toEqual([
      { target: 4 },
    ]);
    const page = await admin.get(res.headers.location as string);
    expect(page.body).toContain('Die Ziele sind gespeichert.');
    expect(page.body).toContain('value="2025-01-01"');
    expect(page.body).toContain('<strong>1 von 4 Veranstaltungen</strong>');
    expect(sql("select action from audit_log where entity = 'indicator-targets'")).toEqual([
      { action: 'update' },
    ]);
  });
});
