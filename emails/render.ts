import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Eta } from 'eta';
import mjml2html from 'mjml';
import * as contentHelpers from './content.js';
import { defaultColours, readableColour } from './newsletter/index.js';
import type { Block, Content, ContentBuilder } from './content.js';
import { confirmation } from './templates/confirmation.js';
import { preferencesLink } from './templates/preferences-link.js';
import { welcome } from './templates/welcome.js';

export type TransactionalKind = 'confirmation' | 'welcome' | 'preferences-link';

export interface MailContext {
  /** 'de' | 'en' | 'ar' | 'uk' | … */
  lang: string;
  dir: 'ltr' | 'rtl';
  /** Translator for `lang`, keys like 'mail.confirmation.subject'. */
  t: (key: string, vars?: Record<string, string | number>) => string;
  /** The organisation's settings at the time of sending. */
  org: {
    name: string;
    imprint: string;
    /** Lines of the carrier's postal address, may be ''. */
    postalAddress: string;
    /** The funder's attribution line, may be ''. */
    attribution: string;
    /** Where replies go (the mail's Reply-To); '' when nobody reads them. */
    replyTo: string;
    /** `#rrggbb` of buttons and links; one with too little contrast on white is not used. */
    primaryColour: string;
    publicUrl: string;
    privacyUrl: string;
  };
}

export interface TransactionalData {
  /** Subscriber's name, may be ''. Shown in welcome and preferences-link, never in confirmation. */
  name: string;
  email: string;
  /** The button: confirmation page (confirmation), preferences page (welcome, preferences-link). */
  actionUrl: string;
  /** Welcome: link to the preferences, if it differs from `actionUrl`. */
  preferencesUrl?: string;
  /** Welcome: link to unsubscribe. */
  unsubscribeUrl?: string;
  /** Welcome: editor-written plain text (paragraphs separated by blank lines), never markup. */
  custom?: { subject: string; body: string };
  /** Confirmation: days after which an unconfirmed sign-up is deleted (default 7). */
  retentionDays?: number;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
  /** `<kind>@<12 hex>`: changes whenever the layout or the kind's content changes. */
  templateVersion: string;
}

const builders: Record<TransactionalKind, ContentBuilder> = {
  confirmation,
  welcome,
  'preferences-link': preferencesLink,
};

/** Translation key prefix per kind: `mail.preferencesLink.*` for 'preferences-link'. */
const keyPrefix: Record<TransactionalKind, string> = {
  confirmation: 'mail.confirmation',
  welcome: 'mail.welcome',
  'preferences-link': 'mail.preferencesLink',
};

const layoutSource = readFileSync(new URL('./templates/layout.mjml', import.meta.url), 'utf8');
const eta = new Eta({ autoEscape: true, useWith: false });
const layout = eta.compile(layoutSource);

/**
 * The version recorded in the consent log: a hash of the layout and of the code that decides
 * what the mail says (the kind's builder, the shared block helpers, the text part). The
 * wording itself lives in the translation files and is not part of it.
 */
const templateVersions = Object.fromEntries(
  (Object.keys(builders) as TransactionalKind[]).map((kind) => {
    const sources = [layoutSource, builders[kind], ...Object.values(contentHelpers), renderText];
    const hash = createHash('sha256').update(sources.map(String).join('\0')).digest('hex');
    return [kind, `${kind}@${hash.slice(0, 12)}`];
  }),
) as Record<TransactionalKind, string>;

export function templateVersion(kind: TransactionalKind): string {
  return templateVersions[kind];
}

/**
 * Render a transactional mail (subject, HTML and text part) in the subscriber's language.
 * Stateless apart from the compiled layout, so concurrent calls are safe. MJML takes a few
 * milliseconds per mail, which is why the result is not cached.
 */
export async function renderTransactional(
  kind: TransactionalKind,
  ctx: MailContext,
  data: TransactionalData,
): Promise<RenderedMail> {
  const build = builders[kind];
  if (!build) throw new TypeError(`Unknown transactional mail kind: ${String(kind)}`);
  for (const [field, url] of [
    ['actionUrl', data.actionUrl],
    ['preferencesUrl', data.preferencesUrl],
    ['unsubscribeUrl', data.unsubscribeUrl],
    ['org.publicUrl', ctx.org.publicUrl],
    ['org.privacyUrl', ctx.org.privacyUrl],
  ] as const) {
    if (url !== undefined) assertWebUrl(field, url);
  }
  const clean: TransactionalData = {
    ...data,
    name: oneLine(data.name),
    email: oneLine(data.email),
  };

  const content = build(ctx, clean);
  const custom = kind === 'welcome' ? oneLine(clean.custom?.subject ?? '') : '';
  const subject = custom || oneLine(ctx.t(`${keyPrefix[kind]}.subject`, { org: ctx.org.name }));
  return {
    ...(await renderContent(ctx, subject, content)),
    templateVersion: templateVersions[kind],
  };
}

/**
 * A mail of the given blocks in the transactional layout (header, footer with imprint and
 * address), as HTML and text; for mails that are not about a subscription (event registrations).
 */
export async function renderContent(
  ctx: MailContext,
  rawSubject: string,
  content: Content,
): Promise<{ subject: string; html: string; text: string }> {
  const subject = oneLine(rawSubject);
  const footer = {
    automatic: ctx.org.replyTo
      ? ctx.t('mail.footer.automaticReply', {
          address: contentHelpers.isolate(ctx, ctx.org.replyTo),
        })
      : ctx.t('mail.footer.automatic'),
    links: [
      { label: ctx.t('mail.footer.website'), url: ctx.org.publicUrl },
      { label: ctx.t('mail.footer.privacy'), url: ctx.org.privacyUrl },
    ],
    imprintLabel: ctx.t('mail.footer.imprint'),
    imprintLines: lines(ctx.org.imprint),
    addressLines: lines(ctx.org.postalAddress),
    attribution: oneLine(ctx.org.attribution),
  };

  const rtl = ctx.dir === 'rtl';
  const mjml = eta.render(layout, {
    lang: ctx.lang,
    dir: rtl ? 'rtl' : 'ltr',
    align: rtl ? 'right' : 'left',
    textStyle: rtl ? 'direction:rtl;text-align:right' : 'direction:ltr;text-align:left',
    subject,
    preheader: content.preheader,
    orgName: ctx.org.name,
    // White button text on it, so the same contrast rule as for links on white.
    colour: readableColour(ctx.org.primaryColour, defaultColours.primary),
    blocks: content.blocks,
    footer,
  });
  const { html } = await mjml2html(mjml, {
    validationLevel: 'strict',
    fonts: {},
    keepComments: false,
    ignoreIncludes: true,
  });

  return {
    subject,
    html: presentationTables(html),
    text: renderText(content, footer),
  };
}

/**
 * The text/plain part, from the same blocks as the HTML; the imprint, the postal address and
 * the funder's line close it.
 */
function renderText(
  content: Content,
  footer: {
    automatic: string;
    links: { label: string; url: string }[];
    imprintLabel: string;
    imprintLines: string[];
    addressLines: string[];
    attribution: string;
  },
): string {
  const body = content.blocks.flatMap((block: Block): string[] => {
    switch (block.type) {
      case 'text':
        return [block.lines.join('\n')];
      case 'button':
        return [`${block.label}:\n${block.url}`];
      case 'link':
        if (block.htmlOnly) return [];
        if (block.intro) return [`${block.intro}\n${block.url}`];
        return [block.label === block.url ? block.url : `${block.label}: ${block.url}`];
    }
  });
  const links = footer.links.map((link) => `${link.label}: ${link.url}`).join('\n');
  const imprint = footer.imprintLines.length
    ? [[footer.imprintLabel, ...footer.imprintLines].join('\n')]
    : [];
  const closing = [footer.addressLines.join('\n'), footer.attribution].filter((part) => part);
  // "-- " (with the space) is the standard signature separator; clients fold what follows.
  return `${[...body, `-- \n${footer.automatic}`, links, ...imprint, ...closing].join('\n\n')}\n`;
}

/** The non-empty lines of a multi-line setting (imprint, postal address), trimmed. */
function lines(value: string): string[] {
  return value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** MJML marks its layout tables already; this guarantees it for every table it may add. */
function presentationTables(html: string): string {
  return html.replace(/<table\b(?![^>]*\brole=)/gi, '<table role="presentation"');
}

function oneLine(value: string): string {
  return value
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function assertWebUrl(field: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${field} is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`${field} must be an http(s) URL`);
  }
}
