import type { ItemInput } from '../../../db/queries/items.js';
import { linkProtocols } from '../../../emails/newsletter/markdown.js';
import { isLanguage } from '../../i18n/index.js';
import { hasControlCharacters, isPlainText } from '../plain-text.js';
import type { Problems } from '../reference/problems.js';
import { isValidEmail } from '../subscribers/profile.js';
import {
  itemFields,
  itemTypes,
  type Item,
  type ItemFields,
  type ItemTranslation,
  type ItemType,
} from './types.js';

/** The limits of an item's texts: the validator checks them, the API's schema states them. */
export const itemLimits = {
  title: 200,
  description: 2000,
  /** characters per structured field */
  field: 500,
  /** characters per region or role key */
  key: 100,
  /** region or role keys per item */
  keys: 100,
} as const;

/** The fields that hold a web address (http or https only). */
export const itemUrlFields = ['url', 'imageUrl', 'buttonUrl'] as const;

/** An item as a form or an API body gives it: not yet trimmed or checked. */
export interface ItemDraft {
  type: string;
  title: string;
  description?: string;
  regions?: string[];
  roles?: string[];
  fields?: Record<string, string>;
  translations?: Record<string, ItemTranslation>;
}

/** The region and role keys an item may name. */
export interface ItemVocabulary {
  regions: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  /** Whether an event with this id exists (an item's `event` field names one). */
  eventExists?: (id: number) => boolean;
}

export const isItemType = (value: unknown): value is ItemType =>
  (itemTypes as readonly unknown[]).includes(value);

/** A link target whose scheme the renderer keeps; a web link also names its host (`//`). */
function hasLinkScheme(target: string): boolean {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(target)?.[0].toLowerCase();
  if (scheme === undefined || !linkProtocols.has(scheme)) return false;
  return (scheme !== 'http:' && scheme !== 'https:') || target.startsWith('//', scheme.length);
}
const AUTOLINK = /^<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/;
const EMAIL_AUTOLINK =
  /^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>/;
/** Where a Markdown link or image names its target: `[text](target)` and `[ref]: target`. */
const INLINE_TARGET = /\]\(\s*(<[^>\n]*>|[^\s)]*)/g;
const REFERENCE_TARGET = /^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)/gm;

/**
 * What is wrong with a short Markdown text, or null. It is rendered into pages and mails, so
 * raw HTML is refused (any `<` that opens a tag, comment or declaration), and every link
 * target, autolink included, must use a scheme the renderer keeps (`linkProtocols`: http://,
 * https://, mailto:, tel:) — a target written with entities (`java&#115;cript:`) or relative
 * does not.
 */
export function markdownProblem(
  text: string,
  maxLength: number,
): 'tooLong' | 'html' | 'link' | 'control' | null {
  if (text.length > maxLength) return 'tooLong';
  if (hasControlCharacters(text.replace(/[\n\t]/g, ''))) return 'control';
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    if (!/[A-Za-z/!?]/.test(text[i + 1] ?? '')) continue;
    const rest = text.slice(i);
    const autolink = AUTOLINK.exec(rest);
    if (autolink) {
      if (!hasLinkScheme(autolink[1]!)) return 'link';
      continue;
    }
    if (EMAIL_AUTOLINK.test(rest)) continue;
    return 'html';
  }
  for (const pattern of [INLINE_TARGET, REFERENCE_TARGET]) {
    for (const match of text.matchAll(pattern)) {
      const target = match[1]!.replace(/^<|>$/g, '');
      if (!hasLinkScheme(target)) return 'link';
    }
  }
  return null;
}

/** A web address that is absolute http or https with a host. */
export function isWebUrl(value: string): boolean {
  if (/\s/.test(value) || !/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** A real calendar day written `YYYY-MM-DD` (no 2026-02-30). */
export function isIsoDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

/** How far Berlin's clock is ahead of UTC at an instant, in ms. */
function berlinOffset(at: number): number {
  const parts: Record<string, number> = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The instant of an ISO 8601 date-time (`2026-05-04T10:00`, with seconds, with `Z` or an
 * offset); without an offset it is Berlin time. undefined when it is not a valid one.
 */
export function dateTimeInstant(value: string): number | undefined {
  const m = DATE_TIME.exec(value);
  if (!m || !isIsoDate(`${m[1]}-${m[2]}-${m[3]}`)) return undefined;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return undefined;
  if (m[7]) {
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : at;
  }
  const wall = Date.parse(`${value}Z`);
  if (Number.isNaN(wall)) return undefined;
  // Twice, so a time just after a clock change uses the offset that holds then.
  const first = wall - berlinOffset(wall);
  return wall - berlinOffset(first);
}

/**
 * A date-time as Berlin wall-clock time `YYYY-MM-DDTHH:MM`, the value of a datetime-local
 * input; undefined when it is not a valid date-time.
 */
export function berlinWallClock(value: string): string | undefined {
  const at = dateTimeInstant(value);
  if (at === undefined) return undefined;
  return new Date(at + berlinOffset(at)).toISOString().slice(0, 16);
}

/**
 * A Berlin wall-clock time (a datetime-local input's value) as ISO 8601 with the offset that
 * holds then (`2026-05-04T10:00+02:00`); undefined when it is not a valid date-time.
 */
export function berlinDateTime(wallClock: string): string | undefined {
  const at = dateTimeInstant(wallClock);
  if (at === undefined) return undefined;
  const minutes = berlinOffset(at) / 60_000;
  const abs = Math.abs(minutes);
  const offset = `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${berlinWallClock(wallClock)!}${offset}`;
}

/** Today's date in Berlin, `YYYY-MM-DD`. */
function berlinDate(now: number): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

const clean = (value: string) => value.trim().replace(/\r\n?/g, '\n');

function checkKeys(
  values: readonly string[] | undefined,
  known: ReadonlySet<string>,
): { keys: string[]; ok: boolean } {
  const keys = [...new Set((values ?? []).map((v) => String(v).trim()))];
  return {
    keys,
    ok: keys.length <= itemLimits.keys && keys.every((k) => known.has(k)),
  };
}

function checkFields(
  type: ItemType,
  given: Record<string, string>,
  problem: (field: string, code: string) => void,
): ItemFields {
  const allowed: readonly string[] = itemFields[type];
  const fields: Record<string, string> = {};
  for (const [key, raw] of Object.entries(given)) {
    const name = `fields.${key}`;
    if (!allowed.includes(key)) {
      problem(name, 'unknownField');
      continue;
    }
    if (typeof raw !== 'string') {
      problem(name, 'field');
      continue;
    }
    const value = raw.trim();
    if (!value) continue;
    fields[key] = value;
    if (!isPlainText(value, itemLimits.field)) problem(name, 'field');
    else if ((itemUrlFields as readonly string[]).includes(key) && !isWebUrl(value))
      problem(name, 'url');
    else if (key === 'email' && !isValidEmail(value)) problem(name, 'email');
    else if (key === 'deadline' && !isIsoDate(value)) problem(name, 'date');
    else if ((key === 'startsAt' || key === 'endsAt') && dateTimeInstant(value) === undefined)
      problem(name, 'dateTime');
  }
  const start = fields.startsAt === undefined ? undefined : dateTimeInstant(fields.startsAt);
  const end = fields.endsAt === undefined ? undefined : dateTimeInstant(fields.endsAt);
  if (start !== undefined && end !== undefined && end < start)
    problem('fields.endsAt', 'endBeforeStart');
  if (fields.imageUrl && !fields.imageAlt) problem('fields.imageAlt', 'imageAlt');
  if (fields.buttonUrl && !fields.buttonLabel) problem('fields.buttonLabel', 'buttonLabel');
  return fields;
}

/**
 * The one check of an item, for the API and the admin form. Problems are keyed by field
 * (`title`, `fields.deadline`, `translations.en.description`); the value is a key of the admin
 * texts. A deadline in the past is no error: see `itemWarnings`.
 */
export function validateItem(
  draft: ItemDraft,
  known: ItemVocabulary,
): { input: ItemInput; errors: Problems } {
  const errors: Problems = {};
  const problem = (field: string, code: string) => (errors[field] ??= `items.errors.${code}`);

  const type = isItemType(draft.type) ? draft.type : undefined;
  if (!type) problem('type', 'type');

  const title = clean(draft.title ?? '');
  if (!title || !isPlainText(title, itemLimits.title)) problem('title', 'title');

  const description = clean(draft.description ?? '');
  const descriptionProblem = markdownProblem(description, itemLimits.description);
  if (descriptionProblem) problem('description', `markdown.${descriptionProblem}`);

  const regions = checkKeys(draft.regions, known.regions);
  if (!regions.ok) problem('regions', 'regions');
  const roles = checkKeys(draft.roles, known.roles);
  if (!roles.ok) problem('roles', 'roles');

  const fields = type ? checkFields(type, draft.fields ?? {}, problem) : {};
  const event = (fields as Record<string, string | undefined>).event;
  if (event !== undefined && !(/^[1-9]\d{0,11}$/.test(event) && known.eventExists?.(Number(event))))
    problem('fields.event', 'event');

  const translations: Record<string, ItemTranslation> = {};
  for (const [lang, given] of Object.entries(draft.translations ?? {})) {
    const name = `translations.${lang}`;
    if (!isLanguage(lang)) {
      problem(name, 'language');
      continue;
    }
    const translation: ItemTranslation = {};
    const tTitle = clean(given?.title ?? '');
    if (tTitle) {
      translation.title = tTitle;
      if (!isPlainText(tTitle, itemLimits.title)) problem(`${name}.title`, 'title');
    }
    const tDescription = clean(given?.description ?? '');
    if (tDescription) {
      translation.description = tDescription;
      const p = markdownProblem(tDescription, itemLimits.description);
      if (p) problem(`${name}.description`, `markdown.${p}`);
    }
    if (translation.title !== undefined || translation.description !== undefined)
      translations[lang] = translation;
  }

  return {
    input: {
      type: type ?? 'text',
      title,
      description,
      regions: regions.keys,
      roles: roles.keys,
      fields,
      translations,
    },
    errors,
  };
}

export interface ItemWarning {
  code: 'deadline-past' | 'training-past';
  message: string;
  /** The values in the message (the admin UI words it itself). */
  params: Record<string, string>;
}

/**
 * What an editor should know before picking an item into an edition (and the pre-send check
 * repeats): a funding deadline that has passed, a training or meeting that has already begun.
 */
export function itemWarnings(
  item: Pick<Item, 'type' | 'fields'>,
  now: number | Date = Date.now(),
): ItemWarning[] {
  const at = typeof now === 'number' ? now : now.getTime();
  const fields = item.fields as Record<string, string | undefined>;
  const warnings: ItemWarning[] = [];
  const deadline = fields.deadline;
  if (item.type === 'funding' && deadline && isIsoDate(deadline) && deadline < berlinDate(at))
    warnings.push({
      code: 'deadline-past',
      message: `The application deadline (${deadline}) has passed.`,
      params: { date: deadline },
    });
  const startsAt = fields.startsAt;
  const start = startsAt ? dateTimeInstant(startsAt) : undefined;
  if ((item.type === 'training' || item.type === 'meeting') && start !== undefined && start < at)
    warnings.push({
      code: 'training-past',
      message: `This ${item.type} starts in the past (${startsAt}).`,
      params: { date: startsAt ?? '' },
    });
  return warnings;
}
