import type { EditionInput } from '../../../db/queries/editions.js';
import { isLanguage } from '../../i18n/index.js';
import { itemTypes } from '../items/types.js';
import { isIsoDate, isItemType, itemLimits, markdownProblem } from '../items/validate.js';
import type { ItemType } from '../items/types.js';
import { isPlainText } from '../plain-text.js';
import type { Problems } from '../reference/problems.js';
import type { EditionSection, EditionTranslation } from './types.js';

/** The limits of an edition's texts: the validator checks them, the API's schema states them. */
export const editionLimits = {
  title: 200,
  subject: 200,
  preheader: 200,
  /** the same rule as an item's description */
  intro: itemLimits.description,
  heading: 100,
  /** the highest number in the series */
  number: 9999,
  /** items per edition */
  items: 200,
} as const;

/** The sections of a new edition: one per item type, German headings, in this order. */
export const defaultSections: readonly EditionSection[] = [
  { type: 'funding', heading: 'Fördermöglichkeiten', elsewhere: 'show' },
  { type: 'counselling', heading: 'Beratungsangebote', elsewhere: 'show' },
  { type: 'training', heading: 'Weiterbildungen', elsewhere: 'show' },
  { type: 'meeting', heading: 'Vernetzungstreffen', elsewhere: 'show' },
  { type: 'support', heading: 'Unterstützungsmöglichkeiten', elsewhere: 'show' },
  { type: 'text', heading: 'Aus dem Netzwerk', elsewhere: 'show' },
];

/** An edition as a form or an API body gives it: not yet trimmed or checked. */
export interface EditionDraft {
  number?: number;
  title: string;
  subject: string;
  preheader?: string;
  intro?: string;
  targetDate?: string | null;
  inArchive?: boolean;
  /** Item ids in display order. */
  items?: number[];
  sections?: EditionSection[];
  translations?: Record<string, EditionTranslation>;
}

/** What an edition may name: the items in the library and the numbers other editions hold. */
export interface EditionVocabulary {
  items: ReadonlySet<number>;
  takenNumbers: ReadonlySet<number>;
}

/** The problems that are a conflict with another edition (409), not a wrong body (400). */
export const editionConflicts: ReadonlySet<string> = new Set(['editions.errors.numberTaken']);

const clean = (value: unknown) =>
  typeof value === 'string' ? value.trim().replace(/\r\n?/g, '\n') : '';

/** `3-fruehjahr-im-landkreis`: the number, then the title in lowercase ASCII. */
export function editionSlug(number: number, title: string): string {
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
  return words ? `${number}-${words}` : String(number);
}

function checkSections(
  given: readonly EditionSection[],
  problem: (field: string, code: string) => void,
): EditionSection[] {
  const sections: EditionSection[] = [];
  const seen = new Set<ItemType>();
  given.forEach((section, i) => {
    const name = `sections.${i}`;
    const type = isItemType(section?.type) ? section.type : undefined;
    if (!type) problem(`${name}.type`, 'sectionType');
    else if (seen.has(type)) problem(`${name}.type`, 'sectionTwice');
    const heading = clean(section?.heading);
    if (!heading || !isPlainText(heading, editionLimits.heading))
      problem(`${name}.heading`, 'heading');
    const elsewhere = section?.elsewhere;
    if (elsewhere !== 'show' && elsewhere !== 'hide') problem(`${name}.elsewhere`, 'elsewhere');
    if (type && !seen.has(type)) {
      seen.add(type);
      sections.push({ type, heading, elsewhere: elsewhere === 'hide' ? 'hide' : 'show' });
    }
  });
  if (itemTypes.some((type) => !seen.has(type))) problem('sections', 'sectionsIncomplete');
  return sections;
}

function checkItems(
  given: readonly unknown[],
  known: ReadonlySet<number>,
  problem: (field: string, code: string) => void,
): number[] {
  const ids: number[] = [];
  if (given.length > editionLimits.items) problem('items', 'tooManyItems');
  for (const id of given) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
      problem('items', 'itemId');
      continue;
    }
    // Keyed by the item id, so the answer names the item that is wrong.
    if (ids.includes(id)) problem(`items.${id}`, 'itemTwice');
    else if (!known.has(id)) problem(`items.${id}`, 'unknownItem');
    else ids.push(id);
  }
  return ids;
}

function checkTranslation(
  name: string,
  given: EditionTranslation,
  problem: (field: string, code: string) => void,
): EditionTranslation {
  const translation: EditionTranslation = {};
  const subject = clean(given?.subject);
  if (subject) {
    translation.subject = subject;
    if (!isPlainText(subject, editionLimits.subject)) problem(`${name}.subject`, 'subject');
  }
  const preheader = clean(given?.preheader);
  if (preheader) {
    translation.preheader = preheader;
    if (!isPlainText(preheader, editionLimits.preheader)) problem(`${name}.preheader`, 'preheader');
  }
  const intro = clean(given?.intro);
  if (intro) {
    translation.intro = intro;
    const p = markdownProblem(intro, editionLimits.intro);
    if (p) problem(`${name}.intro`, `markdown.${p}`);
  }
  const headings: Partial<Record<ItemType, string>> = {};
  for (const [type, raw] of Object.entries(given?.headings ?? {})) {
    if (!isItemType(type)) {
      problem(`${name}.headings.${type}`, 'sectionType');
      continue;
    }
    const heading = clean(raw);
    if (!heading) continue;
    headings[type] = heading;
    if (!isPlainText(heading, editionLimits.heading))
      problem(`${name}.headings.${type}`, 'heading');
  }
  if (Object.keys(headings).length > 0) translation.headings = headings;
  return translation;
}

/**
 * The one check of an edition, for the API and the admin form. Problems are keyed by field
 * (`subject`, `items.42`, `translations.en.intro`); the value is a key of the admin texts. A
 * number another edition holds is a conflict (`editionConflicts`). An edition without items
 * is no error: see `editionWarnings`.
 */
export function validateEdition(
  draft: EditionDraft,
  known: EditionVocabulary,
): { input: EditionInput & { items: number[] }; errors: Problems } {
  const errors: Problems = {};
  const problem = (field: string, code: string) =>
    // The Markdown rule and its texts are the item description's.
    (errors[field] ??= code.startsWith('markdown.')
      ? `items.errors.${code}`
      : `editions.errors.${code}`);

  const number = draft.number;
  const validNumber =
    typeof number === 'number' &&
    Number.isSafeInteger(number) &&
    number >= 1 &&
    number <= editionLimits.number;
  if (!validNumber) problem('number', 'number');
  else if (known.takenNumbers.has(number)) problem('number', 'numberTaken');

  const title = clean(draft.title);
  if (!title || !isPlainText(title, editionLimits.title)) problem('title', 'title');
  const subject = clean(draft.subject);
  if (!subject || !isPlainText(subject, editionLimits.subject)) problem('subject', 'subject');
  const preheader = clean(draft.preheader);
  if (!isPlainText(preheader, editionLimits.preheader)) problem('preheader', 'preheader');
  const intro = clean(draft.intro);
  const introProblem = markdownProblem(intro, editionLimits.intro);
  if (introProblem) problem('intro', `markdown.${introProblem}`);

  const targetDate = draft.targetDate ?? null;
  if (targetDate !== null && (typeof targetDate !== 'string' || !isIsoDate(targetDate)))
    problem('targetDate', 'date');
  const inArchive = draft.inArchive ?? true;
  if (typeof inArchive !== 'boolean') problem('inArchive', 'inArchive');

  const items = checkItems(draft.items ?? [], known.items, problem);
  const sections = checkSections(draft.sections ?? defaultSections, problem);

  const translations: Record<string, EditionTranslation> = {};
  for (const [lang, given] of Object.entries(draft.translations ?? {})) {
    const name = `translations.${lang}`;
    if (!isLanguage(lang)) {
      problem(name, 'language');
      continue;
    }
    const translation = checkTranslation(name, given, problem);
    if (Object.keys(translation).length > 0) translations[lang] = translation;
  }

  const n = validNumber ? number : 0;
  return {
    input: {
      number: n,
      title,
      subject,
      preheader,
      intro,
      status: 'draft',
      targetDate,
      inArchive: inArchive !== false,
      slug: editionSlug(n, title),
      sections,
      translations,
      items,
    },
    errors,
  };
}

export interface EditionWarning {
  code: 'no-items';
  message: string;
}

/** What an editor should know before the edition goes out: for now, that it has no items. */
export function editionWarnings(edition: { items: readonly unknown[] }): EditionWarning[] {
  return edition.items.length === 0
    ? [{ code: 'no-items', message: 'The edition has no items yet.' }]
    : [];
}
