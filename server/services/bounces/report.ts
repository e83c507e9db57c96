/**
 * Reading the parts of a bounce that matter: the per-recipient fields of an RFC 3464 delivery
 * report, and the recipient and status code in a plain-text bounce written by an MTA.
 */

/** One recipient's block of a delivery report (message/delivery-status). */
export interface DeliveryStatusRecord {
  recipient: string | null;
  action: string | null;
  status: string | null;
  diagnostic: string | null;
}

// Bounded parts keep the scan linear on long runs of address characters without an "@".
const ADDRESS =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/;

/** The address in a field value such as "rfc822; <a@example.org>", lower-cased. */
export function addressIn(value: string | null | undefined): string | null {
  const match = value ? ADDRESS.exec(value.replace(/^\s*[\w-]+\s*;/, '')) : null;
  return match ? match[0].replace(/\.$/, '').toLowerCase() : null;
}

/** The per-recipient blocks of every delivery report in the text, in order. */
export function deliveryStatusRecords(text: string): DeliveryStatusRecord[] {
  const records: { fields: Map<string, string> }[] = [];
  let current: { fields: Map<string, string> } | null = null;
  let lastField: string | null = null;
  const finish = () => {
    if (current) records.push(current);
    current = null;
  };
  for (const line of text.split(/\r?\n/)) {
    if (lastField && current && /^[ \t]+\S/.test(line)) {
      current.fields.set(lastField, `${current.fields.get(lastField)} ${line.trim()}`);
      continue;
    }
    lastField = null;
    const field = /^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
    if (!field) continue;
    const name = field[1]!.toLowerCase();
    const value = field[2]!.trim();
    if (name === 'final-recipient' || (name === 'original-recipient' && !current)) {
      finish();
      current = { fields: new Map() };
    } else if (name === 'original-recipient' && current?.fields.has('original-recipient')) {
      finish();
      current = { fields: new Map() };
    }
    if (!current) continue;
    if (!current.fields.has(name)) current.fields.set(name, value);
    lastField = name;
  }
  finish();
  return records.map(({ fields }) => ({
    recipient:
      addressIn(fields.get('final-recipient')) ??
      addressIn(fields.get('original-recipient')) ??
      addressIn(fields.get('x-actual-recipient')),
    action: fields.get('action')?.toLowerCase().split(/[\s(]/)[0] || null,
    status: statusIn(fields.get('status') ?? ''),
    // "smtp;" says nothing; other types (X-Unix: a local program failed) stay in the text.
    diagnostic: fields.get('diagnostic-code')?.replace(/^\s*smtp\s*;\s*/i, '') || null,
  }));
}

/** The first RFC 3463 status code (class.subject.detail) in a text; not a piece of an IP address. */
export function statusIn(text: string): string | null {
  const match = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/.exec(text);
  return match ? `${match[1]}.${Number(match[2])}.${Number(match[3])}` : null;
}

/** The first SMTP reply code at the start of a server's answer in a text. */
export function replyCodeIn(text: string): string | null {
  const match = /(?:^|said:|\)|:|\s)\s*([245][0-5]\d)(?=[ :-]|$)/m.exec(text);
  return match ? match[1]! : null;
}

/**
 * Where a plain-text bounce starts quoting the returned message: everything after this line is
 * the sender's own mail and must not be read as the server's answer.
 */
const ORIGINAL_MESSAGE =
  /^[ \t>*=-]*(?:-+ ?)?(?:original message|this is a copy of the (?:original )?message|below this line is a copy of the message|the original message (?:follows|is (?:attached|included|below|as follows))|unsent message below|original message follows|returned message|message headers? follows?|a copy of the original message|header of the original message|headers? of (?:the )?(?:original |returned )?message|(?:the )?(?:original|returned) message (?:headers|header)|your message reads|--- the header of|original-message|message\/rfc822|received: from|return-path: <)/im;

/** The text of a bounce up to the quoted original message. */
export function withoutOriginal(text: string): string {
  const match = ORIGINAL_MESSAGE.exec(text);
  return match && match.index > 0 ? text.slice(0, match.index) : text;
}

const NOT_A_RECIPIENT =
  /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|nobody|no-?reply|double-bounce|bounces?|root)@/i;

/**
 * The failed address named in a plain-text bounce: an address the MTA lists as failed
 * (`<a@b>:` of Postfix and qmail, the indented line of Exim, `<a@b>...` of Sendmail), otherwise
 * the first address in the text that is neither the sender nor the reporting system.
 */
export function recipientInText(text: string, notThese: Set<string>): string | null {
  const accept = (value: string | undefined) => {
    const address = addressIn(value);
    return address && !notThese.has(address) ? address : null;
  };
  const listed = [
    /^[ \t]*<([^<>\s]+@[^<>\s]+)>:?/gm,
    /^[ \t]+<?([^<>\s:]+@[^<>\s:]+?)>?:?[ \t]*$/gm,
    /^<?([^<>\s:]+@[^<>\s:]+?)>?:[ \t]*$/gm,
    /<([^<>\s]+@[^<>\s]+)>\.\.\./g,
    /RCPT TO:\s*<?([^<>\s]+@[^<>\s]+?)>?(?:\s|$)/gi,
    /(?:recipient|address|to|user|mailbox)[^@\n]{0,40}?<([^<>\s]+@[^<>\s]+)>/gi,
  ];
  for (const pattern of listed) {
    for (const match of text.matchAll(pattern)) {
      const address = accept(match[1]);
      if (address) return address;
    }
  }
  for (const match of text.matchAll(new RegExp(ADDRESS, 'g'))) {
    const before = text.slice(Math.max(0, match.index - 8), match.index);
    if (/(?:https?:\/\/\S*|mailto:)$/i.test(before)) continue;
    const address = accept(match[0]);
    // Anywhere in the text, the reporting system's own addresses are no recipients.
    if (address && !NOT_A_RECIPIENT.test(address)) return address;
  }
  return null;
}
