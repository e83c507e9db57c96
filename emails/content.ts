import type { MailContext, TransactionalData } from './render.js';

/**
 * What a transactional mail says, independent of its format. The HTML part (MJML layout) and
 * the text part are both rendered from the same blocks, so they carry the same content and
 * the same links. Every string here is plain text; the renderer escapes it.
 */
export type Block =
  /**
   * A paragraph; lines are kept as line breaks. `auto`: text of unknown language (written by
   * the editors), shown in its own direction rather than the mail's.
   */
  | { type: 'text'; lines: string[]; auto?: boolean }
  /** The call to action: a button in HTML, "label:" and the URL in the text part. */
  | { type: 'button'; label: string; url: string }
  /**
   * A visible link, with an optional sentence above it. `htmlOnly` marks the copyable
   * fallback URL under a button: the text part already shows that URL with the button.
   */
  | { type: 'link'; intro?: string; label: string; url: string; htmlOnly?: boolean };

export interface Content {
  /** Hidden preview line shown by mail clients next to the subject. */
  preheader: string;
  blocks: Block[];
}

export type ContentBuilder = (ctx: MailContext, data: TransactionalData) => Content;

export function text(...lines: string[]): Block {
  return { type: 'text', lines };
}

/**
 * A value put into a right-to-left sentence (org name, address) is wrapped in Unicode
 * isolates, so its dots and dashes are not reordered ("Landnetz e. V." must not turn into
 * ".Landnetz e. V").
 */
export function isolate(ctx: MailContext, value: string): string {
  return ctx.dir === 'rtl' ? `\u2068${value}\u2069` : value;
}

/** "Guten Tag Maria," or "Guten Tag," when the subscriber left the name empty. */
export function greeting(ctx: MailContext, name: string): Block {
  return text(
    name ? ctx.t('mail.greeting', { name: isolate(ctx, name) }) : ctx.t('mail.greetingAnonymous'),
  );
}

/** The URL written out under a button, for clients that block or break the button. */
export function copyableLink(ctx: MailContext, url: string): Block {
  return { type: 'link', intro: ctx.t('mail.linkHint'), label: url, url, htmlOnly: true };
}

/** Editor-written plain text: paragraphs separated by blank lines, single breaks kept. */
export function paragraphs(body: string): Block[] {
  return body
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) =>
      paragraph
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    )
    .filter((lines) => lines.length > 0)
    .map((lines): Block => ({ type: 'text', lines, auto: true }));
}
