/**
 * Attendance on a real SQLite file: the list holds registered people and walk-ins by name (not
 * the cancelled or waiting), marking is one transaction that refuses ids of another event,
 * nothing is recorded before the event's day (Berlin time), and a walk-in whose address had
 * registered becomes that registration instead of a second row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttendanceService } from '../../../../server/services/attendance/index.js';
import type { Actor } from '../../../../server/services/context.js';
import { EventService } from '../../../../server/services/events/index.js';
import { OrganisationService } from '../../../../server/services/organisation/index.js';
import { insertRegistrations } from '../../../helpers/registrations.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let service: AttendanceService;
let events: EventService;
let staff: Actor;
let userId: number;

interface Row {
  id: number;
  name: string;
  email: string | null;
  status: string;
  present: number | null;
  attendance_at: number | null;
  attendance_by: number | null;
  walk_in: number;
  consent_source: string | null;
  organisation: string;
  region_key: string | null;
  role_key: string | null;
}
const rows = (eventId: number) =>
  ctx.sql<Row>('select * from event_registrations where event_id = ? order by id', eventId);
const recordedAt = (eventId: number) =>
  ctx.sql<{ at: number | null }>(
    'select attendance_recorded_at at from events where id = ?',
    eventId,
  )[0]!.at;

/** 4 May 2026, 10:00 in Berlin (summer time) is 08:00 UTC. */
const START = Date.UTC(2026, 4, 4, 8, 0);
const DAY_BEFORE_LATE = Date.UTC(2026, 4, 3, 21, 30); // 23:30 in Berlin, 3 May
const SAME_DAY_EARLY = Date.UTC(2026, 4, 3, 22, 30); // 00:30 in Berlin, 4 May

function createEvent(title: string): number {
  const result = events.create(
    { type: 'training', title, startsAt: '2026-05-04T10:00', place: 'Thale' },
    staff,
  );
  if (result.kind !== 'saved') throw new Error('event not saved');
  return result.event.id;
}

beforeAll(() => {
  ctx = serviceTestContext();
  service = new AttendanceService(ctx, new OrganisationService(ctx));
  events = new EventService(ctx);
  userId = Number(
    ctx.database.sqlite
      .prepare("insert into users (email, password_hash) values ('staff@example.org', 'x')")
      .run().lastInsertRowid,
  );
  staff = { kind: 'user', userId, email: 'staff@example.org', ip: '203.0.113.5' };
});

afterAll(() => ctx?.close());

describe('the attendance list', () => {
  it('holds registered people by name, without the cancelled and the waiting', () => {
    const eventId = createEvent('Liste');
    insertRegistrations(ctx.database, eventId, [
      { name: 'Zora Weiß' },
      { name: 'ärger Anna' },
      { name: 'Bernd Storno', status: 'cancelled' },
      { name: 'Carla Warteliste', status: 'waiting' },
      { name: 'Олена Коваленко' },
      { name: 'Ahmad' },
    ]);
    const list = service.list(eventId, START)!;
    expect(list.attendees.map((a) => a.name)).toEqual([
      'Ahmad',
      'ärger Anna',
      'Zora Weiß',
      'Олена Коваленко',
    ]);
    expect(list).toMatchObject({ present: 0, registered: 4, opensOn: '2026-05-04', open: true });
    expect(service.list(eventId, DAY_BEFORE_LATE)!.open).toBe(false);
    expect(service.list(eventId, SAME_DAY_EARLY)!.open).toBe(true);
    expect(service.list(999_999)).toBeUndefined();
  });
});

describe('recording who came', () => {
  it('marks present and absent in one go, with the time, the user and an audit entry', () => {
    const eventId = createEvent('Markieren');
    const [a, b, c] = insertRegistrations(ctx.database, eventId, [
      { name: 'A' },
      { name: 'B' },
      { name: 'C' },
    ]);
    const result = service.record(eventId, { present: [a!, b!], absent: [c!] }, staff, START);
    expect(result).toEqual({ kind: 'recorded', updated: 3, present: 2, registered: 3 });
    expect(rows(eventId).map((r) => [r.present, r.attendance_at, r.attendance_by])).toEqual([
      [1, START, userId],
      [1, START, userId],
      [0, START, userId],
    ]);
    expect(recordedAt(eventId)).toBe(START);
    const audit = ctx.sql<{ action: string; details: string }>(
      "select action, details from audit_log where entity = 'event' and entity_id = ?",
      String(eventId),
    );
    expect(audit.at(-1)!.action).toBe('record-attendance');
    expect(JSON.parse(audit.at(-1)!.details)).toEqual({ present: [a, b], absent: [c] });

    // Saving the same again changes nobody's time; the event's time moves on.
    const later = START + 60_000;
    expect(service.mark(eventId, [a!, b!], true, staff, later)).toMatchObject({ updated: 0 });
    expect(rows(eventId)[0]!.attendance_at).toBe(START);
    expect(recordedAt(eventId)).toBe(later);
    expect(service.mark(eventId, [b!], false, staff, later)).toEqual({
      kind: 'recorded',
      updated: 1,
      present: 1,
      registered: 3,
    });
  });

  it('refuses ids of another event, unknown ids and cancelled people, changing nothing', () => {
    const eventId = createEvent('Fremd');
    const otherId = createEvent('Andere');
    const [mine, cancelled] = insertRegistrations(ctx.database, eventId, [
      { name: 'Meine' },
      { name: 'Abgesagt', status: 'cancelled' },
    ]);
    const [foreign] = insertRegistrations(ctx.database, otherId, [{ name: 'Fremde' }]);
    const result = service.mark(
      eventId,
      [mine!, foreign!, cancelled!, 987_654],
      true,
      staff,
      START,
    );
    expect(result).toEqual({ kind: 'unknown', ids: [cancelled, foreign, 987_654] });
    expect(rows(eventId).map((r) => r.present)).toEqual([null, null]);
    expect(rows(otherId)[0]!.present).toBeNull();
    expect(recordedAt(eventId)).toBeNull();
  });

  it('refuses before the event day (Berlin) and answers missing for no event', () => {
    const eventId = createEvent('Zu früh');
    const [id] = insertRegistrations(ctx.database, eventId, [{ name: 'Früh' }]);
    expect(service.mark(eventId, [id!], true, staff, DAY_BEFORE_LATE)).toEqual({
      kind: 'too-early',
      opensOn: '2026-05-04',
    });
    expect(rows(eventId)[0]!.present).toBeNull();
    expect(service.addWalkIn(eventId, { name: 'X', consentSource: 'verbal' }, staff, 0)).toEqual({
      kind: 'too-early',
      opensOn: '2026-05-04',
    });
    expect(service.mark(eventId, [id!], true, staff, SAME_DAY_EARLY).kind).toBe('recorded');
    expect(service.mark(999_999, [id!], true, staff, START)).toEqual({ kind: 'missing' });
  });
});

describe('walk-ins', () => {
  it('adds a walk-in, present, with the consent source; the address lower-cased', () => {
    const eventId = createEvent('Walk-in');
    const result = service.addWalkIn(
      eventId,
      {
        name: '  Fatima Al-Hassan ',
        email: ' Fatima@Example.ORG ',
        organisation: 'Verein Brücke',
        role: 'volunteer',
        region: '15085',
        consentSource: 'signature-list',
      },
      staff,
      START,
    );
    expect(result).toMatchObject({ kind: 'added', existing: false });
    expect(rows(eventId)).toEqual([
      expect.objectContaining({
        name: 'Fatima Al-Hassan',
        email: 'fatima@example.org',
        status: 'registered',
        organisation: 'Verein Brücke',
        role_key: 'volunteer',
        region_key: '15085',
        walk_in: 1,
        consent_source: 'signature-list',
        present: 1,
        attendance_at: START,
        attendance_by: userId,
      }),
    ]);
    expect(recordedAt(eventId)).toBe(START);
    expect(service.list(eventId, START)).toMatchObject({ present: 1, registered: 1 });
    // Without an address a second walk-in is another person.
    service.addWalkIn(eventId, { name: 'Ohne Adresse', consentSource: 'verbal' }, staff, START);
    expect(rows(eventId).map((r) => [r.name, r.email])).toEqual([
      ['Fatima Al-Hassan', 'fatima@example.org'],
      ['Ohne Adresse', null],
    ]);
  });

  it('marks the registration present when the address had registered (even cancelled)', () => {
    const eventId = createEvent('Schon angemeldet');
    const [registered, cancelled] = insertRegistrations(ctx.database, eventId, [
      { name: 'Angemeldet', email: 'da@example.org' },
      { name: 'Abgesagt', email: 'weg@example.org', status: 'cancelled' },
    ]);
    const again = service.addWalkIn(
      eventId,
      { name: 'Anders geschrieben', email: 'DA@example.org', consentSource: 'form' },
      staff,
      START,
    );
    expect(again).toMatchObject({ kind: 'added', existing: true });
    expect(again.kind === 'added' && again.registration.id).toBe(registered);
    const back = service.addWalkIn(
      eventId,
      { name: 'Abgesagt', email: 'weg@example.org', consentSource: 'verbal' },
      staff,
      START,
    );
    expect(back.kind === 'added' && back.registration.id).toBe(cancelled);
    expect(rows(eventId).map((r) => [r.name, r.status, r.present, r.walk_in])).toEqual([
      ['Angemeldet', 'registered', 1, 0],
      ['Abgesagt', 'registered', 1, 0],
    ]);
    expect(service.list(eventId, START)).toMatchObject({ present: 2, registered: 2 });
  });

  it('names every field that is wrong and stores nothing', () => {
    const eventId = createEvent('Fehler');
    const result = service.addWalkIn(
      eventId,
      {
        name: ' ',
        email: 'keine adresse',
        organisation: '<b>',
        role: 'astronaut',
        region: '99999',
        consentSource: 'telepathy',
      },
      staff,
      START,
    );
    expect(result).toEqual({
      kind: 'invalid',
      errors: {
        name: 'attendance.errors.name',
        email: 'attendance.errors.email',
        organisation: 'attendance.errors.organisation',
        role: 'attendance.errors.role',
        region: 'attendance.errors.region',
        consentSource: 'attendance.errors.consentSource',
      },
    });
    expect(rows(eventId)).toEqual([]);
    expect(recordedAt(eventId)).toBeNull();
  });
});
