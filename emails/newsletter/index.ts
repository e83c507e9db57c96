import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Eta } from 'eta';
import mjml2html from 'mjml';
import type { Item, ItemType } from '../../server/services/items/types.js';
import { itemView, oneLine, type ItemView, type Localised } from './items.js';
import { directionOf, labelsFor } from './labels.js';
import {
  LinkList,
  escapeHtml,
  markdownToHtml,
  markdownToText,
  parseMarkdown,
  webUrl,
  type HtmlStyle,
} from './markdown.js';

/** The region key of items meant for every region. */
export const overregional = 'overregional';

export interface EditionTranslation {
  subject?: string;
  preheader?: string;
  intro?: string;
  /** Section headings per item type. */
  headings?: Partial<Record<ItemType, string>>;
}

export interface EditionSection {
  type: ItemType;
  heading: string;
  /** Items of other regions or roles: under a sub-heading ('show') or left out ('hide'). */
  elsewhere: 'show' | 'hide';
  items: Item[];
}

/** An edition as the editors composed it: German texts, translations per language code. */
export interface EditionContent {
  number: number;
  title: string;
  subject: string;
  preheader: string;
  /** Markdown. */
  intro: string;
  sections: EditionSection[];
  translations: Record<string, EditionTranslation>;
  /**
   * The "recommend to a colleague" link to the sign-up form: the same for every recipient of a
   * variant (a personal one is made by the click redirect). None: no recommendation block.
   */
  recommendUrl?: string;
  /** The registration page of each event an item points to, by event id. */
  eventLinks?: Record<string, string>;
}

/** One rendering of an edition: all recipients with the same language, region and role. */
export interface Variant {
  language: string;
  region: string | null;
  role: string | null;
}

export interface Org {
  name: string;
  logoUrl?: string;
  /** `#rrggbb`; a colour with too little contrast on white falls back to the default. */
  colours: { primary: string; text?: string };
  /** Impressum, one entry per line. */
  imprint: string;
  postalAddress: string;
  /** The funder's line every newsletter carries. */
  attribution: string;
  privacyUrl: string;
  publicUrl: string;
  /** The From of the messages; used by the send path, not shown in the body. */
  sender: { name: string; address: string };
}

export type PlaceholderName = 'greeting' | 'unsubscribe_url' | 'preferences_url';

/**
 * A variant ready to be personalised. `html` and `text` hold the placeholders; everything
 * here is plain data, so a compiled variant can be stored or handed to a worker as is.
 */
export interface CompiledVariant {
  variant: Variant;
  subject: string;
  preheader: string;
  html: string;
  text: string;
  /** Bytes of `html` (UTF-8), with the placeholders. */
  size: number;
  /** The token standing for each placeholder, random per compile. */
  placeholders: Record<PlaceholderName, string>;
  /** Greeting with `{name}`, and the one without a name, in the variant's language. */
  greeting: { named: string; anonymous: string; dir: 'ltr' | 'rtl' };
}

export interface Recipient {
  name?: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
}

export const defaultColours = { primary: '#1d4e89', text: '#1a1a1a' } as const;

const layoutSource = readFileSync(new URL('./layout.mjml', import.meta.url), 'utf8');
const eta = new Eta({ autoEscape: true, useWith: false });
const layout = eta.compile(layoutSource);

/**
 * Render an edition for one variant: texts in the variant's language (German where a
 * translation is missing), items for the variant's region and role first, the others under
 * a sub-heading or left out as each section says. MJML runs here, once per variant;
 * `personalise` then only substitutes the placeholders.
 */
export async function compileVariant(
  edition: EditionContent,
  variant: Variant,
  org: Org,
): Promise<CompiledVariant> {
  const lang = variant.language || 'de';
  const dir = directionOf(lang);
  const rtl = dir === 'rtl';
  const labels = labelsFor(lang);
  const translation = lang === 'de' ? undefined : edition.translations[lang];
  const textStyle = directionStyle(dir);
  const colours = {
    primary: readableColour(org.colours.primary, defaultColours.primary),
    text: readableColour(org.colours.text, defaultColours.text),
  };
  const linkStyle = `color:${colours.primary};text-decoration:underline`;
  const markdownStyle: HtmlStyle = { link: linkStyle, block: 'margin:0 0 8px 0' };

  const localise = (german: string, translated: string | undefined): Localised =>
    translated?.trim()
      ? { value: translated, lang, dir }
      : { value: german, lang: 'de', dir: 'ltr' };
  const styled = (text: Localised) => ({ ...text, style: directionStyle(text.dir) });

  const nonce = randomBytes(12).toString('hex');
  const placeholders: Record<PlaceholderName, string> = {
    greeting: `lp_${nonce}_greeting`,
    unsubscribe_url: `lp_${nonce}_unsubscribe_url`,
    preferences_url: `lp_${nonce}_preferences_url`,
  };

  const subject = oneLine(localise(edition.subject, translation?.subject).value);
  const preheader = oneLine(localise(edition.preheader, translation?.preheader).value);
  const title = localise(oneLine(edition.title), undefined);
  const intro = localise(edition.intro, translation?.intro);
  const introBlocks = parseMarkdown(intro.value);

  const sections = edition.sections.flatMap((section) => {
    const heading = localise(oneLine(section.heading), translation?.headings?.[section.type]);
    const groups = groupItems(section, variant, labels)
      .filter((group) => group.items.length > 0)
      .map((group) => ({
        heading: group.heading,
        items: group.items.map((item) =>
          itemView(item, { lang, labels, localise, eventLinks: edition.eventLinks }),
        ),
      }));
    return groups.length > 0 ? [{ type: section.type, heading, groups }] : [];
  });

  const recommendUrl = edition.recommendUrl ? webUrl(edition.recommendUrl) : null;
  const recommend = recommendUrl
    ? { why: labels.recommendWhy, label: labels.recommend, url: recommendUrl }
    : null;

  const footer = {
    why: labels.why.replace('{org}', isolate(oneLine(org.name), rtl)),
    links: [
      { label: labels.preferences, url: placeholders.preferences_url },
      { label: labels.unsubscribe, url: placeholders.unsubscribe_url },
      ...[
        { label: labels.website, url: webUrl(org.publicUrl) },
        { label: labels.privacy, url: webUrl(org.privacyUrl) },
      ].filter((link): link is { label: string; url: string } => link.url !== null),
    ],
    imprintLabel: labels.imprint,
    imprintLines: lines(org.imprint),
    addressLines: lines(org.postalAddress),
    attribution: oneLine(org.attribution),
  };

  const mjml = eta.render(layout, {
    lang,
    dir,
    align: rtl ? 'right' : 'left',
    textStyle,
    linkStyle,
    colours,
    subject,
    preheader,
    orgName: oneLine(org.name),
    logo: org.logoUrl ? webUrl(org.logoUrl) : null,
    title: styled(title),
    greeting: placeholders.greeting,
    intro: { ...styled(intro), html: markdownToHtml(introBlocks, markdownStyle) },
    sections: sections.map((section) => ({
      heading: styled(section.heading),
      groups: section.groups.map((group) => ({
        heading: group.heading,
        // Items under "In other regions" sit one heading level lower.
        itemTag: group.heading ? 'h4' : 'h3',
        items: group.items.map((item) => ({
          ...item,
          title: styled(item.title),
          description: { ...item.description, style: directionStyle(item.description.dir) },
          descriptionHtml: markdownToHtml(item.description.blocks, markdownStyle),
        })),
      })),
    })),
    footer,
    recommend,
  });
  const { html: rawHtml } = await mjml2html(mjml, {
    validationLevel: 'strict',
    fonts: {},
    keepComments: false,
    ignoreIncludes: true,
  });
  const html = presentationTables(rawHtml);

  const links = new LinkList();
  const body: string[] = [
    title.value,
    placeholders.greeting,
    markdownToText(introBlocks, links),
    ...sections.flatMap((section) => [
      underline(section.heading.value, '='),
      ...section.groups.flatMap((group) => [
        ...(group.heading ? [underline(group.heading, '-')] : []),
        ...group.items.map((item) => itemText(item, links)),
      ]),
    ]),
    ...(recommend ? [`${recommend.why}\n${recommend.label}: ${recommend.url}`] : []),
  ].filter((part) => part.trim() !== '');
  const references = links.urls.length
    ? [[`${labels.links}:`, ...links.urls.map((url, i) => `[${i + 1}] ${url}`)].join('\n')]
    : [];
  const closing = [
    footer.why,
    `${labels.preferences}: ${placeholders.preferences_url}\n${labels.unsubscribe}: ${placeholders.unsubscribe_url}`,
    footer.links
      .slice(2)
      .map((link) => `${link.label}: ${link.url}`)
      .join('\n'),
    [`${labels.imprint}:`, ...footer.imprintLines].join('\n'),
    footer.addressLines.join('\n'),
    footer.attribution,
  ].filter((part) => part.trim() !== '');
  // "-- " (with the space) is the standard signature separator; clients fold what follows.
  const text = `${[...body, ...references, `-- \n${closing.join('\n\n')}`].join('\n\n')}\n`;

  return {
    variant,
    subject,
    preheader,
    html,
    text,
    size: Buffer.byteLength(html, 'utf8'),
    placeholders,
    greeting: { named: labels.greeting, anonymous: labels.greetingAnonymous, dir },
  };
}

/**
 * The message for one recipient: the placeholders replaced, values HTML-escaped in the HTML
 * part. Plain string work, a few microseconds per recipient.
 */
export function personalise(
  compiled: CompiledVariant,
  recipient: Recipient,
): { html: string; text: string } {
  const values = personalValues(compiled, recipient);
  const prepared = placeholderPieces(compiled);
  return { html: fill(prepared.html, values.html), text: fill(prepared.text, values.text) };
}

/**
 * What stands in for each placeholder for one recipient, in the HTML (escaped) and in the
 * text. Throws a TypeError on a link that is not http(s).
 */
export function personalValues(
  compiled: Pick<CompiledVariant, 'greeting'>,
  recipient: Recipient,
): { html: Record<PlaceholderName, string>; text: Record<PlaceholderName, string> } {
  for (const url of [recipient.unsubscribeUrl, recipient.preferencesUrl]) {
    if (!/^https?:\/\/[^\s<>"]+$/.test(url)) throw new TypeError('Recipient URLs must be http(s)');
  }
  const name = oneLine(recipient.name ?? '').slice(0, 100);
  const { greeting: words } = compiled;
  const shownName = isolate(name, words.dir === 'rtl');
  const greeting = name ? words.named.replace('{name}', () => shownName) : words.anonymous;
  return {
    html: {
      greeting: escapeHtml(greeting),
      unsubscribe_url: escapeHtml(recipient.unsubscribeUrl),
      preferences_url: escapeHtml(recipient.preferencesUrl),
    },
    text: {
      greeting,
      unsubscribe_url: recipient.unsubscribeUrl,
      preferences_url: recipient.preferencesUrl,
    },
  };
}

/** Even entries are literal text, odd entries placeholder names. */
export type Pieces = string[];
const prepared = new WeakMap<object, { html: Pieces; text: Pieces }>();

/** The HTML and the text of a variant cut at its placeholders (computed once per variant). */
export function placeholderPieces(
  compiled: Pick<CompiledVariant, 'html' | 'text' | 'placeholders'>,
): { html: Pieces; text: Pieces } {
  let found = prepared.get(compiled);
  if (!found) {
    const tokens = Object.entries(compiled.placeholders) as [PlaceholderName, string][];
    const byToken = new Map(tokens.map(([name, token]) => [token, name]));
    const pattern = new RegExp(`(${tokens.map(([, token]) => token).join('|')})`);
    const pieces = (source: string) =>
      source.split(pattern).map((piece, i) => (i % 2 ? (byToken.get(piece) ?? piece) : piece));
    found = { html: pieces(compiled.html), text: pieces(compiled.text) };
    prepared.set(compiled, found);
  }
  return found;
}

function fill(pieces: Pieces, values: Record<PlaceholderName, string>): string {
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] ?? '';
    out += i % 2 ? values[piece as PlaceholderName] : piece;
  }
  return out;
}

interface Group {
  heading: string | null;
  items: Item[];
}

/**
 * Items for the variant's region and role (or for every region/role) first; then those of
 * other regions, then those of other roles, each under its sub-heading, unless the section
 * hides them.
 */
function groupItems(
  section: EditionSection,
  variant: Variant,
  labels: ReturnType<typeof labelsFor>,
): Group[] {
  const mine: Item[] = [];
  const otherRegions: Item[] = [];
  const otherRoles: Item[] = [];
  for (const item of section.items) {
    if (!reaches(item.regions, variant.region, true)) otherRegions.push(item);
    else if (!reaches(item.roles, variant.role, false)) otherRoles.push(item);
    else mine.push(item);
  }
  if (section.elsewhere === 'hide') return [{ heading: null, items: mine }];
  return [
    { heading: null, items: mine },
    { heading: labels.otherRegions, items: otherRegions },
    { heading: labels.otherRoles, items: otherRoles },
  ];
}

function reaches(keys: string[], key: string | null, region: boolean): boolean {
  if (keys.length === 0) return true;
  if (region && keys.includes(overregional)) return true;
  return key !== null && keys.includes(key);
}

function itemText(item: ItemView, links: LinkList): string {
  const lines = [item.title.value];
  const description = markdownToText(item.description.blocks, links);
  if (description) lines.push(description);
  for (const fact of item.facts) lines.push(`${fact.label}: ${fact.value}`);
  if (item.image) lines.push(`[${item.image.alt}]`);
  if (item.action) lines.push(`${item.action.label} [${links.ref(item.action.url)}]`);
  return lines.join('\n');
}

function underline(heading: string, char: string): string {
  return `${heading}\n${char.repeat(Math.min(Math.max([...heading].length, 3), 72))}`;
}

function lines(value: string): string[] {
  return value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => oneLine(line))
    .filter((line) => line !== '');
}

function directionStyle(dir: 'ltr' | 'rtl'): string {
  return dir === 'rtl' ? 'direction:rtl;text-align:right' : 'direction:ltr;text-align:left';
}

/** A name in a right-to-left sentence keeps its dots and dashes in place (Unicode isolates). */
function isolate(value: string, rtl: boolean): string {
  return rtl ? `\u2068${value}\u2069` : value;
}

/** MJML marks its layout tables already; this guarantees it for every table it may add. */
function presentationTables(html: string): string {
  return html.replace(/<table\b(?![^>]*\brole=)/gi, '<table role="presentation"');
}

/** The colour if it is `#rrggbb` with a contrast of at least 4.5:1 on white, else `fallback`. */
export function readableColour(colour: string | undefined, fallback: string): string {
  return colour && /^#[0-9a-f]{6}$/i.test(colour) && contrastOnWhite(colour) >= 4.5
    ? colour.toLowerCase()
    : fallback;
}

/** WCAG 2 contrast ratio of a `#rrggbb` colour against white. */
export function contrastOnWhite(colour: string): number {
  const channel = (offset: number) => {
    const value = parseInt(colour.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05);
}
