import { transaction, type Db, type Tx } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as consultations from '../../../db/queries/consultations.js';
import type {
  Consultation,
  ConsultationFilter,
  ConsultationInput,
} from '../../../db/queries/consultations.js';
import { findRegion } from '../../../db/queries/taxonomy.js';
import { consultationKinds, type ConsultationKind } from '../../../db/schema.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { isPlainText } from '../plain-text.js';
import { hasProblems, type Problems } from '../reference/problems.js';

export type {
  Consultation,
  ConsultationFilter,
  ConsultationInput,
} from '../../../db/queries/consultations.js';
export { consultationKinds, type ConsultationKind } from '../../../db/schema.js';

/** The limits of a consultation's fields: the validator checks them, the API's schema states them. */
export const consultationLimits = { topic: 200, followUp: 2000, people: 10000 } as const;

/** The most consultations one page holds. */
export const CONSULTATION_PAGE_LIMIT = 200;

/**
 * A consultation as a form or an API body gives it: not yet trimmed or checked. Form values
 * arrive as strings, API values with their JSON types; `region` is a region key, empty for none.
 */
export interface ConsultationDraft {
  heldOn: string;
  kind: string;
  region?: string | null;
  topic: string;
  followUp?: string;
  people?: number | string;
}

/** A change of some of a consultation's properties; what is not given stays. */
export type ConsultationPatch = Partial<ConsultationDraft>;

export type ConsultationSaved =
  { kind: 'saved'; consultation: Consultation } | { kind: 'invalid'; errors: Problems };

export interface ConsultationPage {
  items: Consultation[];
  /** The cursor to pass as `after` for the following page; null on the last page. */
  next: string | null;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a value is a real calendar day written `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** Today in Europe/Berlin, `YYYY-MM-DD`: consultations are counted by the project's local day. */
export function berlinToday(now = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

const isKind = (value: string): value is ConsultationKind =>
  (consultationKinds as readonly string[]).includes(value);

/** Follow-up notes may have several lines; each follows the plain-text rule. */
const isPlainLines = (value: string, maxLength: number) =>
  value.length <= maxLength &&
  value.split(/\n/).every((line) => isPlainText(line.replace(/\t/g, ' '), maxLength));

/** The cursor of a page's last row: its day and id (`2026-11-30.42`). */
const cursorOf = (c: Consultation) => `${c.heldOn}.${c.id}`;

/** A cursor given back; undefined when it is not one this service gave out. */
export function parseCursor(cursor: string): { heldOn: string; id: number } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})\.([1-9]\d{0,15})$/.exec(cursor);
  if (!m || !isDay(m[1]!)) return undefined;
  const id = Number(m[2]);
  return Number.isSafeInteger(id) ? { heldOn: m[1]!, id } : undefined;
}

/**
 * The one check of a consultation's fields. `knownRegion` says whether a region key exists.
 * Days after today (Europe/Berlin) are refused: the log records what took place.
 */
export function validateConsultation(
  draft: ConsultationDraft,
  knownRegion: (key: string) => boolean,
  today = berlinToday(),
): { input: ConsultationInput; errors: Problems } {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const heldOn = text(draft.heldOn).trim();
  const kind = text(draft.kind).trim();
  const region = text(draft.region).trim();
  const topic = text(draft.topic).trim();
  const followUp = text(draft.followUp).replace(/\r\n?/g, '\n').trim();
  const rawPeople = draft.people ?? 1;
  const people =
    typeof rawPeople === 'number'
      ? rawPeople
      : /^\s*\d{1,6}\s*$/.test(rawPeople)
        ? Number(rawPeople)
        : rawPeople.trim() === ''
          ? 1
          : NaN;

  const errors: Problems = {};
  if (!isDay(heldOn) || heldOn < '2000-01-01') errors.heldOn = 'consultations.errors.heldOn';
  else if (heldOn > today) errors.heldOn = 'consultations.errors.heldOnFuture';
  if (!isKind(kind)) errors.kind = 'consultations.errors.kind';
  if (region && !knownRegion(region)) errors.region = 'consultations.errors.region';
  if (!topic || !isPlainText(topic, consultationLimits.topic))
    errors.topic = 'consultations.errors.topic';
  if (!isPlainLines(followUp, consultationLimits.followUp))
    errors.followUp = 'consultations.errors.followUp';
  if (!Number.isInteger(people) || people < 1 || people > consultationLimits.people)
    errors.people = 'consultations.errors.people';

  return {
    input: {
      heldOn,
      kind: isKind(kind) ? kind : 'person',
      regionKey: region || null,
      topic,
      followUp,
      people: Number.isInteger(people) ? people : 1,
    },
    errors,
  };
}

/**
 * The counselling log: who was advised when (a person, a group or an association, never by
 * name), for the funder's count of individual consultations.
 */
export class ConsultationService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  find(id: number): Consultation | undefined {
    return consultations.findConsultation(id, this.db);
  }

  /**
   * Newest first (by the day it took place); `after` is the `next` of the previous page.
   * Invalid when a day is not one, the region is unknown, or `after` is not a cursor this
   * service gave out.
   */
  list(
    options: ConsultationFilter & { after?: string; limit?: number } = {},
  ): { kind: 'page'; page: ConsultationPage } | { kind: 'invalid'; errors: Problems } {
    const errors = this.checkFilter(options);
    const before = options.after === undefined ? undefined : parseCursor(options.after);
    if (options.after !== undefined && !before) errors.after = 'consultations.errors.after';
    if (hasProblems(errors)) return { kind: 'invalid', errors };
    const limit = Math.min(Math.max(options.limit ?? 50, 1), CONSULTATION_PAGE_LIMIT);
    const rows = consultations.listConsultations(
      {
        from: options.from,
        to: options.to,
        kind: options.kind,
        regionKey: options.regionKey,
        before,
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

  /** What is wrong with a filter: a day that is not one, a kind or region that does not exist. */
  checkFilter(filter: ConsultationFilter): Problems {
    const errors: Problems = {};
    if (filter.from !== undefined && !isDay(filter.from)) errors.from = 'consultations.errors.day';
    if (filter.to !== undefined && !isDay(filter.to)) errors.to = 'consultations.errors.day';
    if (filter.kind !== undefined && !isKind(filter.kind))
      errors.kind = 'consultations.errors.kind';
    if (filter.regionKey !== undefined && !findRegion(filter.regionKey, this.db))
      errors.region = 'consultations.errors.region';
    return errors;
  }

  /**
   * How many consultations took place in a period (days `YYYY-MM-DD`, both included) and how
   * many people took part: what the consultations indicator counts.
   */
  count(filter: ConsultationFilter = {}): { consultations: number; people: number } {
    return consultations.countConsultations(filter, this.db);
  }

  create(draft: ConsultationDraft, actor: Actor): ConsultationSaved {
    return transaction(this.db, (tx) => {
      const { input, errors } = validateConsultation(draft, (key) => !!findRegion(key, tx));
      if (hasProblems(errors)) return { kind: 'invalid', errors };
      const consultation = consultations.createConsultation(
        input,
        actor.kind === 'user' ? actor.userId : null,
        tx,
      );
      recordAction(auditWho(actor), 'create', 'consultation', consultation.id, { ...input }, tx);
      return { kind: 'saved', consultation };
    });
  }

  /** Only the given properties change; the others stay as they are. */
  update(
    id: number,
    patch: ConsultationPatch,
    actor: Actor,
  ): ConsultationSaved | { kind: 'missing' } {
    return transaction(this.db, (tx) => {
      const current = consultations.findConsultation(id, tx);
      if (!current) return { kind: 'missing' as const };
      const { input, errors } = validateConsultation(
        { ...draftOf(current), ...definedOnly(patch) },
        (key) => !!findRegion(key, tx),
      );
      if (hasProblems(errors)) return { kind: 'invalid' as const, errors };
      consultations.updateConsultation(id, input, tx);
      recordAction(auditWho(actor), 'update', 'consultation', id, { ...input }, tx);
      return { kind: 'saved' as const, consultation: consultations.findConsultation(id, tx)! };
    });
  }

  delete(id: number, actor: Actor): boolean {
    return transaction(this.db, (tx: Tx) => {
      const current = consultations.findConsultation(id, tx);
      if (!current) return false;
      consultations.deleteConsultation(id, tx);
      recordAction(
        auditWho(actor),
        'delete',
        'consultation',
        id,
        { heldOn: current.heldOn, kind: current.kind },
        tx,
      );
      return true;
    });
  }
}

function draftOf(c: Consultation): ConsultationDraft {
  return {
    heldOn: c.heldOn,
    kind: c.kind,
    region: c.regionKey,
    topic: c.topic,
    followUp: c.followUp,
    people: c.people,
  };
}

function definedOnly(patch: ConsultationPatch): ConsultationPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}
