/**
 * Events on a real SQLite file: the one validator refuses what the form or the API must not
 * store, times are read as Berlin time, slugs stay unique, and pages run by start without gaps
 * or repeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import {
  EventService,
  berlinIso,
  validateEvent,
  type Event,
} from '../../../../server/services/events/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let service: EventService;
let editor: Actor;
let userId: number;

const valid = {
  type: 'training',
  title: 'Fördermittel für Dorfvereine',
  startsAt: '2026-05-04T10:00',
  endsAt: '2026-05-04T16:00+02:00',
  place: 'Dorfgemeinschaftshaus Hasselfelde',
  region: '15085',
  capacity: 20,
  registrationDeadline: '2026-04-30T23:59',
  description: 'Wer **Fördermittel** beantragen will: [Programm](https://example.org/p).',
  contact: 'Anna Beispiel, 03946 1234',
};

beforeAll(() => {
  // The migrations seed the regions (Landkreis Harz is 15085).
  ctx = serviceTestContext();
  service = new EventService(ctx);
  userId = Number(
    ctx.database.sqlite
      .prepare("insert into users (email, password_hash) values ('editor@example.org', 'x')")
      .run().lastInsertRowid,
  );
  editor = { kind: 'user', userId, email: 'editor@example.org', ip: '203.0.113.5' };
});

afterAll(() => ctx?.close());

const known = (key: string) => key === '15085';

describe('validateEvent', () => {
  it('reads a time without offset as Berlin time, in summer and in winter', () => {
    const summer = validateEvent(valid, known);
    expect(summer.errors).toEqual({});
    expect(summer.input.startsAt).toBe(Date.UTC(2026, 4, 4, 8, 0));
    expect(summer.input.endsAt).toBe(Date.UTC(2026, 4, 4, 14, 0));
    const winter = validateEvent(
      { ...valid, startsAt: '2026-12-01T18:00', endsAt: '', registrationDeadline: '' },
      known,
    );
    expect(winter.errors).toEqual({});
    expect(winter.input).toMatchObject({
      startsAt: Date.UTC(2026, 11, 1, 17, 0),
      endsAt: null,
      registrationDeadline: null,
    });
    expect(berlinIso(winter.input.startsAt)).toBe('2026-12-01T18:00+01:00');
  });

  it('names each wrong field', () => {
    const { errors } = validateEvent(
      {
        type: 'party',
        title: '',
        startsAt: '2026-02-30T10:00',
        endsAt: 'tomorrow',
        place: 'a\u0000b',
        online: 'maybe',
        region: 'atlantis',
        capacity: 0,
        registrationDeadline: '2026-13-01T10:00',
        description: '<script>alert(1)</script>',
        contact: '<b>x</b>',
      },
      known,
    );
    expect(errors).toEqual({
      type: 'events.errors.type',
      title: 'events.errors.title',
      startsAt: 'events.errors.time',
      endsAt: 'events.errors.time',
      registrationDeadline: 'events.errors.time',
      place: 'events.errors.place',
      online: 'events.errors.online',
      region: 'events.errors.region',
      capacity: 'events.errors.capacity',
      description: 'events.errors.description',
      contact: 'events.errors.contact',
    });
  });

  it('refuses an end before the start and a registration deadline after it', () => {
    const { errors } = validateEvent(
      { ...valid, endsAt: '2026-05-04T09:59', registrationDeadline: '2026-05-04T10:01' },
      known,
    );
    expect(errors).toEqual({
      endsAt: 'events.errors.endsBeforeStart',
      registrationDeadline: 'events.errors.deadlineAfterStart',
    });
  });

  it('wants a place or online, and takes form strings', () => {
    expect(validateEvent({ ...valid, place: '' }, known).errors).toEqual({
      place: 'events.errors.placeOrOnline',
    });
    const { input, errors } = validateEvent(
      { ...valid, place: '', online: 'on', capacity: ' 12 ', region: '' },
      known,
    );
    expect(errors).toEqual({});
    expect(input).toMatchObject({ place: null, online: true, capacity: 12, regionKey: null });
    expect(validateEvent({ ...valid, capacity: '2.5' }, known).errors).toEqual({
      capacity: 'events.errors.capacity',
    });
  });
});

describe('EventService', () => {
  let id: number;

  it('stores an event with a slug, who created it and an audit entry', () => {
    const result = service.create(valid, editor);
    expect(result.kind).toBe('saved');
    if (result.kind !== 'saved') return;
    id = result.event.id;
    const rows = ctx.sql<{ slug: string; starts_at: number; capacity: number; created_by: number }>(
      'select slug, starts_at, capacity, created_by from events where id = ?',
      id,
    );
    expect(rows).toEqual([
      {
        slug: '2026-05-04-foerdermittel-fuer-dorfvereine',
        starts_at: Date.UTC(2026, 4, 4, 8, 0),
        capacity: 20,
        created_by: userId,
      },
    ]);
    const audit = ctx.sql<{ action: string; actor: string }>(
      "select action, actor from audit_log where entity = 'event' and entity_id = ?",
      String(id),
    );
    expect(audit).toEqual([{ action: 'create', actor: 'editor@example.org' }]);
  });

  it('gives a second event of the same title and day its own slug', () => {
    const again = service.create(valid, editor);
    if (again.kind !== 'saved') throw new Error('not saved');
    expect(again.event.slug).toBe('2026-05-04-foerdermittel-fuer-dorfvereine-2');
    expect(service.findBySlug(again.event.slug)?.id).toBe(again.event.id);
  });

  it('stores nothing when a field is wrong', () => {
    const before = ctx.sql<{ n: number }>('select count(*) n from events')[0]!.n;
    const result = service.create({ ...valid, endsAt: '2026-05-03T10:00' }, editor);
    expect(result).toEqual({
      kind: 'invalid',
      errors: { endsAt: 'events.errors.endsBeforeStart' },
    });
    expect(ctx.sql<{ n: number }>('select count(*) n from events')[0]!.n).toBe(before);
  });

  it('changes only the given fields, keeps the slug, and checks the whole event', () => {
    const result = service.update(id, { capacity: null, title: 'Neuer Titel' }, editor);
    expect(result.kind).toBe('saved');
    if (result.kind !== 'saved') return;
    expect(result.event).toMatchObject({
      capacity: null,
      title: 'Neuer Titel',
      startsAt: Date.UTC(2026, 4, 4, 8, 0),
      slug: '2026-05-04-foerdermittel-fuer-dorfvereine',
    });
    // Moving the start before the registration deadline is refused.
    expect(service.update(id, { startsAt: '2026-04-20T10:00' }, editor)).toEqual({
      kind: 'invalid',
      errors: { registrationDeadline: 'events.errors.deadlineAfterStart' },
    });
    expect(service.update(999999, { title: 'x' }, editor)).toEqual({ kind: 'missing' });
  });

  it('deletes an event once', () => {
    const created = service.create({ ...valid, title: 'Zum Löschen' }, editor);
    if (created.kind !== 'saved') throw new Error('not saved');
    expect(service.delete(created.event.id, editor)).toBe(true);
    expect(service.find(created.event.id)).toBeUndefined();
    expect(service.delete(created.event.id, editor)).toBe(false);
  });
});

describe('pages and filters', () => {
  let fresh: ServiceTestContext;
  let calendar: EventService;

  beforeAll(() => {
    fresh = serviceTestContext();
    calendar = new EventService(fresh);
    // Several at the same time, created out of order, so the cursor needs start and id.
    const starts = [
      '2026-05-02T10:00',
      '2026-05-01T10:00',
      '2026-05-02T10:00',
      '2026-04-30T23:30',
      '2026-05-02T10:00',
      '2026-05-01T10:00',
    ];
    starts.forEach((startsAt, i) => {
      const saved = calendar.create(
        {
          type: i % 2 ? 'meeting' : 'training',
          title: `Termin ${i}`,
          startsAt,
          online: true,
          region: i < 3 ? '15085' : '',
        },
        { kind: 'cli' },
      );
      if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved));
    });
  });

  afterAll(() => fresh?.close());

  it('pages earliest first by start, each row once', () => {
    const seen: Event[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const result = calendar.list({ after, limit: 2 });
      if (result.kind !== 'page') throw new Error('cursor refused');
      seen.push(...result.page.items);
      after = result.page.next ?? undefined;
      if (!after) break;
    }
    expect(seen.map((e) => e.title)).toEqual([
      'Termin 3',
      'Termin 1',
      'Termin 5',
      'Termin 0',
      'Termin 2',
      'Termin 4',
    ]);
  });

  it('filters by Berlin day, type and region', () => {
    const titles = (query: Parameters<EventService['list']>[0]) => {
      const result = calendar.list(query);
      if (result.kind !== 'page') throw new Error(JSON.stringify(result));
      return result.page.items.map((e) => e.title);
    };
    // 23:30 on 30 April in Berlin is 21:30 UTC: it belongs to 30 April.
    expect(titles({ from: '2026-04-30', to: '2026-04-30' })).toEqual(['Termin 3']);
    expect(titles({ from: '2026-05-01', to: '2026-05-01' })).toEqual(['Termin 1', 'Termin 5']);
    expect(titles({ type: 'meeting' })).toEqual(['Termin 3', 'Termin 1', 'Termin 5']);
    expect(titles({ region: '15085' })).toEqual(['Termin 1', 'Termin 0', 'Termin 2']);
  });

  it('refuses a cursor it did not give out and a filter that is not one', () => {
    expect(calendar.list({ after: 'x.1' })).toEqual({
      kind: 'invalid',
      errors: { after: 'events.errors.after' },
    });
    expect(calendar.list({ from: '2026-02-30', type: 'party', region: 'atlantis' })).toEqual({
      kind: 'invalid',
      errors: {
        from: 'events.errors.day',
        type: 'events.errors.type',
        region: 'events.errors.region',
      },
    });
  });

  it('splits upcoming (earliest first) from past (latest first) at the Berlin day', () => {
    const now = Date.UTC(2026, 4, 1, 22, 30); // 2 May, 00:30 in Berlin
    expect(calendar.upcoming(now).map((e) => e.title)).toEqual([
      'Termin 0',
      'Termin 2',
      'Termin 4',
    ]);
    expect(calendar.past(now).map((e) => e.title)).toEqual(['Termin 5', 'Termin 1', 'Termin 3']);
  });
});
