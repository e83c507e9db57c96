/**
 * The counselling log on a real SQLite file: the one validator refuses what the form or the API
 * must not store, pages run newest first by day without gaps or repeats, and the period count
 * is what the consultations indicator reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import {
  ConsultationService,
  berlinToday,
  validateConsultation,
  type Consultation,
} from '../../../../server/services/consultations/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let service: ConsultationService;
let editor: Actor;
let userId: number;

const valid = {
  heldOn: '2026-03-04',
  kind: 'group',
  region: '15085',
  topic: 'Fördermittel für den Dorfladen',
  followUp: 'Antrag bis Mai\nzweites Gespräch im Juni',
  people: 4,
};

beforeAll(() => {
  // The migrations seed the regions (Landkreis Harz is 15085).
  ctx = serviceTestContext();
  service = new ConsultationService(ctx);
  userId = Number(
    ctx.database.sqlite
      .prepare("insert into users (email, password_hash) values ('editor@example.org', 'x')")
      .run().lastInsertRowid,
  );
  editor = { kind: 'user', userId, email: 'editor@example.org', ip: '203.0.113.5' };
});

afterAll(() => ctx?.close());

const known = (key: string) => key === '15085';

describe('validateConsultation', () => {
  it('accepts a complete consultation and trims it', () => {
    const { input, errors } = validateConsultation(
      { ...valid, topic: '  Vereinsgründung  ', people: '3' },
      known,
      '2026-11-30',
    );
    expect(errors).toEqual({});
    expect(input).toMatchObject({ topic: 'Vereinsgründung', people: 3, regionKey: '15085' });
  });

  it('names each wrong field', () => {
    const { errors } = validateConsultation(
      {
        heldOn: '2026-02-30',
        kind: 'family',
        region: 'atlantis',
        topic: '',
        followUp: 'x'.repeat(2001),
        people: 0,
      },
      known,
      '2026-11-30',
    );
    expect(errors).toEqual({
      heldOn: 'consultations.errors.heldOn',
      kind: 'consultations.errors.kind',
      region: 'consultations.errors.region',
      topic: 'consultations.errors.topic',
      followUp: 'consultations.errors.followUp',
      people: 'consultations.errors.people',
    });
  });

  it('refuses control characters, markup and a day after today in Berlin', () => {
    const { errors } = validateConsultation(
      { ...valid, heldOn: '2026-12-01', topic: 'a\u0000b', followUp: '<script>', people: '2.5' },
      known,
      '2026-11-30',
    );
    expect(Object.keys(errors).sort()).toEqual(['followUp', 'heldOn', 'people', 'topic']);
    expect(errors.heldOn).toBe('consultations.errors.heldOnFuture');
  });

  it('takes one person when none is given, and no region when it is empty', () => {
    const { input, errors } = validateConsultation(
      { heldOn: '2026-11-30', kind: 'person', region: '', topic: 'Ehrenamt', people: '' },
      known,
      '2026-11-30',
    );
    expect(errors).toEqual({});
    expect(input).toMatchObject({ people: 1, regionKey: null, followUp: '' });
  });

  it('knows the Berlin day around midnight', () => {
    // 23:30 UTC on 31 March is already 1 April in Berlin (summer time).
    expect(berlinToday(Date.UTC(2026, 2, 31, 23, 30))).toBe('2026-04-01');
    expect(berlinToday(Date.UTC(2026, 0, 31, 22, 59))).toBe('2026-01-31');
  });
});

describe('ConsultationService', () => {
  let id: number;

  it('records a consultation with who recorded it and an audit entry', () => {
    const result = service.create(valid, editor);
    expect(result.kind).toBe('saved');
    if (result.kind !== 'saved') return;
    id = result.consultation.id;
    const rows = ctx.sql<{ held_on: string; kind: string; people: number; created_by: number }>(
      'select held_on, kind, people, created_by from consultations where id = ?',
      id,
    );
    expect(rows).toEqual([{ held_on: '2026-03-04', kind: 'group', people: 4, created_by: userId }]);
    const audit = ctx.sql<{ action: string; actor: string }>(
      "select action, actor from audit_log where entity = 'consultation' and entity_id = ?",
      String(id),
    );
    expect(audit).toEqual([{ action: 'create', actor: 'editor@example.org' }]);
  });

  it('stores nothing when a field is wrong', () => {
    const before = ctx.sql<{ n: number }>('select count(*) n from consultations')[0]!.n;
    const result = service.create({ ...valid, topic: '' }, editor);
    expect(result).toEqual({ kind: 'invalid', errors: { topic: 'consultations.errors.topic' } });
    expect(ctx.sql<{ n: number }>('select count(*) n from consultations')[0]!.n).toBe(before);
  });

  it('changes only the given fields, clears the region with null, and audits it', () => {
    const result = service.update(id, { people: 6, region: null }, editor);
    expect(result.kind).toBe('saved');
    if (result.kind !== 'saved') return;
    expect(result.consultation).toMatchObject({
      people: 6,
      regionKey: null,
      topic: valid.topic,
      heldOn: valid.heldOn,
    });
    expect(service.update(id, { kind: 'club' }, editor)).toEqual({
      kind: 'invalid',
      errors: { kind: 'consultations.errors.kind' },
    });
    expect(service.update(999999, { people: 2 }, editor)).toEqual({ kind: 'missing' });
  });

  it('deletes a consultation once', () => {
    const created = service.create({ ...valid, heldOn: '2026-01-02' }, editor);
    if (created.kind !== 'saved') throw new Error('not saved');
    expect(service.delete(created.consultation.id, editor)).toBe(true);
    expect(service.find(created.consultation.id)).toBeUndefined();
    expect(service.delete(created.consultation.id, editor)).toBe(false);
  });
});

describe('pages and the period count', () => {
  let fresh: ServiceTestContext;
  let log: ConsultationService;

  beforeAll(() => {
    fresh = serviceTestContext();
    log = new ConsultationService(fresh);
    // Several on the same day, recorded out of order, so the cursor needs day and id.
    const days = [
      '2026-05-02',
      '2026-05-01',
      '2026-05-02',
      '2026-04-30',
      '2026-05-02',
      '2026-05-01',
    ];
    days.forEach((heldOn, i) =>
      log.create(
        {
          heldOn,
          kind: i % 2 ? 'person' : 'association',
          region: i < 3 ? '15085' : '',
          topic: `Beratung ${i}`,
          people: i + 1,
        },
        { kind: 'cli' },
      ),
    );
  });

  afterAll(() => fresh?.close());

  it('pages newest first by day, each row once', () => {
    const seen: Consultation[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const result = log.list({ after, limit: 2 });
      if (result.kind !== 'page') throw new Error('cursor refused');
      const { page } = result;
      seen.push(...page.items);
      if (!page.next) break;
      after = page.next;
    }
    expect(seen.map((c) => c.topic)).toEqual([
      'Beratung 4',
      'Beratung 2',
      'Beratung 0',
      'Beratung 5',
      'Beratung 1',
      'Beratung 3',
    ]);
  });

  it('filters by period, kind and region; refuses a cursor it did not give out, a non-day, an unknown region', () => {
    const topics = (filter: Parameters<ConsultationService['list']>[0]) => {
      const result = log.list(filter);
      if (result.kind !== 'page') throw new Error('filter refused');
      return result.page.items.map((c) => c.topic);
    };
    expect(topics({ from: '2026-05-01', to: '2026-05-01', kind: 'person' })).toEqual([
      'Beratung 5',
      'Beratung 1',
    ]);
    expect(topics({ regionKey: '15085' })).toHaveLength(3);
    expect(log.list({ after: '42' })).toEqual({
      kind: 'invalid',
      errors: { after: 'consultations.errors.after' },
    });
    expect(log.list({ after: '2026-02-30.1', from: '2026-13-01', regionKey: 'atlantis' })).toEqual({
      kind: 'invalid',
      errors: {
        after: 'consultations.errors.after',
        from: 'consultations.errors.day',
        region: 'consultations.errors.region',
      },
    });
  });

  it('counts consultations and people in a period, both days included', () => {
    expect(log.count({ from: '2026-05-01', to: '2026-05-02' })).toEqual({
      consultations: 5,
      people: 1 + 2 + 3 + 5 + 6,
    });
    expect(log.count({ from: '2026-04-30', to: '2026-04-30' })).toEqual({
      consultations: 1,
      people: 4,
    });
    expect(log.count({ from: '2027-01-01', to: '2027-12-31' })).toEqual({
      consultations: 0,
      people: 0,
    });
    expect(log.count()).toEqual({ consultations: 6, people: 21 });
  });
});
