/**
 * The funder's indicators on a real SQLite file: each counts exactly what its definition says,
 * and rows that look alike but must not count (a planned training, one without attendance, a
 * meeting of 20 from one region, a cancelled registration, a draft campaign) stay out. Targets
 * come from the shipped defaults until the organisation saves its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import { IndicatorService, type Indicator } from '../../../../server/services/indicators/index.js';
import { OrganisationService } from '../../../../server/services/organisation/index.js';
import { IndicatorRows } from '../../../helpers/indicators.js';
import { pdfPages } from '../../../helpers/pdf.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let service: IndicatorService;
let rows: IndicatorRows;
let admin: Actor;

const year = { from: '2026-01-01', to: '2026-12-31' };
const now = IndicatorRows.at('2026-11-30T12:00');
const value = (list: Indicator[], key: string) => list.find((i) => i.key === key)!.value;

beforeAll(() => {
  ctx = serviceTestContext();
  service = new IndicatorService(ctx, new OrganisationService(ctx));
  rows = new IndicatorRows(ctx.database.sqlite);
  const userId = Number(
    ctx.database.sqlite
      .prepare("insert into users (email, password_hash) values ('admin@example.org', 'x')")
      .run().lastInsertRowid,
  );
  admin = { kind: 'user', userId, email: 'admin@example.org' };
});

afterAll(() => ctx?.close());

describe('newsletters sent', () => {
  let first: number;

  beforeAll(() => {
    first = rows.edition(1, 'Frühjahr');
    const c = rows.campaign(first, 'sent', '2026-03-10T09:30');
    rows.delivery(c, first);
    rows.delivery(c, first);
    rows.delivery(c, first, 'bounced');
    // Sent twice (a second campaign for newcomers): one edition.
    const twice = rows.edition(2, 'Sommer');
    rows.campaign(twice, 'sent', '2026-04-05T10:00');
    rows.campaign(twice, 'sent', '2026-06-01T10:00');
    // A draft, a cancelled and a running campaign: not sent.
    rows.campaign(rows.edition(3), 'draft');
    rows.campaign(rows.edition(4), 'cancelled', '2026-05-01T10:00');
    rows.campaign(rows.edition(5), 'sending');
    // First sent before the period: it counts there, not again in this one.
    const earlier = rows.edition(6, 'Winter');
    rows.campaign(earlier, 'sent', '2025-12-20T10:00');
    rows.campaign(earlier, 'sent', '2026-02-01T10:00');
  });

  it('counts editions whose first finished campaign falls in the period, once each', () => {
    const evidence = service.evidence(year, now);
    expect(evidence.newsletters.map((e) => e.title)).toEqual(['Frühjahr', 'Sommer']);
    expect(evidence.newsletters[0]).toMatchObject({ delivered: 2 });
    expect(value(service.values(year, now), 'newsletters')).toBe(2);
    expect(
      value(service.values({ from: '2025-12-01', to: '2025-12-31' }, now), 'newsletters'),
    ).toBe(1);
  });

  it('counts human and machine opens and clicks per edition apart', () => {
    const c = rows.campaign(first, 'sent', '2026-03-11T09:30');
    const d = rows.delivery(c, first);
    rows.tracking(c, 'open', 'human', d);
    rows.tracking(c, 'open', 'human', d);
    rows.tracking(c, 'open', 'human');
    rows.tracking(c, 'open', 'machine');
    rows.tracking(c, 'click', 'human', d);
    rows.tracking(c, 'click', 'scanner');
    rows.tracking(c, 'click', 'scanner');
    const edition = service.figures(year, now).editions.find((e) => e.title === 'Frühjahr')!;
    expect(edition.opens).toEqual({ human: 3, machine: 1, uniqueHuman: 1 });
    expect(edition.clicks).toEqual({ human: 1, scanner: 2, uniqueHuman: 1 });
  });
});

describe('training events and participants', () => {
  beforeAll(() => {
    const march = rows.event({
      type: 'training',
      title: 'Vereinsrecht',
      startsAt: '2026-03-15T10:00',
      recorded: true,
      region: '15085',
    });
    rows.registration(march, {
      email: 'anna@example.org',
      present: true,
      region: '15085',
      role: 'volunteer',
    });
    rows.registration(march, { email: 'ben@example.org', present: true, region: '15003' });
    rows.registration(march, { email: 'carla@example.org', present: false });
    // Cancelled, even if somebody ticked it: does not count.
    rows.registration(march, { email: 'dora@example.org', status: 'cancelled', present: true });
    rows.registration(march, { email: 'emil@example.org', status: 'waiting' });
    // A walk-in without an e-mail address counts by the registration.
    rows.registration(march, {
      email: null,
      name: 'Gast ohne Adresse',
      present: true,
      walkIn: true,
    });

    const may = rows.event({
      type: 'training',
      title: 'Fördermittel',
      startsAt: '2026-05-10T10:00',
      recorded: true,
    });
    rows.registration(may, { email: 'anna@example.org', present: true });
    rows.registration(may, { email: 'fritz@example.org', present: true });

    // Not held as the definition says: planned, attendance not recorded, not a training.
    const planned = rows.event({
      type: 'training',
      title: 'Geplant',
      startsAt: '2026-12-10T10:00',
      recorded: true,
    });
    rows.registration(planned, { email: 'gina@example.org', present: true });
    const unrecorded = rows.event({
      type: 'training',
      title: 'Ohne Liste',
      startsAt: '2026-06-01T10:00',
    });
    rows.registration(unrecorded, { email: 'hugo@example.org', present: true });
    const other = rows.event({
      type: 'other',
      title: 'Sommerfest',
      startsAt: '2026-07-01T15:00',
      recorded: true,
    });
    rows.registration(other, { email: 'ida@example.org', present: true });
  });

  it('counts trainings held (in the past, attendance recorded) and nothing else', () => {
    const evidence = service.evidence(year, now);
    expect(evidence.trainings.map((e) => e.title)).toEqual(['Vereinsrecht', 'Fördermittel']);
    expect(value(service.values(year, now), 'training-events')).toBe(2);
  });

  it('counts distinct present people once, walk-ins without address by registration', () => {
    const counted = service
      .evidence(year, now)
      .trainingAttendees.filter((a) => a.first)
      .map((a) => a.email ?? a.name);
    expect(counted).toEqual([
      'anna@example.org',
      'ben@example.org',
      'Gast ohne Adresse',
      'fritz@example.org',
    ]);
    expect(value(service.values(year, now), 'training-participants')).toBe(4);
  });

  it('shows the trend as the cumulative value at each month end', () => {
    const trend = service.values(year, now).find((i) => i.key === 'training-events')!.trend;
    expect(trend).toHaveLength(12);
    expect(trend.map((t) => t.value)).toEqual([0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  });
});

describe('best-practice meetings', () => {
  beforeAll(() => {
    const counts = rows.event({
      type: 'meeting',
      title: 'Treffen Nord',
      startsAt: '2026-09-01T10:00',
      recorded: true,
    });
    rows.present(counts, 20, ['15081', '15090'], 'nord');
    const oneRegion = rows.event({
      type: 'meeting',
      title: 'Treffen Harz',
      startsAt: '2026-09-15T10:00',
      recorded: true,
    });
    rows.present(oneRegion, 20, ['15085'], 'harz');
    const tooFew = rows.event({
      type: 'meeting',
      title: 'Treffen Süd',
      startsAt: '2026-10-01T10:00',
      recorded: true,
    });
    rows.present(tooFew, 19, ['15084', '15088', '15002'], 'sued');
    const planned = rows.event({
      type: 'meeting',
      title: 'Treffen Winter',
      startsAt: '2026-12-05T10:00',
      recorded: true,
    });
    rows.present(planned, 25, ['15081', '15090'], 'winter');
  });

  it('counts meetings with at least 20 present from at least 2 regions', () => {
    const meetings = service.evidence(year, now).meetings;
    expect(meetings.map((m) => [m.event.title, m.people, m.regions.length, m.counts])).toEqual([
      ['Treffen Nord', 20, 2, true],
      ['Treffen Harz', 20, 1, false],
      ['Treffen Süd', 19, 3, false],
    ]);
    expect(value(service.values(year, now), 'best-practice-meetings')).toBe(1);
  });
});

describe('consultations', () => {
  it('counts the log entries whose day is in the period, both ends included', () => {
    rows.consultation('2025-12-31');
    rows.consultation('2026-01-01', 'group');
    rows.consultation('2026-12-31', 'association');
    rows.consultation('2027-01-01');
    expect(value(service.values(year, now), 'counselling')).toBe(2);
  });
});

describe('people reached', () => {
  beforeAll(() => {
    // Also present at a training: counted once.
    rows.subscriber({
      email: 'anna@example.org',
      confirmedAt: '2026-02-01T08:00',
      region: '15085',
      roles: ['volunteer', 'staff'],
    });
    // Unsubscribed later: still reached in the period.
    rows.subscriber({
      email: 'zora@example.org',
      confirmedAt: '2026-07-01T08:00',
      unsubscribedAt: '2026-08-01T08:00',
      sourceKind: 'referral',
      roles: ['staff'],
    });
    rows.subscriber({ email: 'never@example.org' });
    rows.subscriber({ email: 'old@example.org', confirmedAt: '2025-11-01T08:00' });
  });

  it('counts distinct people across confirmations and attendance, consultations add nobody', () => {
    const reached = service.evidence(year, now).reached;
    const keys = reached.map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('anna@example.org');
    expect(keys).toContain('zora@example.org');
    expect(keys).toContain('ida@example.org');
    expect(keys).not.toContain('never@example.org');
    expect(keys).not.toContain('old@example.org');
    expect(keys).not.toContain('dora@example.org');
    expect(keys).not.toContain('gina@example.org');
    expect(keys).not.toContain('hugo@example.org');
    // anna, zora; ben, the walk-in, fritz, ida; 20 + 20 + 19 at the meetings.
    expect(reached).toHaveLength(65);
    expect(value(service.values(year, now), 'people-reached')).toBe(65);
  });

  it('gives the charts: subscribers over time, reach by region and role, referrals per month', () => {
    const figures = service.figures(year, now);
    const confirmed = figures.subscribers.map((s) => s.confirmed);
    expect(confirmed.slice(0, 8)).toEqual([1, 2, 2, 2, 2, 2, 3, 2]);
    expect(figures.reachByRegion.find((r) => r.regionKey === '15085')).toEqual({
      regionKey: '15085',
      people: 21,
    });
    expect(figures.reachByRole.find((r) => r.roleKey === 'staff')).toEqual({
      roleKey: 'staff',
      people: 2,
    });
    expect(figures.referrals.find((r) => r.month === '2026-07')).toEqual({
      month: '2026-07',
      signups: 1,
    });
    const march = figures.events.find((e) => e.title === 'Vereinsrecht')!;
    expect(march).toMatchObject({ registered: 4, waiting: 1, present: 3 });
  });
});

describe('targets', () => {
  it('ships the defaults of the model project with its period', () => {
    expect(service.programmePeriod()).toEqual({ from: '2017-03-01', to: '2017-12-31' });
    expect(service.targets().map((t) => [t.key, t.target])).toEqual([
      ['training-events', 14],
      ['training-participants', 140],
      ['best-practice-meetings', 2],
      ['counselling', 15],
      ['newsletters', 7],
      ['people-reached', 180],
    ]);
    expect(service.period({})).toEqual({
      kind: 'period',
      period: { from: '2017-03-01', to: '2017-12-31' },
    });
  });

  it('refuses a wrong target or period and saves nothing', () => {
    const result = service.saveTargets(
      {
        from: '2026-13-01',
        to: '2026-12-31',
        targets: { newsletters: { label: '', target: '-3' }, counselling: { target: 'viele' } },
      },
      admin,
    );
    expect(result).toEqual({
      kind: 'invalid',
      errors: {
        from: 'indicators.errors.day',
        'newsletters.label': 'indicators.errors.label',
        'newsletters.target': 'indicators.errors.target',
        'counselling.target': 'indicators.errors.target',
      },
    });
    expect(ctx.sql('select * from indicator_targets')).toEqual([]);
  });

  it('saves own targets and the programme period, with an audit entry', () => {
    const result = service.saveTargets(
      {
        from: '2026-01-01',
        to: '2026-12-31',
        targets: { newsletters: { label: 'Newsletter', target: '10' } },
      },
      admin,
    );
    expect(result).toEqual({ kind: 'saved' });
    expect(service.programmePeriod()).toEqual(year);
    const newsletters = service.values(year, now).find((i) => i.key === 'newsletters')!;
    expect(newsletters).toMatchObject({ label: 'Newsletter', target: 10, value: 2, progress: 0.2 });
    expect(
      ctx.sql<{ actor: string; entity: string }>(
        "select actor, entity from audit_log where action = 'update' and entity = 'indicator-targets'",
      ),
    ).toEqual([{ actor: 'admin@example.org', entity: 'indicator-targets' }]);
  });

  it('refuses a period that ends before it starts', () => {
    expect(service.period({ from: '2026-05-01', to: '2026-04-30' })).toEqual({
      kind: 'invalid',
      errors: { to: 'indicators.errors.toBeforeFrom' },
    });
  });
});

describe('the records as CSV', () => {
  it('lists the records without personal data, safe for spreadsheets', () => {
    rows.consultation('2026-03-03');
    ctx.database.sqlite
      .prepare(
        "update consultations set topic = '=HYPERLINK(\"http://x\")' where held_on = '2026-03-03'",
      )
      .run();
    const csv = service.csv('counselling', year, false, admin, now);
    expect(csv.startsWith('\uFEFFBeratung (ID),Datum,Art,Region,Thema,Personen\r\n')).toBe(true);
    expect(csv).toContain(`,03.03.2026,Einzelperson,,"'=HYPERLINK(""http://x"")",1\r\n`);
    const participants = service.csv('training-participants', year, false, admin, now);
    expect(participants).not.toContain('anna@example.org');
    expect(participants.trim().split('\r\n')).toHaveLength(1 + 5);
  });

  it('adds names and addresses only when asked, and audits that download', () => {
    const csv = service.csv('people-reached', year, true, admin, now);
    expect(csv.split('\r\n')[0]).toBe('\uFEFFQuelle,ID,Region,Rollen,Name,E-Mail');
    expect(csv).toContain('anna@example.org');
    expect(
      ctx.sql<{ entity_id: string; details: string }>(
        "select entity_id, details from audit_log where action = 'export' and entity = 'indicator'",
      ),
    ).toEqual([
      {
        entity_id: 'people-reached',
        details: JSON.stringify({ format: 'csv', personal: true, period: year }),
      },
    ]);
  });
});

describe('the report as PDF', () => {
  it('holds the indicator table with values, targets and definitions', async () => {
    const pdf = await service.report(year, now);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = await pdfPages(pdf);
    expect(pages[0]).toContain('Bericht zu den Kennzahlen');
    expect(pages[0]).toContain('Zeitraum: 01.01.2026 bis 31.12.2026');
    const text = pages.join('\n');
    expect(text).toMatch(/Best-Practice-\s*Treffen[\s\S]*?1 2 50 %/);
    expect(text).toMatch(/Newsletter [\s\S]*?2 10 20 %/);
    expect(text.replace(/\s+/g, ' ')).toContain(
      'Verschiedene Personen, die bei diesen Schulungen als anwesend erfasst sind',
    );
    expect(text).toContain('Vereinsrecht');
    expect(text).toContain('Erreichte Menschen je Landkreis und je Rolle');
    expect(text).toContain('Öffnungen und Klicks je Ausgabe');
    expect(text).toContain('GeoBasis-DE');
    expect(text).toMatch(/\nHarz 21 ?\n/);
    expect(pages.at(-1)).toContain(`Seite ${pages.length} von ${pages.length}`);
  });

  it('prints the column headings of the event table whole, no word broken apart', async () => {
    const text = (await pdfPages(await service.report(year, now))).join('\n');
    expect(text).toMatch(/Veranstaltung Datum Art Region Angemeldet\s+Anwesend/);
  });

  it('prints from how many regions the people present at each event came', async () => {
    const text = (await pdfPages(await service.report(year, now))).join('\n');
    expect(text).toMatch(/Veranstaltung Datum Art Region Angemeldet\s+Anwesend\s+Regionen/);
    // Registered, present, regions: 20 from two regions, 20 from one, 19 from three.
    expect(text).toMatch(/Treffen Nord 01\.09\.2026 Treffen 20 20 2\s/);
    expect(text).toMatch(/Treffen Harz 15\.09\.2026 Treffen 20 20 1\s/);
    expect(text).toMatch(/Treffen Süd 01\.10\.2026 Treffen 19 19 3\s/);
    expect(text).toContain('mindestens 20 Personen aus mindestens 2 Regionen anwesend');
  });

  it('prints the consultations by kind and by region', async () => {
    rows.consultation('2026-02-03', 'group', '15085', 6);
    rows.consultation('2026-02-04', 'person', '15085');
    try {
      const text = (await pdfPages(await service.report(year, now))).join('\n');
      expect(text).toContain('Beratungen nach Art und Region');
      // Earlier in this file: a person, a group and an association, no region, one person each.
      expect(text).toMatch(
        /Art Beratungen Personen\s*\nEinzelperson 2 2\nGruppe 2 7\nVerein 1 1\s*\n/,
      );
      expect(text).toMatch(
        /Landkreis \/ Region Beratungen Personen\s*\nOhne Angabe 3 3\nHarz 2 7\s*\n/,
      );
    } finally {
      ctx.database.sqlite
        .prepare("delete from consultations where held_on like '2026-02-0%'")
        .run();
    }
  });

  it('names the organisation, its project, its line and the funder on the title page and every page', async () => {
    const settings = ctx.database.sqlite;
    settings
      .prepare(
        `insert into organisation_settings (id, name, project, tagline, funder_attribution)
         values (1, 'Netzwerk Land', 'Integrationspotentiale im ländlichen Raum nutzen',
           'Beratung und Schulung', 'Gefördert vom Land Sachsen-Anhalt')
         on conflict (id) do update set name = excluded.name, project = excluded.project,
           tagline = excluded.tagline, funder_attribution = excluded.funder_attribution`,
      )
      .run();
    try {
      const pages = await pdfPages(await service.report(year, now));
      expect(pages[0]).toMatch(
        /^Netzwerk Land\s*\nIntegrationspotentiale im ländlichen Raum nutzen\s*\nBeratung und Schulung\s*\nBericht zu den Kennzahlen/,
      );
      expect(pages[0]).toContain('Gefördert vom Land Sachsen-Anhalt');
      for (const page of pages.slice(1))
        expect(page).toContain(
          'Netzwerk Land · Bericht zu den Kennzahlen 01.01.2026 bis 31.12.2026',
        );
    } finally {
      settings.prepare('delete from organisation_settings').run();
    }
  });

  it('says trainings count when they began before the report was made, not "before today"', async () => {
    const text = (await pdfPages(await service.report(year, now))).join('\n').replace(/\s+/g, ' ');
    expect(text).not.toContain('heute');
    expect(text).toContain('vor dem Zeitpunkt der Auswertung (im Bericht: „Erstellt am“)');
    expect(text).toContain('Erstellt am 30.11.2026');
  });
});

describe('the charts in the report', () => {
  it('packs the charts in the order of the dashboard: the first under the table, then two or more to a page', async () => {
    const titles = service.charts(service.figures(year, now), 'de').map((c) => c.title);
    expect(titles.length).toBeGreaterThanOrEqual(5);
    const pages = await pdfPages(await service.report(year, now));
    const lines = pages.map((page) => page.split('\n').map((line) => line.trim()));
    const headingLines = lines.map((onPage) => onPage.filter((line) => titles.includes(line)));
    // Each chart once, in order.
    expect(headingLines.flat()).toEqual(titles);
    // The room under the indicator table takes the first chart.
    const tablePage = lines.findIndex((onPage) => onPage.includes('Kennzahlen'));
    expect(headingLines[tablePage]).toEqual([titles[0]]);
    // After it no page holds a lone chart, except perhaps the last of them.
    const withCharts = headingLines.slice(tablePage + 1).filter((onPage) => onPage.length > 0);
    for (const onPage of withCharts.slice(0, -1)) expect(onPage.length).toBeGreaterThanOrEqual(2);
    expect(withCharts.length).toBeLessThanOrEqual(Math.ceil((titles.length - 1) / 2));
  });
});
