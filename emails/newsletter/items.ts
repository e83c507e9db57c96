import type { Item, ItemType } from '../../server/services/items/types.js';
import type { Labels } from './labels.js';
import { parseMarkdown, safeUrl, webUrl, type MarkdownBlock } from './markdown.js';

/** A text in the language it is written in: the variant's, or German when it fell back. */
export interface Localised {
  value: string;
  lang: string;
  dir: 'ltr' | 'rtl';
}

/** One line of an item: "Frist: 31. März 2027"; `href` makes the value a link. */
export interface Fact {
  label: string;
  value: string;
  href?: string;
}

/**
 * What the layout and the text part show of one item. Each item type has its own partial
 * below that decides which fields appear, in which order and how they are formatted.
 */
export interface ItemView {
  id: number;
  type: ItemType;
  title: Localised;
  description: { blocks: MarkdownBlock[]; lang: string; dir: 'ltr' | 'rtl' };
  facts: Fact[];
  image?: { src: string; alt: string };
  /** A link under the item ("Anmelden"); `button` draws it as a button. */
  action?: { label: string; url: string; button: boolean };
}

export interface ItemContext {
  lang: string;
  labels: Labels;
  localise: (german: string, translated: string | undefined) => Localised;
  /** The registration page of each event an item points to, by event id. */
  eventLinks?: Record<string, string>;
}

type ItemPartial = (item: Item, ctx: ItemContext) => Pick<ItemView, 'facts' | 'image' | 'action'>;

const partials: Record<ItemType, ItemPartial> = {
  funding: (item, { labels, lang }) => ({
    facts: facts([
      [labels.programme, item.fields.programme],
      [labels.funder, item.fields.funder],
      [labels.funded, item.fields.funded],
      [labels.amount, item.fields.amount],
      [labels.deadline, item.fields.deadline && formatDate(item.fields.deadline, lang)],
    ]),
    action: moreInfo(item, labels),
  }),
  counselling: (item, { labels }) => {
    const email = item.fields.email?.trim();
    const phone = item.fields.phone?.trim();
    return {
      facts: [
        ...facts([
          [labels.organisation, item.fields.organisation],
          [labels.person, item.fields.person],
          [labels.topics, item.fields.topics],
          [labels.languages, item.fields.languages],
          [labels.address, item.fields.address],
        ]),
        ...(phone ? [link(labels.phone, phone, telUrl(phone))] : []),
        ...(email ? [link(labels.email, email, mailtoUrl(email))] : []),
        ...facts([[labels.hours, item.fields.hours]]),
      ],
      action: moreInfo(item, labels),
    };
  },
  training: (item, ctx) => appointment(item, ctx),
  meeting: (item, ctx) => appointment(item, ctx),
  support: (item, { labels }) => ({ facts: [], action: moreInfo(item, labels) }),
  text: (item) => {
    const src = webUrl(item.fields.imageUrl);
    const url = webUrl(item.fields.buttonUrl);
    const label = oneLine(item.fields.buttonLabel ?? '');
    return {
      facts: [],
      // An image without its own alt text is described by the item's title.
      image: src
        ? { src, alt: oneLine(item.fields.imageAlt ?? '') || oneLine(item.title) }
        : undefined,
      action: url && label ? { label, url, button: true } : undefined,
    };
  },
};

export function itemView(item: Item, ctx: ItemContext): ItemView {
  const translation = item.translations[ctx.lang];
  const description = ctx.localise(item.description, translation?.description);
  return {
    id: item.id,
    type: item.type,
    title: ctx.localise(oneLine(item.title), translation?.title && oneLine(translation.title)),
    description: {
      blocks: parseMarkdown(description.value),
      lang: description.lang,
      dir: description.dir,
    },
    ...partials[item.type](item, ctx),
  };
}

function appointment(
  item: Item,
  { labels, lang, eventLinks }: ItemContext,
): ReturnType<ItemPartial> {
  const place = oneLine(item.fields.place ?? '');
  // An item that points to an event registers on Landpost's own page.
  const event = item.fields.event ? eventLinks?.[item.fields.event] : undefined;
  const url = webUrl(event ?? item.fields.url);
  return {
    facts: facts([
      [labels.when, formatPeriod(item.fields.startsAt, item.fields.endsAt, lang)],
      [labels.place, !place || /^online$/i.test(place) ? labels.online : place],
      [labels.fee, item.fields.fee],
      [labels.accessibility, item.fields.accessibility],
    ]),
    action: url ? { label: labels.register, url, button: event !== undefined } : undefined,
  };
}

function moreInfo(item: Item, labels: Labels): ItemView['action'] {
  const url = webUrl(item.fields.url);
  return url ? { label: labels.moreInfo, url, button: false } : undefined;
}

function facts(pairs: [string, string | undefined][]): Fact[] {
  return pairs.flatMap(([label, value]) => {
    const clean = oneLine(value ?? '');
    return clean ? [{ label, value: clean }] : [];
  });
}

function link(label: string, value: string, href: string | null): Fact {
  return href ? { label, value: oneLine(value), href } : { label, value: oneLine(value) };
}

function telUrl(phone: string): string | null {
  const digits = phone.replace(/[^\d+]/g, '');
  return /^\+?\d{3,20}$/.test(digits) ? `tel:${digits}` : null;
}

function mailtoUrl(email: string): string | null {
  return /^[^\s@<>"()[\]\\,;:]+@[^\s@<>"()[\]\\,;:]+\.[^\s@<>"()[\]\\,;:]+$/.test(email)
    ? safeUrl(`mailto:${email}`)
    : null;
}

export function oneLine(value: string): string {
  return value
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const zone = 'Europe/Berlin';
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(key: string, lang: string, options: Intl.DateTimeFormatOptions) {
  let found = formatters.get(`${key}:${lang}`);
  if (!found) {
    found = new Intl.DateTimeFormat([lang, 'de'], options);
    formatters.set(`${key}:${lang}`, found);
  }
  return found;
}

/** `YYYY-MM-DD` as a long date in the variant's language; anything else is shown as written. */
export function formatDate(value: string, lang: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!match) return value;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return formatter('date', lang, { dateStyle: 'full', timeZone: 'UTC' }).format(date);
}

/** Start (and end) of an appointment, in Berlin time, formatted for the language. */
export function formatPeriod(
  startsAt: string | undefined,
  endsAt: string | undefined,
  lang: string,
): string | undefined {
  const start = startsAt ? berlinInstant(startsAt) : null;
  if (!start) return startsAt;
  const end = endsAt ? berlinInstant(endsAt) : null;
  const format = formatter('period', lang, {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: zone,
  });
  return end && end > start ? format.formatRange(start, end) : format.format(start);
}

const offsetParts = new Intl.DateTimeFormat('en-US', {
  timeZone: zone,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** Milliseconds Berlin is ahead of UTC at the instant `time`. */
function berlinOffset(time: number): number {
  const parts = Object.fromEntries(
    offsetParts.formatToParts(new Date(time)).map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - Math.floor(time / 1000) * 1000;
}

/** An ISO 8601 time; without an offset it is read as Berlin wall-clock time. */
export function berlinInstant(value: string): Date | null {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
      value.trim(),
    );
  if (!match) return null;
  if (match[7]) {
    const date = new Date(value.trim());
    return Number.isNaN(date.getTime()) ? null : date;
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Two passes find the right offset also next to a daylight-saving change.
  const first = wall - berlinOffset(wall);
  return new Date(wall - berlinOffset(first));
}
