import { randomBytes } from 'node:crypto';
import {
  encodeWord,
  encodeWords,
  foldLines,
  quoteString,
} from 'nodemailer/lib/mime-funcs/index.js';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp/index.js';
import {
  personalValues,
  placeholderPieces,
  type PlaceholderName,
  type Recipient,
} from '../emails/newsletter/index.js';
import type { CampaignSending, StoredVariant } from './campaign-store.js';
import { bodyHash, dkimSignatureHeader, relaxedLines, type DkimKey } from './dkim.js';
import { asciiRecipient, headerSafe, type PreparedMessage } from './mailer.js';

/**
 * Newsletter messages, built fast: everything a variant's messages share — the header fields,
 * the MIME structure, the quoted-printable encoding of the HTML and the text between the
 * placeholders and its DKIM canonical form — is made once per variant. Per recipient only the
 * personal values are encoded; the pieces are joined with soft line breaks (`=` at a line end,
 * which decoding removes), so every piece starts a line of its own and its relaxed form does not
 * depend on its neighbours.
 */

type Segment =
  | { kind: 'fixed'; raw: Buffer; canonical: Buffer }
  | { kind: 'personal'; name: string; part: 'html' | 'text' };

export interface NewsletterTemplate {
  variant: StoredVariant;
  /** Header lines (folded as they go out, with CRLF) before the personal ones. */
  headBefore: [name: string, line: string][];
  subject: [name: string, line: string];
  headAfter: [name: string, line: string][];
  body: Segment[];
}

/** One recipient's message: who, its Message-ID and envelope, and its personal links. */
export interface NewsletterRecipient extends Recipient {
  to: string;
  messageId: string;
  envelopeFrom: string;
  /** The List-Unsubscribe value: `<https://…>, <mailto:…>`. */
  listUnsubscribe: string;
  /** Values of further placeholders (the tracked links of a mail that names its delivery). */
  links?: Record<string, string>;
}

const QP_LINE = 76;
const SOFT_BREAK = '=\r\n';

const line = (name: string, value: string): [string, string] => [
  name,
  `${foldLines(`${name}: ${value}`, QP_LINE)}\r\n`,
];

/** Only what a header can carry unencoded stays as it is; the rest is an encoded word. */
function headerText(value: string): string {
  return encodeWords(headerSafe(value), 'Q', 52, true);
}

function mailbox(name: string, address: string): string {
  const shown = headerSafe(name);
  const ascii = asciiRecipient(address);
  if (!shown) return ascii;
  if (/^[\w ]*$/.test(shown)) return `${shown} <${ascii}>`;
  if (/^[\x20-\x7e]*$/.test(shown)) return `${quoteString(shown)} <${ascii}>`;
  return `${encodeWord(shown, 'Q', 52)} <${ascii}>`;
}

/** `Name <id>` with the name encoded as a phrase and the id as it is. */
function listId(value: string): string {
  const match = /^(.*?)\s*<([^<>]+)>$/.exec(headerSafe(value));
  if (!match) return headerText(value);
  return match[1] ? `${headerText(match[1])} <${match[2]}>` : `<${match[2]}>`;
}

function fixed(raw: string): Segment {
  const canonical = relaxedLines(raw);
  const bytes = Buffer.from(raw, 'latin1');
  return {
    kind: 'fixed',
    raw: bytes,
    canonical: canonical === raw ? bytes : Buffer.from(canonical, 'latin1'),
  };
}

/** Quoted-printable lines of a piece that starts a line; `more` ends it with a soft break. */
function encodePiece(value: string, more: boolean): string {
  // One short of the limit: the soft break after the last line must fit as well.
  const encoded = qpWrap(qpEncode(value.replace(/\r?\n/g, '\r\n')), QP_LINE - 1);
  return encoded + (more ? SOFT_BREAK : '\r\n');
}

/** The headers and body of every message of one variant of a campaign, built once. */
export function newsletterTemplate(
  sending: CampaignSending,
  variant: StoredVariant,
): NewsletterTemplate {
  const boundary = `----=_lp_${randomBytes(12).toString('hex')}`;
  const pieces = placeholderPieces(variant);
  const raw: (string | Segment)[] = [];
  for (const part of ['text', 'html'] as const) {
    raw.push(
      `--${boundary}\r\nContent-Type: text/${part === 'text' ? 'plain' : 'html'}; charset=utf-8\r\n` +
        'Content-Transfer-Encoding: quoted-printable\r\n\r\n',
    );
    const list = pieces[part];
    for (let i = 0; i < list.length; i++) {
      const piece = list[i] ?? '';
      const last = i === list.length - 1;
      if (i % 2) raw.push({ kind: 'personal', name: piece, part });
      else if (piece || last) raw.push(encodePiece(piece, !last));
    }
  }
  raw.push(`--${boundary}--\r\n`);
  // Neighbouring fixed pieces are one segment.
  const body: Segment[] = [];
  let pending = '';
  for (const piece of raw) {
    if (typeof piece === 'string') pending += piece;
    else {
      if (pending) body.push(fixed(pending));
      pending = '';
      body.push(piece);
    }
  }
  if (pending) body.push(fixed(pending));

  const headBefore = [line('From', mailbox(sending.from.name, sending.from.address))];
  if (sending.replyTo) headBefore.push(line('Reply-To', asciiRecipient(sending.replyTo)));
  return {
    variant,
    headBefore,
    subject: line('Subject', headerText(variant.subject)),
    headAfter: [
      line('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'),
      line('List-Id', listId(sending.listId)),
      line('Precedence', 'bulk'),
      line('Feedback-ID', headerSafe(sending.feedbackId)),
      line('MIME-Version', '1.0'),
      line('Content-Type', `multipart/alternative; boundary="${boundary}"`),
    ],
    body,
  };
}

/** One recipient's message from its variant's template, signed with `dkim` when given. */
export function newsletterMessage(
  template: NewsletterTemplate,
  recipient: NewsletterRecipient,
  dkim?: DkimKey,
  now = Date.now(),
): PreparedMessage {
  const values = personalValues(template.variant, recipient);
  const to = asciiRecipient(recipient.to);
  const head: [string, string][] = [
    ...template.headBefore,
    [`To`, `To: ${to}\r\n`],
    template.subject,
    [`Date`, `Date: ${new Date(now).toUTCString().replace(/GMT/, '+0000')}\r\n`],
    [`Message-ID`, `Message-ID: ${headerSafe(recipient.messageId)}\r\n`],
    // One line, as written: a folded List-Unsubscribe has broken DKIM at receivers.
    [`List-Unsubscribe`, `List-Unsubscribe: ${headerSafe(recipient.listUnsubscribe)}\r\n`],
    ...template.headAfter,
  ];
  const raw: Buffer[] = [];
  const canonical: Buffer[] = [];
  for (const segment of template.body) {
    if (segment.kind === 'fixed') {
      raw.push(segment.raw);
      canonical.push(segment.canonical);
    } else {
      const value =
        values[segment.part][segment.name as PlaceholderName] ?? recipient.links?.[segment.name];
      if (value === undefined) throw new TypeError(`no value for ${segment.name}`);
      const encoded = encodePiece(value, true);
      raw.push(Buffer.from(encoded, 'latin1'));
      canonical.push(Buffer.from(relaxedLines(encoded), 'latin1'));
    }
  }
  let header = head.map(([, text]) => text).join('');
  if (dkim) {
    const fields = head.map(([name, text]) => [name, text.slice(name.length + 1)] as const);
    header = dkimSignatureHeader(dkim, fields, bodyHash(canonical), now) + header;
  }
  return {
    raw: Buffer.concat([Buffer.from(`${header}\r\n`, 'latin1'), ...raw]),
    to,
    envelopeFrom: recipient.envelopeFrom,
    messageId: recipient.messageId,
  };
}
