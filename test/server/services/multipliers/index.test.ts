/**
 * The multiplier view on a real SQLite file: a chain over three levels (Anna brought Bernd,
 * Bernd brought Clara), counts per person, region and role, the sources of the period's
 * sign-ups, names only for editors, and people who never confirmed or confirmed outside the
 * period left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../../server/services/context.js';
import {
  MultiplierService,
  type ChainNode,
} from '../../../../server/services/multipliers/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let service: MultiplierService;
const ids: Record<string, number> = {};
const year2026 = { from: '2026-01-01', to: '2026-12-31' };
const harz = '15085';
const boerde = '15083';

function person(
  key: string,
  opts: {
    name?: string;
    confirmedAt?: string | null;
    referredBy?: string;
    kind?: string;
    region?: string | null;
    roles?: string[];
  },
) {
  const sql = ctx.database.sqlite;
  const confirmedAt = opts.confirmedAt === undefined ? null : opts.confirmedAt;
  ids[key] = Number(
    sql
      .prepare(
        `insert into subscribers (email, name, status, confirmed_at, source_kind, referred_by, region_key)
         values (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        `${key}@example.org`,
        opts.name ?? key,
        confirmedAt ? 'confirmed' : 'unconfirmed',
        confirmedAt ? Date.parse(confirmedAt) : null,
        opts.kind ?? (opts.referredBy ? 'referral' : 'direct'),
        opts.referredBy ? ids[opts.referredBy] : null,
        opts.region ?? null,
      ).lastInsertRowid,
  );
  for (const role of opts.roles ?? [])
    sql
      .prepare('insert into subscriber_roles (subscriber_id, role_key) values (?, ?)')
      .run(ids[key], role);
}

/** A chain as nested names (or numbers), for comparing whole trees; registrations marked. */
const shape = (node: ChainNode): unknown => ({
  [(node.person.erased ? 'erased' : (node.person.name ?? `#${node.person.alias}`)) +
  (node.registeredFor ? ` (registered: ${node.registeredFor.join(', ')})` : '')]:
    node.children.map(shape),
});

beforeAll(() => {
  ctx = serviceTestContext();
  service = new MultiplierService(ctx as unknown as ServiceContext);
  person('anna', {
    name: 'Anna Anfang',
    confirmedAt: '2025-06-01T10:00:00Z',
    region: harz,
    roles: ['volunteer'],
  });
  person('bernd', {
    name: 'Bernd <b>Brücke</b>',
    confirmedAt: '2026-03-10T10:00:00Z',
    referredBy: 'anna',
    region: boerde,
    roles: ['staff'],
  });
  person('clara', {
    name: 'Clara',
    confirmedAt: '2026-04-02T10:00:00Z',
    referredBy: 'bernd',
    roles: ['volunteer', 'staff'],
  });
  // 00:30 on New Year's Day in Berlin: in the period, in January.
  person('emil', { name: 'Emil', confirmedAt: '2025-12-31T23:30:00Z', referredBy: 'anna' });
  // Recommended but never confirmed; confirmed after the period: neither counts.
  person('frank', { name: 'Frank', referredBy: 'anna' });
  person('gerd', { name: 'Gerd', confirmedAt: '2027-01-05T10:00:00Z', referredBy: 'bernd' });
  person('heike', { confirmedAt: '2026-05-01T10:00:00Z', kind: 'edition' });
  person('ines', { confirmedAt: '2026-05-02T10:00:00Z', kind: 'code' });

  const sql = ctx.database.sqlite;
  const eventId = Number(
    sql
      .prepare(
        "insert into events (type, title, starts_at, slug) values ('training', 'Fachtag', ?, 'fachtag')",
      )
      .run(Date.parse('2026-07-01T08:00:00Z')).lastInsertRowid,
  );
  const registration = sql.prepare(
    `insert into event_registrations (event_id, name, email, status, source_kind, referred_by, created_at)
     values (?, ?, ?, ?, 'referral', ?, ?)`,
  );
  const at = Date.parse('2026-06-10T10:00:00Z');
  registration.run(eventId, 'Jana', 'jana@example.org', 'registered', ids.clara, at);
  registration.run(eventId, 'Kai', 'kai@example.org', 'cancelled', ids.clara, at);
});

afterAll(() => ctx?.close());

describe('multiplier view', () => {
  it('counts confirmed sign-ups and registrations per recommending person', () => {
    const view = service.view(year2026, { role: 'editor' });
    expect(view.names).toBe(true);
    expect(view.multipliers.map((m) => [m.name, m.signups, m.registrations, m.regionName])).toEqual(
      [
        ['Anna Anfang', 2, 0, 'Harz'],
        ['Bernd <b>Brücke</b>', 1, 0, 'Börde'],
        ['Clara', 0, 1, null],
      ],
    );
    expect(view.totals).toEqual({ signups: 5, referralSignups: 3, registrations: 1 });
  });

  it('draws who brought whom, with the depth of the longest chain', () => {
    const view = service.view(year2026, { role: 'admin' });
    expect(view.chains).toHaveLength(1);
    const [chain] = view.chains;
    expect(chain!.depth).toBe(4);
    expect(chain!.brought).toBe(4);
    expect(view.depth).toBe(4);
    expect(shape(chain!.root)).toEqual({
      // In the order they confirmed; Jana registered for an event through Clara's link.
      'Anna Anfang': [
        { Emil: [] },
        { 'Bernd <b>Brücke</b>': [{ Clara: [{ 'Jana (registered: Fachtag)': [] }] }] },
      ],
    });
  });

  it('adds up per region and per role; a person with two roles counts under both', () => {
    const view = service.view(year2026, { role: 'editor' });
    const rows = (groups: typeof view.byRegion) =>
      groups.map((g) => [g.key, g.multipliers, g.signups, g.registrations]);
    expect(rows(view.byRegion)).toEqual([
      [harz, 1, 2, 0],
      [boerde, 1, 1, 0],
      [null, 1, 0, 1],
    ]);
    expect(rows(view.byRole)).toEqual([
      ['volunteer', 2, 2, 1],
      ['staff', 2, 1, 1],
    ]);
  });

  it('lists where the sign-ups of the period came from, every kind', () => {
    const { sources } = service.view(year2026, { role: 'viewer' });
    expect(Object.fromEntries(sources.map((s) => [s.kind, s.signups]))).toEqual({
      direct: 0,
      edition: 1,
      archive: 0,
      event: 0,
      referral: 3,
      code: 1,
    });
  });

  it('shows a viewer numbered people, never a name', () => {
    const view = service.view(year2026, { role: 'viewer' });
    expect(view.names).toBe(false);
    expect(view.multipliers.map((m) => [m.name, m.alias])).toEqual([
      [null, 1],
      [null, 2],
      [null, 3],
    ]);
    expect(JSON.stringify(view)).not.toMatch(/Anna|Bernd|Clara|Emil|example\.org/);
    expect(shape(view.chains[0]!.root)).toEqual({
      '#1': [{ '#4': [] }, { '#2': [{ '#3': [{ '#5 (registered: Fachtag)': [] }] }] }],
    });
  });

  it('counts the period in Berlin days: the next year starts without them', () => {
    const view = service.view({ from: '2027-01-01', to: '2027-12-31' }, { role: 'editor' });
    expect(view.multipliers.map((m) => [m.name, m.signups])).toEqual([['Bernd <b>Brücke</b>', 1]]);
    const december = service.view({ from: '2025-12-01', to: '2025-12-31' }, { role: 'editor' });
    expect(december.totals.referralSignups).toBe(0);
  });

  it('takes the period asked for, else the programme period, else this year', () => {
    expect(service.period({ from: '2026-02-01', to: '2026-02-28' })).toEqual({
      from: '2026-02-01',
      to: '2026-02-28',
    });
    const now = Date.parse('2026-08-01T12:00:00Z');
    expect(service.period({ from: '2026-02-30', to: '2026-03-01' }, now)).toEqual(year2026);
    expect(service.period({ from: '2026-03-01', to: '2026-02-01' }, now)).toEqual(year2026);
    ctx.database.sqlite
      .prepare(
        "insert into organisation_settings (id, programme_from, programme_to) values (1, '2025-09-01', '2027-08-31')",
      )
      .run();
    expect(service.period({}, now)).toEqual({ from: '2025-09-01', to: '2027-08-31' });
  });

  it('draws a cycle (which sign-ups cannot make) once, without going round', () => {
    const other = serviceTestContext();
    try {
      const cycle = new MultiplierService(other as unknown as ServiceContext);
      const sql = other.database.sqlite;
      const add = sql.prepare(
        `insert into subscribers (email, name, status, confirmed_at, source_kind)
         values (?, ?, 'confirmed', ?, 'referral')`,
      );
      const at = Date.parse('2026-05-01T10:00:00Z');
      const x = add.run('x@example.org', 'X', at).lastInsertRowid;
      const y = add.run('y@example.org', 'Y', at).lastInsertRowid;
      sql.prepare('update subscribers set referred_by = ? where id = ?').run(y, x);
      sql.prepare('update subscribers set referred_by = ? where id = ?').run(x, y);
      const view = cycle.view(year2026, { role: 'editor' });
      expect(view.multipliers.map((m) => [m.name, m.signups])).toEqual([
        ['X', 1],
        ['Y', 1],
      ]);
      expect(view.chains.map((c) => shape(c.root))).toEqual([{ X: [{ Y: [] }] }]);
      expect(view.depth).toBe(2);
    } finally {
      other.close();
    }
  });

  it('shows people who registered for events through a recommendation in the chain, marked', () => {
    const other = serviceTestContext();
    try {
      const chains = new MultiplierService(other as unknown as ServiceContext);
      const sql = other.database.sqlite;
      const add = sql.prepare(
        `insert into subscribers (email, name, status, confirmed_at, source_kind, referred_by)
         values (?, ?, 'confirmed', ?, ?, ?)`,
      );
      const anna = add.run(
        'anna@example.org',
        'Anna',
        Date.parse('2025-05-01'),
        'direct',
        null,
      ).lastInsertRowid;
      const clara = add.run(
        'clara@example.org',
        'Clara',
        Date.parse('2026-03-01T10:00:00Z'),
        'referral',
        anna,
      ).lastInsertRowid;
      const event = sql.prepare(
        'insert into events (type, title, starts_at, slug) values (?, ?, ?, ?)',
      );
      const meeting = event.run(
        'meeting',
        'Best-Practice-Treffen',
        Date.parse('2026-09-01'),
        'bp',
      ).lastInsertRowid;
      const training = event.run(
        'training',
        'Fachtag',
        Date.parse('2026-10-01'),
        'ft',
      ).lastInsertRowid;
      const register = sql.prepare(
        `insert into event_registrations (event_id, name, email, status, source_kind, referred_by, subscriber_id, created_at)
         values (?, ?, ?, 'registered', 'referral', ?, ?, ?)`,
      );
      const at = Date.parse('2026-06-10T10:00:00Z');
      // Dora registers twice through Anna without subscribing: one person, both events.
      register.run(meeting, 'Dora', 'dora@example.org', anna, null, at);
      register.run(training, 'Dora', 'Dora@Example.org', anna, null, at);
      // Clara, already brought by Anna as a subscriber, is not drawn a second time.
      register.run(meeting, 'Clara', 'clara@example.org', anna, clara, at);
      // Clara's own link brings Erik to the meeting: a third level.
      register.run(meeting, 'Erik', 'erik@example.org', clara, null, at);

      const view = chains.view(year2026, { role: 'editor' });
      expect(view.chains.map((c) => shape(c.root))).toEqual([
        {
          Anna: [
            { Clara: [{ 'Erik (registered: Best-Practice-Treffen)': [] }] },
            { 'Dora (registered: Best-Practice-Treffen, Fachtag)': [] },
          ],
        },
      ]);
      expect(view.chains[0]).toMatchObject({ depth: 3, brought: 3 });
      // Somebody who only registered has no subscriber page.
      const dora = view.chains[0]!.root.children[1]!;
      expect(dora.person).toMatchObject({ id: null, name: 'Dora', erased: false });
      // The people's rows count every registration, as before.
      expect(view.multipliers.map((m) => [m.name, m.signups, m.registrations])).toEqual([
        ['Anna', 1, 3],
        ['Clara', 0, 1],
      ]);

      const hidden = chains.view(year2026, { role: 'viewer' });
      expect(JSON.stringify(hidden.chains)).not.toMatch(/Anna|Clara|Dora|Erik|example\.org/);
      expect(hidden.chains.map((c) => shape(c.root))).toEqual([
        {
          '#1': [
            { '#2': [{ '#3 (registered: Best-Practice-Treffen)': [] }] },
            { '#4 (registered: Best-Practice-Treffen, Fachtag)': [] },
          ],
        },
      ]);
    } finally {
      other.close();
    }
  });

  it('keeps the recommendations of an erased person, as "erased"', () => {
    ctx.database.sqlite.prepare('delete from subscribers where id = ?').run(ids.anna);
    const view = service.view(year2026, { role: 'editor' });
    const erased = view.multipliers.find((m) => m.erased);
    expect(erased).toMatchObject({ id: null, name: null, signups: 2 });
    expect(shape(view.chains[0]!.root)).toEqual({
      erased: [
        { Emil: [] },
        { 'Bernd <b>Brücke</b>': [{ Clara: [{ 'Jana (registered: Fachtag)': [] }] }] },
      ],
    });
    expect(view.depth).toBe(4);
  });
});
