import { transaction, type Db, type Tx } from '../../../db/client.js';
import * as attendance from '../../../db/queries/attendance.js';
import type { Registration, WalkInInput } from '../../../db/queries/attendance.js';
import { recordAction } from '../../../db/queries/audit.js';
import { findEvent, type Event } from '../../../db/queries/events.js';
import { allRegions, keyExists } from '../../../db/queries/taxonomy.js';
import { walkInConsentSources } from '../../../db/schema.js';
import { adminTranslator } from '../../i18n/admin.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { berlinLocal } from '../events/index.js';
import { isPlainText } from '../plain-text.js';
import { hasProblems, type Problems } from '../reference/problems.js';
import type { OrganisationService } from '../organisation/index.js';
import { isValidEmail, normaliseEmail } from '../subscribers/profile.js';
import { signatureListPdf } from './signature-list.js';

export type { Registration, WalkInConsentSource } from '../../../db/queries/attendance.js';
export { walkInConsentSources } from '../../../db/schema.js';

/** The limits of a walk-in's fields: the validator checks them, the form states them. */
export const walkInLimits = { name: 200, organisation: 200 } as const;

/** The most registration ids one call may mark. */
export const MARK_LIMIT = 1000;

/** Who is expected at an event and who came, as the attendance page and the API see it. */
export interface AttendanceList {
  event: Event;
  /** Registered people and walk-ins (not cancelled, not waiting), by name. */
  attendees: Registration[];
  present: number;
  registered: number;
  /** The Berlin day (`YYYY-MM-DD`) from which attendance may be recorded. */
  opensOn: string;
  /** Whether attendance may be recorded now. */
  open: boolean;
}

/** A walk-in as the form or a caller gives it: not yet trimmed or checked. */
export interface WalkInDraft {
  name?: string;
  email?: string;
  organisation?: string;
  role?: string;
  region?: string;
  consentSource?: string;
}

/** Before its day an event's attendance cannot be recorded (nobody has come yet). */
export type TooEarly = { kind: 'too-early'; opensOn: string };

export type AttendanceRecorded =
  | { kind: 'recorded'; updated: number; present: number; registered: number }
  | { kind: 'missing' }
  | TooEarly
  /** Ids that are not on this event's attendance list: nothing was changed. */
  | { kind: 'unknown'; ids: number[] };

export type WalkInAdded =
  /** `existing`: the address had registered already; that registration is now marked present. */
  | { kind: 'added'; registration: Registration; existing: boolean }
  | { kind: 'missing' }
  | TooEarly
  | { kind: 'invalid'; errors: Problems };

const isConsentSource = (v: string): v is attendance.WalkInConsentSource =>
  (walkInConsentSources as readonly string[]).includes(v);

const byName = new Intl.Collator('de', { sensitivity: 'base', numeric: true });

/** The Berlin day an event starts on: attendance may be recorded from then on. */
export function attendanceOpensOn(event: Pick<Event, 'startsAt'>): string {
  return berlinLocal(event.startsAt).slice(0, 10);
}

/**
 * The one check of a walk-in: a name; an address only if it is one (stored lower-cased); a
 * known role and region; and how the person agreed to be recorded.
 */
export function validateWalkIn(
  draft: WalkInDraft,
  known: { role: (key: string) => boolean; region: (key: string) => boolean },
): { input: WalkInInput; errors: Problems } {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const name = text(draft.name);
  const rawEmail = text(draft.email);
  const organisation = text(draft.organisation);
  const role = text(draft.role);
  const region = text(draft.region);
  const consentSource = text(draft.consentSource);

  const errors: Problems = {};
  if (!name || !isPlainText(name, walkInLimits.name)) errors.name = 'attendance.errors.name';
  if (rawEmail && !isValidEmail(rawEmail)) errors.email = 'attendance.errors.email';
  if (!isPlainText(organisation, walkInLimits.organisation))
    errors.organisation = 'attendance.errors.organisation';
  if (role && !known.role(role)) errors.role = 'attendance.errors.role';
  if (region && !known.region(region)) errors.region = 'attendance.errors.region';
  if (!isConsentSource(consentSource)) errors.consentSource = 'attendance.errors.consentSource';
  return {
    input: {
      name,
      email: rawEmail ? normaliseEmail(rawEmail) : null,
      organisation,
      roleKey: role || null,
      regionKey: region || null,
      consentSource: isConsentSource(consentSource) ? consentSource : 'signature-list',
    },
    errors,
  };
}

const userOf = (actor: Actor) => (actor.kind === 'user' ? actor.userId : null);

/**
 * Who came to an event: staff tick the registered people on a list (on a phone at the door),
 * add walk-ins with how they agreed to be recorded, and print a signature list. What is saved
 * feeds the participants indicator.
 */
export class AttendanceService {
  private readonly db: Db;

  constructor(
    ctx: Pick<ServiceContext, 'db'>,
    private readonly organisation: OrganisationService,
  ) {
    this.db = ctx.db;
  }

  /**
   * The signature list to print for an event (PDF): everyone registered, by name, and empty
   * rows for walk-ins. Undefined when there is no such event.
   */
  async signatureList(eventId: number, lang = 'de'): Promise<Buffer | undefined> {
    const list = this.list(eventId);
    if (!list) return undefined;
    const t = adminTranslator(lang);
    const { event } = list;
    const settings = this.organisation.get();
    const regions = new Map(allRegions(this.db).map((r) => [r.key, r.name]));
    const locale = lang === 'de' ? 'de-DE' : 'en-GB';
    const day = (at: number) =>
      new Date(at).toLocaleDateString(locale, {
        timeZone: 'Europe/Berlin',
        day: '2-digit',
        month: '2-digit',
        year: 'numeric',
      });
    const time = (at: number) =>
      new Date(at).toLocaleTimeString(locale, {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
      });
    let when = `${day(event.startsAt)}, ${time(event.startsAt)}`;
    if (event.endsAt !== null)
      when +=
        day(event.endsAt) === day(event.startsAt)
          ? `–${time(event.endsAt)}`
          : ` – ${day(event.endsAt)}, ${time(event.endsAt)}`;
    return signatureListPdf({
      organisation: settings.name,
      funderAttribution: settings.funderAttribution,
      eventTitle: event.title,
      when,
      where: [event.place ?? '', event.online ? t('attendance.pdf.online') : '']
        .filter(Boolean)
        .join(' · '),
      rows: list.attendees.map((a) => ({
        name: a.name,
        organisation: a.organisation,
        region: a.regionKey ? (regions.get(a.regionKey) ?? a.regionKey) : '',
      })),
      t,
    });
  }

  /** An event's attendance list; undefined when there is no such event. */
  list(eventId: number, now = Date.now()): AttendanceList | undefined {
    const event = findEvent(eventId, this.db);
    if (!event) return undefined;
    return this.listOf(event, now, this.db);
  }

  private listOf(event: Event, now: number, tx: Tx): AttendanceList {
    const attendees = attendance
      .listAttendees(event.id, tx)
      .sort((a, b) => byName.compare(a.name, b.name) || a.id - b.id);
    const opensOn = attendanceOpensOn(event);
    return {
      event,
      attendees,
      present: attendees.filter((a) => a.present === true).length,
      registered: attendees.length,
      opensOn,
      open: berlinLocal(now).slice(0, 10) >= opensOn,
    };
  }

  /** Marks the given registrations as present (or absent): `record` with one side. */
  mark(
    eventId: number,
    registrationIds: number[],
    present: boolean,
    actor: Actor,
    now = Date.now(),
  ): AttendanceRecorded {
    return this.record(
      eventId,
      present ? { present: registrationIds, absent: [] } : { present: [], absent: registrationIds },
      actor,
      now,
    );
  }

  /**
   * Saves who came and who did not, in one transaction, and notes that the event's attendance
   * is recorded. Every id must be on the event's list (registered or walk-in); otherwise
   * nothing changes. Refused before the event's day (Berlin time).
   */
  record(
    eventId: number,
    change: { present: number[]; absent: number[] },
    actor: Actor,
    now = Date.now(),
  ): AttendanceRecorded {
    return transaction(this.db, (tx) => {
      const event = findEvent(eventId, tx);
      if (!event) return { kind: 'missing' as const };
      const before = this.listOf(event, now, tx);
      if (!before.open) return { kind: 'too-early' as const, opensOn: before.opensOn };
      const onList = new Set(before.attendees.map((a) => a.id));
      const absent = [...new Set(change.absent)];
      const present = [...new Set(change.present)];
      const unknown = [...new Set([...present, ...absent])].filter((id) => !onList.has(id));
      if (unknown.length) return { kind: 'unknown' as const, ids: unknown.sort((a, b) => a - b) };
      // Ticked wins when the same id is given as both.
      const presentSet = new Set(present);
      const by = userOf(actor);
      const came = attendance.setPresence(event.id, present, true, now, by, tx);
      const away = attendance.setPresence(
        event.id,
        absent.filter((id) => !presentSet.has(id)),
        false,
        now,
        by,
        tx,
      );
      attendance.markAttendanceRecorded(event.id, now, tx);
      recordAction(
        auditWho(actor),
        'record-attendance',
        'event',
        event.id,
        { present: came, absent: away },
        tx,
      );
      const after = this.listOf(event, now, tx);
      return {
        kind: 'recorded' as const,
        updated: came.length + away.length,
        present: after.present,
        registered: after.registered,
      };
    });
  }

  /**
   * Adds somebody who came without registering, marked present. When the address registered
   * for the event already, that registration is marked present instead (and counts as
   * registered again if it had been cancelled or was waiting).
   */
  addWalkIn(eventId: number, draft: WalkInDraft, actor: Actor, now = Date.now()): WalkInAdded {
    return transaction(this.db, (tx) => {
      const event = findEvent(eventId, tx);
      if (!event) return { kind: 'missing' as const };
      const opensOn = attendanceOpensOn(event);
      if (berlinLocal(now).slice(0, 10) < opensOn) return { kind: 'too-early' as const, opensOn };
      const { input, errors } = validateWalkIn(draft, {
        role: (key) => keyExists('roles', key, tx),
        region: (key) => keyExists('regions', key, tx),
      });
      if (hasProblems(errors)) return { kind: 'invalid' as const, errors };
      const by = userOf(actor);
      const registered = input.email
        ? attendance.findByEmail(event.id, input.email, tx)
        : undefined;
      let registration: Registration;
      if (registered) {
        if (registered.status !== 'registered') attendance.reinstate(registered.id, now, tx);
        attendance.setPresence(event.id, [registered.id], true, now, by, tx);
        registration = attendance.findByEmail(event.id, input.email!, tx)!;
      } else {
        registration = attendance.insertWalkIn(event.id, input, now, by, tx);
      }
      attendance.markAttendanceRecorded(event.id, now, tx);
      recordAction(
        auditWho(actor),
        registered ? 'walk-in-registered' : 'add-walk-in',
        'event',
        event.id,
        {
          registrationId: registration.id,
          consentSource: input.consentSource,
          ...(registered ? { status: registered.status } : {}),
        },
        tx,
      );
      return { kind: 'added' as const, registration, existing: !!registered };
    });
  }
}
