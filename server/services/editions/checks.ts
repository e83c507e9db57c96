import {
  compileVariant,
  overregional,
  personalise,
  type CompiledVariant,
  type EditionContent,
  type Org,
  type Recipient,
  type Variant,
} from '../../../emails/newsletter/index.js';
import { escapeHtml } from '../../../emails/newsletter/markdown.js';
import { composeRawMessage, findSpamAssassin, scoreMessage } from '../../infra/spamassassin.js';
import { itemWarnings } from '../items/validate.js';

/** One finding of the pre-send check; an error blocks the send. */
export interface Check {
  level: 'error' | 'warning' | 'info';
  code: string;
  /** In English (the API's language). */
  message: string;
  /** The values in the message, for the admin UI's own wording (`checks.<code>`). */
  params: Record<string, string>;
}

/** A check in the admin UI's language: its text with its values, or the English message. */
export function checkText(
  check: Check,
  t: (key: string, vars?: Record<string, string>) => string,
): string {
  const key = `checks.${check.code}`;
  const text = t(key, check.params);
  return text === key ? check.message : text;
}

export interface PresendInput {
  edition: EditionContent;
  org: Org;
  /** The variants the edition will be sent in; the German one without region and role first. */
  variants: Variant[];
  /** The sample recipient the spam score's test mail is personalised for. */
  recipient: Recipient;
  /** Compiles a variant; a caller that already compiled some passes a memoised one. */
  compile?: (variant: Variant) => Promise<CompiledVariant>;
  /** Score the German default variant with SpamAssassin (seconds; only the explicit check). */
  spamScore?: boolean;
  now?: number;
}

/** Gmail clips a message whose HTML is larger than 102 KB. */
export const CLIP_BYTES = 102 * 1024;
export const SIZE_WARNING_BYTES = 80 * 1024;
export const SPAM_WARNING = 3;
export const SPAM_ERROR = 5;

const germanDefault: Variant = { language: 'de', region: null, role: null };

/** Everything a sender should know before an edition goes out: errors block the send. */
export async function presendChecks(input: PresendInput): Promise<Check[]> {
  const { edition, org } = input;
  const compile = input.compile ?? ((variant: Variant) => compileVariant(edition, variant, org));
  const checks: Check[] = [];
  const add = (
    level: Check['level'],
    code: string,
    message: string,
    params: Record<string, string> = {},
  ) => checks.push({ level, code, message, params });

  if (!edition.subject.trim()) add('error', 'subject-missing', 'The edition has no subject.');
  if (!edition.preheader.trim())
    add('warning', 'preheader-missing', 'The edition has no preheader (the preview line).');
  const items = edition.sections.flatMap((section) => section.items);
  if (items.length === 0) add('error', 'no-items', 'The edition has no items.');

  for (const item of items)
    for (const warning of itemWarnings(item, input.now))
      add('warning', warning.code, `“${item.title}”: ${warning.message}`, {
        title: item.title,
        ...warning.params,
      });

  const seenLinks = new Set<string>();
  const checkLink = (href: string) => {
    if (seenLinks.has(href)) return;
    seenLinks.add(href);
    const problem = linkProblem(href);
    if (problem === 'insecure')
      add('warning', 'link-insecure', `The link ${href} is not encrypted (http:).`, { href });
    else if (problem === 'broken')
      add('error', 'link-broken', `The link “${href}” is broken.`, { href });
  };
  // The renderer leaves out what it cannot link, so the editors' own links are checked too.
  for (const href of markdownLinks(edition.intro)) checkLink(href);
  for (const item of items) {
    const fields = item.fields as Record<string, string | undefined>;
    for (const key of ['url', 'imageUrl', 'buttonUrl']) {
      const value = fields[key];
      if (value !== undefined && value !== '') checkLink(value);
    }
    for (const href of markdownLinks(item.description)) checkLink(href);
    if (fields.imageUrl && !fields.imageAlt?.trim())
      add('error', 'image-alt-missing', `The image of “${item.title}” has no alt text.`, {
        what: item.title,
      });
  }
  for (const variant of input.variants) {
    const name = variantName(variant);
    if (items.length > 0 && !items.some((item) => reaches(item, variant)))
      add('warning', 'variant-empty', `The variant ${name} has no items of its own.`, {
        variant: name,
      });
    let compiled: CompiledVariant;
    try {
      compiled = await compile(variant);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      add('error', 'render-failed', `The variant ${name} does not render: ${reason}`, {
        variant: name,
        reason,
      });
      continue;
    }
    const kb = (compiled.size / 1024).toFixed(1);
    if (compiled.size >= CLIP_BYTES)
      add('error', 'size-clipped', `The variant ${name} is ${kb} KB: Gmail clips it (102 KB).`, {
        variant: name,
        kb,
      });
    else if (compiled.size >= SIZE_WARNING_BYTES)
      add('warning', 'size-large', `The variant ${name} is ${kb} KB, close to Gmail's 102 KB.`, {
        variant: name,
        kb,
      });
    for (const img of compiled.html.match(/<img\b[^>]*>/gi) ?? []) {
      if (!/\balt="[^"]*\S[^"]*"/i.test(img))
        add('error', 'image-alt-missing', `An image in ${name} has no alt text: ${srcOf(img)}`, {
          what: srcOf(img),
        });
    }
    for (const href of linksOf(compiled)) checkLink(href);
    for (const [code, what, value] of [
      ['unsubscribe-missing', 'the unsubscribe link', compiled.placeholders.unsubscribe_url],
      ['imprint-missing', 'the imprint', firstLine(org.imprint)],
      ['attribution-missing', "the funder's line", firstLine(org.attribution)],
    ] as const) {
      const inHtml = value !== '' && compiled.html.includes(escapeHtml(value));
      const inText = value !== '' && compiled.text.includes(value);
      if (!inHtml || !inText)
        add(
          'error',
          code,
          `The variant ${name} lacks ${what} in ${missingParts(inHtml, inText)}.`,
          {
            variant: name,
          },
        );
    }
  }

  if (input.spamScore) checks.push(await spamCheck(input, compile));
  return checks;
}

async function spamCheck(
  input: PresendInput,
  compile: (variant: Variant) => Promise<CompiledVariant>,
): Promise<Check> {
  const binary = findSpamAssassin();
  if (!binary)
    return {
      level: 'info',
      code: 'spam-score-unavailable',
      message: 'SpamAssassin is not installed: no spam score.',
      params: { reason: 'SpamAssassin is not installed' },
    };
  const { org, recipient } = input;
  let compiled: CompiledVariant;
  try {
    compiled = await compile(germanDefault);
  } catch {
    return {
      level: 'info',
      code: 'spam-score-unavailable',
      message: 'The mail does not render.',
      params: { reason: 'the mail does not render' },
    };
  }
  const { html, text } = personalise(compiled, recipient);
  const host = hostOf(org.publicUrl) ?? 'localhost';
  const senderDomain = org.sender.address.split('@')[1] ?? host;
  const raw = await composeRawMessage({
    from: `"${org.sender.name.replace(/["\\]/g, '')}" <${org.sender.address}>`,
    to: `preview@${senderDomain}`,
    subject: compiled.subject,
    html,
    text,
    headers: {
      'List-Id': `${org.name.replace(/[<>\r\n]/g, '')} <newsletter.${host}>`,
      'List-Unsubscribe': `<${recipient.unsubscribeUrl}>, <mailto:unsubscribe+preview@${senderDomain}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      Precedence: 'bulk',
    },
  });
  try {
    const result = await scoreMessage(raw, { binary });
    const top = result.rules
      .filter((rule) => rule.score > 0)
      .slice(0, 5)
      .map((rule) => `${rule.rule} (${rule.score})`)
      .join(', ');
    const level =
      result.score >= SPAM_ERROR ? 'error' : result.score >= SPAM_WARNING ? 'warning' : 'info';
    return {
      level,
      code: 'spam-score',
      message: `SpamAssassin score ${result.score} (spam from ${result.required})${top ? `; top rules: ${top}` : ''}.`,
      params: { score: String(result.score), required: String(result.required), rules: top || '–' },
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      level: 'info',
      code: 'spam-score-unavailable',
      message: `No spam score: ${reason}`,
      params: { reason },
    };
  }
}

export function variantName(variant: Variant): string {
  return [variant.language, variant.region ?? 'all regions', variant.role ?? 'all roles'].join(
    ' / ',
  );
}

function reaches(item: { regions: string[]; roles: string[] }, variant: Variant): boolean {
  const region =
    item.regions.length === 0 ||
    item.regions.includes(overregional) ||
    (variant.region !== null && item.regions.includes(variant.region));
  const role =
    item.roles.length === 0 || (variant.role !== null && item.roles.includes(variant.role));
  return region && role;
}

/** The link targets of the HTML part, without the recipient's own links. */
function linksOf(compiled: CompiledVariant): string[] {
  const own = new Set(Object.values(compiled.placeholders));
  return [...compiled.html.matchAll(/\bhref="([^"]*)"/gi)]
    .map((match) => unescapeHtml(match[1] ?? ''))
    .filter((href) => !own.has(href) && !/^(mailto|tel):/i.test(href));
}

function linkProblem(href: string): 'insecure' | 'broken' | null {
  if (/\s/.test(href) || href.trim() === '') return 'broken';
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return 'broken';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'broken';
  if (!url.hostname) return 'broken';
  return url.protocol === 'http:' ? 'insecure' : null;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

const firstLine = (value: string) =>
  value
    .split(/\r\n?|\n/)
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .find((line) => line !== '') ?? '';

const missingParts = (inHtml: boolean, inText: boolean) =>
  !inHtml && !inText ? 'HTML and text' : !inHtml ? 'the HTML part' : 'the text part';

/** The targets of Markdown links, `[text](target)`, as the editors wrote them. */
const markdownLinks = (source: string) =>
  [...source.matchAll(/\]\(([^)\n]*)\)/g)].map((match) => match[1] ?? '');

const srcOf = (img: string) => /\bsrc="([^"]*)"/i.exec(img)?.[1] ?? '(no source)';

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
