import { transaction, type Db } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as events from '../../../db/queries/events.js';
import type { Event, EventFilter, EventInput } from '../../../db/queries/events.js';
import { findRegion } from '../../../db/queries/taxonomy.js';
import { eventTypes, type EventType } from '../../../db/schema.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import {
  berlinDateTime,
  berlinWallClock,
  dateTimeInstant,
  markdownProblem,
} from '../items/validate.js';
import { isPlainText } from '../plain-text.js';
import { hasProblems, type Problems } from '../reference/problems.js';

export type { Event, EventFilter, EventInput } from '../../../db/queries/events.js';
export { eventTypes, type EventType } from '../../../db/schema.js';

/** The limits of an event's fields: the validator checks them, the API's schema states them. */
export const eventLimits = {
  title: 200,
  place: 300,
  description: 5000,
  contact: 300,
  capacity: 100000,
} as const;

/** The most events one page holds. */
export const EVENT_PAGE_LIMIT = 200;

/**
 * An event as a form or an API body gives it: not yet trimmed or checked. Form values arrive as
 * strings, API values with their JSON types. Times are ISO 8601 with an offset, or Berlin
 * wall-clock time `YYYY-MM-DDTHH:mm` (a datetime-local input's value); empty for none.
 */
export interface EventDraft {
  type: string;
  title: string;
  startsAt: string;
  endsAt?: string | null;
  place?: string | null;
  online?: boolean | string;
  region?: string | null;
  capacity?: number | string | null;
  registrationDeadline?: string | null;
  description?: string;
  contact?: string | null;
}

/** A change of some of an event's properties; what is not given stays. */
export type EventPatch = Partial<EventDraft>;

export type EventSaved = { kind: 'saved'; event: Event } | { kind: 'invalid'; errors: Problems };

export interface EventPage {
  items: Event[];
  /** The cursor to pass as `after` for the following page; null on the last page. */
  next: string | null;
}

/** Which events, as a query or a filter form gives it: days `YYYY-MM-DD` (Berlin), both included. */
export interface EventQuery {
  from?: string;
  to?: string;
  type?: string;
  region?: string;
}

const isType = (value: string): value is EventType =>
  (eventTypes as readonly string[]).includes(value);

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Earliest instant the service takes (older dates are typing mistakes). */
const EARLIEST = Date.UTC(2000, 0, 1);

/** The instant of a time as the API and forms write it; undefined when it is not one. */
export function eventInstant(value: string): number | undefined {
  const at = dateTimeInstant(value.trim());
  return at !== undefined && at >= EARLIEST ? at : undefined;
}

/** An instant as ISO 8601 with the offset that holds in Berlin then (`2026-05-04T10:00+02:00`). */
export function berlinIso(at: number): string {
  return berlinDateTime(berlinWallClock(new Date(at).toISOString())!)!;
}

/** An instant as Berlin wall-clock time, the value of a datetime-local input. */
export function berlinLocal(at: number): string {
  return berlinWallClock(new Date(at).toISOString())!;
}

/** The first instant of a Berlin day `YYYY-MM-DD`; undefined when it is not a day. */
function dayStart(day: string): number | undefined {
  return DAY.test(day) ? eventInstant(`${day}T00:00`) : undefined;
}

/** The first instant after a Berlin day. */
function dayEnd(day: string): number | undefined {
  const start = dayStart(day);
  if (start === undefined) return undefined;
  const next = new Date(Date.parse(`${day}T00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return dayStart(next);
}

/** A slug for the registration page: the Berlin day and the title's words. */
export function eventSlug(startsAt: number, title: string): string {
  const words = title
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  const day = berlinLocal(startsAt).slice(0, 10);
  return words ? `${day}-${words}` : day;
}

/** The cursor of a page's last row: its start and id (`1777881600000.42`). */
const cursorOf = (e: Event) => `${e.startsAt}.${e.id}`;

/** A cursor given back; undefined when it is not one this service gave out. */
export function parseCursor(cursor: string): { startsAt: number; id: number } | undefined {
  const m = /^(\d{1,15})\.([1-9]\d{0,15})$/.exec(cursor);
  if (!m) return undefined;
  const startsAt = Number(m[1]);
  const id = Number(m[2]);
  return Number.isSafeInteger(id) ? { startsAt, id } : undefined;
}

/** Optional text: empty (or null) is none. */
const optional = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

function toBoolean(v: unknown): boolean | undefined {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (v === true) return true;
  if (typeof v === 'string' && ['on', 'true', '1', 'yes'].includes(v.trim())) return true;
  if (typeof v === 'string' && ['off', 'false', '0', 'no'].includes(v.trim())) return false;
  return undefined;
}

function toCapacity(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  if (v.trim() === '') return null;
  return /^\s*\d{1,7}\s*$/.test(v) ? Number(v) : NaN;
}

/**
 * The one check of an event's fields. `knownRegion` says whether a region key exists. The end
 * may not come before the start, nor the registration deadline after it; an event is held
 * somewhere, online, or both.
 */
export function validateEvent(
  draft: EventDraft,
  knownRegion: (key: string) => boolean,
): { input: EventInput; errors: Problems } {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const type = text(draft.type).trim();
  const title = text(draft.title).trim();
  const rawStart = text(draft.startsAt).trim();
  const rawEnd = optional(draft.endsAt);
  const rawDeadline = optional(draft.registrationDeadline);
  const place = optional(draft.place);
  const online = toBoolean(draft.online);
  const region = optional(draft.region);
  const capacity = toCapacity(draft.capacity);
  const description = text(draft.description).replace(/\r\n?/g, '\n').trim();
  const contact = optional(draft.contact);

  const startsAt = eventInstant(rawStart);
  const endsAt = rawEnd ? eventInstant(rawEnd) : null;
  const deadline = rawDeadline ? eventInstant(rawDeadline) : null;

  const errors: Problems = {};
  if (!isType(type)) errors.type = 'events.errors.type';
  if (!title || !isPlainText(title, eventLimits.title)) errors.title = 'events.errors.title';
  if (startsAt === undefined) errors.startsAt = 'events.errors.time';
  if (endsAt === undefined) errors.endsAt = 'events.errors.time';
  else if (endsAt !== null && startsAt !== undefined && endsAt < startsAt)
    errors.endsAt = 'events.errors.endsBeforeStart';
  if (deadline === undefined) errors.registrationDeadline = 'events.errors.time';
  else if (deadline !== null && startsAt !== undefined && deadline > startsAt)
    errors.registrationDeadline = 'events.errors.deadlineAfterStart';
  if (!isPlainText(place, eventLimits.place)) errors.place = 'events.errors.place';
  else if (online === false && !place) errors.place = 'events.errors.placeOrOnline';
  if (online === undefined) errors.online = 'events.errors.online';
  if (region && !knownRegion(region)) errors.region = 'events.errors.region';
  if (
    capacity !== null &&
    (capacity === undefined ||
      !Number.isInteger(capacity) ||
      capacity < 1 ||
      capacity > eventLimits.capacity)
  )
    errors.capacity = 'events.errors.capacity';
  const descriptionProblem = markdownProblem(description, eventLimits.description);
  if (descriptionProblem) errors.description = `events.errors.description`;
  if (!isPlainText(contact, eventLimits.contact)) errors.contact = 'events.errors.contact';

  return {
    input: {
      type: isType(type) ? type : 'other',
      title,
      startsAt: startsAt ?? 0,
      endsAt: endsAt ?? null,
      place: place || null,
      online: online ?? false,
      regionKey: region || null,
      capacity: typeof capacity === 'number' && Number.isInteger(capacity) ? capacity : null,
      registrationDeadline: deadline ?? null,
      description,
      contact: contact || null,
    },
    errors,
  };
}

/**
 * Events the project holds (trainings, meetings): when and where, how many may come, until
 * when they may register (on the public page `/events/<slug>`, see the registrations service).
 */
export class EventService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  find(id: number): Event | undefined {
    return events.findEvent(id, this.db);
  }

  findBySlug(slug: string): Event | undefined {
    return events.findEventBySlug(slug, this.db);
  }

  /**
   * By start, earliest first; `after` is the `next` of the previous page. Invalid when a day
   * is not one, the type or region is unknown, or `after` is not a cursor this service gave out.
   */
  list(
    options: EventQuery & { after?: string; limit?: number } = {},
  ): { kind: 'page'; page: EventPage } | { kind: 'invalid'; errors: Problems } {
    const checked = this.checkFilter(options);
    if (checked.kind === 'invalid') return checked;
    return this.listFiltered({ ...checked.filter, after: options.after, limit: options.limit });
  }

  /** The first day (Berlin time) of what counts as upcoming: today. */
  today(now = Date.now()): string {
    return berlinLocal(now).slice(0, 10);
  }

  /** The events still to come (starting today or later, Berlin time), earliest first. */
  upcoming(
    now = Date.now(),
    limit = EVENT_PAGE_LIMIT,
    filter: Omit<EventFilter, 'from' | 'to'> = {},
  ): Event[] {
    return events.listEvents({ ...filter, from: dayStart(this.today(now)), limit }, this.db);
  }

  /** The events before today (Berlin time), latest first. */
  past(
    now = Date.now(),
    limit = EVENT_PAGE_LIMIT,
    filter: Omit<EventFilter, 'from' | 'to'> = {},
  ): Event[] {
    return events.listEvents(
      { ...filter, to: dayStart(this.today(now)), limit, latestFirst: true },
      this.db,
    );
  }

  private listFiltered(
    options: EventFilter & { after?: string; limit?: number },
  ): { kind: 'page'; page: EventPage } | { kind: 'invalid'; errors: Problems } {
    const after = options.after === undefined ? undefined : parseCursor(options.after);
    if (options.after !== undefined && !after)
      return { kind: 'invalid', errors: { after: 'events.errors.after' } };
    const limit = Math.min(Math.max(options.limit ?? 50, 1), EVENT_PAGE_LIMIT);
    const rows = events.listEvents(
      {
        from: options.from,
        to: options.to,
        type: options.type,
        regionKey: options.regionKey,
        after,
        limit: limit + 1,
      },
      this.db,
    );
    const items = rows.slice(0, limit);
    return {
      kind: 'page',
      page: { items, next: rows.length > limit ? cursorOf(items[items.length - 1]!) : null },
    };
  }

  /** A filter as instants; what is wrong with it: a day that is not one, an unknown type or region. */
  checkFilter(
    query: EventQuery,
  ): { kind: 'ok'; filter: EventFilter } | { kind: 'invalid'; errors: Problems } {
    const errors: Problems = {};
    const from = query.from ? dayStart(query.from) : undefined;
    const to = query.to ? dayEnd(query.to) : undefined;
    if (query.from && from === undefined) errors.from = 'events.errors.day';
    if (query.to && to === undefined) errors.to = 'events.errors.day';
    if (query.type && !isType(query.type)) errors.type = 'events.errors.type';
    if (query.region && !findRegion(query.region, this.db)) errors.region = 'events.errors.region';
    if (hasProblems(errors)) return { kind: 'invalid', errors };
    return {
      kind: 'ok',
      filter: {
        from,
        to,
        type: query.type ? (query.type as EventType) : undefined,
        regionKey: query.region || undefined,
      },
    };
  }

  create(draft: EventDraft, actor: Actor): EventSaved {
    return transaction(this.db, (tx) => {
      const { input, errors } = validateEvent(draft, (key) => !!findRegion(key, tx));
      if (hasProblems(errors)) return { kind: 'invalid', errors };
      const base = eventSlug(input.startsAt, input.title);
      let slug = base;
      for (let n = 2; events.findEventBySlug(slug, tx); n++) slug = `${base}-${n}`;
      const event = events.createEvent(
        input,
        slug,
        actor.kind === 'user' ? actor.userId : null,
        tx,
      );
      recordAction(auditWho(actor), 'create', 'event', event.id, { ...input, slug }, tx);
      return { kind: 'saved', event };
    });
  }

  /** Only the given properties change; the others stay as they are. The slug stays. */
  update(id: number, patch: EventPatch, actor: Actor): EventSaved | { kind: 'missing' } {
    return transaction(this.db, (tx) => {
      const current = events.findEvent(id, tx);
      if (!current) return { kind: 'missing' as const };
      const { input, errors } = validateEvent(
        { ...draftOf(current), ...definedOnly(patch) },
        (key) => !!findRegion(key, tx),
      );
      if (hasProblems(errors)) return { kind: 'invalid' as const, errors };
      events.updateEvent(id, input, tx);
      recordAction(auditWho(actor), 'update', 'event', id, { ...input }, tx);
      return { kind: 'saved' as const, event: events.findEvent(id, tx)! };
    });
  }

  /** Deletes an event; nothing depends on one yet (registrations will). */
  delete(id: number, actor: Actor): boolean {
    return transaction(this.db, (tx) => {
      const current = events.findEvent(id, tx);
      if (!current) return false;
      events.deleteEvent(id, tx);
      recordAction(
        auditWho(actor),
        'delete',
        'event',
        id,
        { title: current.title, startsAt: current.startsAt },
        tx,
      );
      return true;
    });
  }
}

/** An event as a draft: the form's and the API's view of it (times in Berlin local time). */
export function draftOf(e: Event): EventDraft {
  return {
    type: e.type,
    title: e.title,
    startsAt: berlinIso(e.startsAt),
    endsAt: e.endsAt === null ? null : berlinIso(e.endsAt),
    place: e.place,
    online: e.online,
    region: e.regionKey,
    capacity: e.capacity,
    registrationDeadline:
      e.registrationDeadline === null ? null : berlinIso(e.registrationDeadline),
    description: e.description,
    contact: e.contact,
  };
}

function definedOnly(patch: EventPatch): EventPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}
