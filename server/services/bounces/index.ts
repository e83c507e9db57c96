/**
 * Bounce classification: what a returned mail says about the address it was sent to. Reads RFC
 * 3464 delivery reports, the plain-text bounces of common MTAs and providers, Amazon SES
 * notifications, RFC 3834 auto-replies and ARF complaints (RFC 5965). MIME is mailparser's job;
 * this module only decides.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { localAgentReason } from './agents.js';
import { mailerReason } from './mailers.js';
import { providerOf, providerReason } from './providers.js';
import { type BounceReason, commandIn, isHardReason, reasonOf } from './reasons.js';
import {
  addressIn,
  deliveryStatusRecords,
  recipientInText,
  replyCodeIn,
  statusIn,
  withoutOriginal,
  type DeliveryStatusRecord,
} from './report.js';

export { BOUNCE_REASONS, type BounceReason } from './reasons.js';

/**
 * hard: the address will not work (unknown user or domain, moved); soft: delivery failed for now
 * or for a reason on the way (full, blocked, expired …); complaint: the recipient reported the
 * mail as spam (or unsubscribed through the provider); auto-reply: a vacation or other automatic
 * answer; delivered: a positive delivery notice; unknown: not a mail this module understands.
 */
export type BounceKind = 'hard' | 'soft' | 'complaint' | 'auto-reply' | 'delivered' | 'unknown';

export interface BounceClassification {
  kind: BounceKind;
  /** Why it bounced (hard and soft only). */
  reason: BounceReason | null;
  /** The RFC 3463 status code found in the mail, such as "5.1.1". */
  status: string | null;
  /** The address that failed, complained or was delivered to. */
  recipient: string | null;
  /** The receiving server's own words, where the mail has them. */
  diagnostic: string | null;
  /** ARF complaints: the feedback type (abuse, fraud, opt-out …). */
  feedbackType?: string;
}

const NOTHING: BounceClassification = {
  kind: 'unknown',
  reason: null,
  status: null,
  recipient: null,
  diagnostic: null,
};

const BOUNCE_SENDER =
  /mailer[-_]?daemon|post_?master|mail ?delivery (subsystem|system)|delivery ?(subsystem|status)|mail ?administrator|mdaemon/i;

const BOUNCE_SUBJECT =
  /undeliver|not (be )?delivered|delivery (status|failure|failed|notification|problem|report|incomplete|has failed)|returned mail|failure notice|mail delivery|could not (be )?(sent|delivered)|nondeliverable|non-?delivery|returned to sender|delivery error|unzustellbar|nicht zustellbar|warning: (message|delay)|delayed mail|message (delayed|not delivered|failure)|permanent error|mail system error|failed mail|mail failure|mailer error|メールエラー|不達/i;

const BOUNCE_BODY =
  /could not be delivered to|undeliverable|was not delivered to|unable to deliver (your )?(message|mail) to|delivery to the following recipients? failed/i;

const VACATION_SUBJECT =
  /out of (the )?office|vacation|auto(matic)?[ -]?(reply|response|answer|antwort)|autoreply|autoresponse|abwesen|urlaub|away from (my|the) (desk|office)|absence|absent|auto:|réponse automatique|respuesta automática|on leave|holiday/i;

/**
 * Classifies one raw mail (the bytes as received, headers included). Never throws. `nested`
 * counts the levels of bounces forwarded inside bounces.
 */
export async function classifyBounce(
  raw: Buffer | string,
  nested = 0,
): Promise<BounceClassification> {
  // Old Mac mail ends lines with CR alone, which MIME parsers do not take for line ends.
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  if (bytes.includes(13) && !bytes.includes(10)) {
    raw = Buffer.from(bytes.toString('latin1').replace(/\r/g, '\n'), 'latin1');
  }
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { skipHtmlToText: false, skipTextToHtml: true });
  } catch {
    return { ...NOTHING };
  }
  // Header values as written (unfolded), whatever structure mailparser gives them.
  const header = (name: string) =>
    mail.headerLines
      .filter((h) => h.key === name)
      .map((h) =>
        h.line
          .slice(h.line.indexOf(':') + 1)
          .replace(/\r?\n[ \t]+/g, ' ')
          .trim(),
      )
      .join(' ');
  const contentType = mail.headers.get('content-type') as
    { value?: string; params?: Record<string, string> } | undefined;
  const reportType = contentType?.params?.['report-type']?.toLowerCase() ?? '';

  let reportText = '';
  let feedbackText = '';
  const originals: string[] = [];
  for (const attachment of mail.attachments) {
    const type = attachment.contentType.toLowerCase();
    const content = attachment.content.toString('utf8');
    if (/delivery-status/.test(type)) reportText += `\n${content}`;
    else if (type === 'message/feedback-report') feedbackText += `\n${content}`;
    else if (/rfc822|message\/global/.test(type)) originals.push(content);
    else if (type.startsWith('text/') && !attachment.filename) reportText += `\n${content}`;
  }
  // A broken MIME structure (a boundary that never occurs) leaves no text: read the raw body.
  const bodyText =
    mail.text?.trim() || mail.attachments.length > 0 ? (mail.text ?? '') : rawBody(raw);
  const text = `${bodyText}\n${reportText}`;
  const subject = mail.subject ?? '';
  const from = `${mail.from?.text ?? ''} ${header('return-path')}`;

  const notification = amazonSesNotification(text);
  if (notification) return notification;

  if (reportType === 'feedback-report' || feedbackText || /^Feedback-Type:/im.test(text)) {
    return complaint(`${feedbackText}\n${text}`, originals);
  }
  // Apple Mail's "unsubscribe" button mails the list's unsubscribe address on the user's behalf.
  if (/true/i.test(header('x-apple-unsubscribe'))) {
    return {
      ...NOTHING,
      kind: 'complaint',
      recipient: addressIn(mail.from?.text),
      feedbackType: 'opt-out',
    };
  }

  const records = deliveryStatusRecords(text);
  const failedRecipients = header('x-failed-recipients');
  const autoReply =
    header('auto-submitted').toLowerCase().startsWith('auto-replied') ||
    mail.headers.has('x-autoreply') ||
    mail.headers.has('x-autorespond') ||
    /vacation/i.test(header('x-apple-action')) ||
    /auto.?reply/i.test(header('precedence')) ||
    VACATION_SUBJECT.test(subject);
  const looksLikeBounce =
    records.length > 0 ||
    reportType === 'delivery-status' ||
    failedRecipients !== '' ||
    BOUNCE_SENDER.test(from) ||
    BOUNCE_SUBJECT.test(subject) ||
    // Sent with an empty envelope sender, as bounces are (and auto-replies), and says in its
    // first lines that a mail could not be delivered.
    (/^\s*<\s*>\s*$/.test(header('return-path')) &&
      !autoReply &&
      BOUNCE_BODY.test(bodyText.slice(0, 2000)));
  if (!looksLikeBounce) {
    if (autoReply) {
      return { ...NOTHING, kind: 'auto-reply', recipient: addressIn(mail.from?.text) };
    }
    return { ...NOTHING };
  }

  const human = withoutOriginal(bodyText);
  const record = records.find((r) => r.action === 'failed' || r.status?.[0] === '5') ??
    records.find((r) => r.action === 'delayed' || r.status?.[0] === '4') ??
    records[0] ?? { recipient: null, action: null, status: null, diagnostic: null };
  if (
    (record.action && /^(delivered|relayed|expanded|deliverable)$/.test(record.action)) ||
    record.status?.startsWith('2.')
  ) {
    return delivered(record);
  }

  const notThese = new Set(
    [
      ...(mail.to ? [mail.to].flat().flatMap((a) => a.value.map((v) => v.address)) : []),
      ...(mail.from?.value.map((v) => v.address) ?? []),
      addressIn(header('return-path')),
    ]
      .filter((a): a is string => !!a)
      .map((a) => a.toLowerCase()),
  );
  const recipient =
    record.recipient ?? addressIn(failedRecipients) ?? recipientInText(human, notThese);
  // A gateway that forwards the bounce it got as an attachment: the attached one tells.
  if (!recipient && records.length === 0 && nested < 2) {
    const inner = originals.find((o) => /^Final-Recipient:|report-type=delivery-status/im.test(o));
    if (inner) return classifyBounce(inner, nested + 1);
  }

  const diagnostic = (
    record.diagnostic ?? withoutReportFields(diagnosticNear(human, recipient))
  ).trim();
  const status = preferredStatus(record.status, diagnostic, human);
  const temporary =
    status?.startsWith('4.') ||
    record.action === 'delayed' ||
    (!status && replyCodeIn(diagnostic)?.startsWith('4')) ||
    false;
  // The software that wrote the bounce, by its header lines and its fixed wordings (mailers.ts).
  const headerLines = mail.headerLines.map((h) => h.line.toLowerCase()).join('\n');
  const mailer = mailerReason(diagnostic, headerLines) ?? mailerReason(human, headerLines);
  const evidence = {
    text: diagnostic,
    status,
    command: commandIn(diagnostic) ?? commandIn(human),
    remoteReply: replyCodeIn(diagnostic) !== null,
    action: record.action,
    subject,
    suggested: mailer?.identified && !mailer.decisive ? mailer.reason : null,
  };
  // In this order: that software where its words name the reason outright, a local mailbox
  // program's words (agents.ts), the recipient's provider's documented codes and wordings
  // (providers.ts), then the phrases of mail servers in general and the status code (reasons.ts).
  const provider = providerOf(recipient?.split('@')[1] ?? null, hostsIn(`${human}\n${reportText}`));
  let reason =
    (mailer?.decisive ? mailer.reason : null) ??
    (['DATA', null].includes(evidence.command) ? localAgentReason(diagnostic) : null) ??
    (provider
      ? (providerReason(provider, diagnostic, status) ??
        providerReason(provider, `${human}\n${reportText}`, status))
      : null) ??
    reasonOf(evidence);
  // The lines about the recipient said nothing: the whole bounce text may, or else the mail
  // server software's suggestion.
  if (reason === 'other' && human.trim() !== diagnostic) {
    reason = reasonOf({ ...evidence, text: human, remoteReply: replyCodeIn(human) !== null });
  }
  if (reason === 'other' && mailer) reason = mailer.reason;
  // A domain that did not resolve, said with a temporary code, is a DNS failure for now; a
  // domain that accepts no mail (null MX) is not.
  const acceptsNoMail = /null ?mx|no mx|not accept (any )?mail/i.test(diagnostic);
  if (reason === 'host-unknown' && temporary && !acceptsNoMail) reason = 'network';
  // Google Groups refuses posts (unknown group, no permission to post) in the poster's language.
  if (reason === 'other' && recipient?.endsWith('@googlegroups.com')) reason = 'policy';
  return {
    kind: isHardReason(reason, temporary) ? 'hard' : 'soft',
    reason,
    status,
    recipient,
    diagnostic: diagnostic.replace(/\s+/g, ' ').slice(0, 500) || null,
  };
}

/**
 * A delivery report's own field lines (Reporting-MTA, Action, Status with its RFC 3463 label …),
 * where a bounce quotes them in its text, are no words of the receiving server.
 */
function withoutReportFields(text: string): string {
  return text.replace(
    /^[ \t]*(?:reporting-mta|received-from-mta|arrival-date|final-recipient|original-recipient|action|status|remote-mta|last-attempt-date|will-retry-until|x-[\w-]+)[ \t]*:.*$/gim,
    '',
  );
}

/** Host names in a text (not the domains of e-mail addresses), lower-cased. */
function hostsIn(text: string): string[] {
  const hosts = new Set<string>();
  for (const match of text.matchAll(
    /(?<![@\w.-])(?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,24}(?![\w-])/gi,
  )) {
    hosts.add(match[0].toLowerCase());
  }
  return [...hosts];
}

function rawBody(raw: Buffer | string): string {
  const source = typeof raw === 'string' ? raw : raw.toString('utf8');
  const start = source.search(/\r?\n\r?\n/);
  return start < 0 ? '' : source.slice(start).replace(/\r\n/g, '\n');
}

/** A report's generic status (x.0.0) gives way to a specific one the server gave in its reply. */
function preferredStatus(field: string | null, diagnostic: string, human: string): string | null {
  const inText = statusIn(diagnostic) ?? (field ? null : statusIn(human));
  if (!field) return inText;
  if (inText && inText[0] === field[0]) return inText;
  return field;
}

/**
 * The lines of a plain-text bounce about the failed recipient: from the line with its address up
 * to the next line that starts with another address, or the whole text.
 */
function diagnosticNear(text: string, recipient: string | null): string {
  if (!recipient) return text;
  const found = text.toLowerCase().indexOf(recipient);
  if (found < 0) return text;
  const rest = text.slice(text.lastIndexOf('\n', found) + 1);
  const firstLineEnd = rest.indexOf('\n', found - (text.length - rest.length));
  if (firstLineEnd < 0) return rest;
  const next = /\n[ \t"<]*([^\s@<>"]+@[^\s<>":]+)/g;
  next.lastIndex = firstLineEnd;
  for (const match of rest.matchAll(next)) {
    if (match.index < firstLineEnd) continue;
    if (match[1]!.toLowerCase().replace(/[>.:]+$/, '') !== recipient) {
      return rest.slice(0, match.index);
    }
  }
  return rest;
}

function delivered(record: DeliveryStatusRecord): BounceClassification {
  return {
    kind: 'delivered',
    reason: null,
    status: record.status,
    recipient: record.recipient,
    diagnostic: record.diagnostic,
  };
}

/** An ARF report (RFC 5965): the complaining recipient is in the report or the original's To. */
function complaint(text: string, originals: string[]): BounceClassification {
  const field = (name: string) =>
    new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(text)?.[1]?.trim() ?? null;
  const originalTo = [...originals, text]
    .map((o) => /^To:[ \t]*(.*)$/im.exec(o)?.[1])
    .find((to) => addressIn(to));
  return {
    kind: 'complaint',
    reason: null,
    status: null,
    recipient:
      addressIn(field('Original-Rcpt-To')) ??
      addressIn(field('Removal-Recipient')) ??
      addressIn(originalTo),
    diagnostic: null,
    feedbackType: field('Feedback-Type')?.toLowerCase() ?? 'abuse',
  };
}

/** Amazon SES sends bounces, complaints and deliveries as JSON notifications. */
function amazonSesNotification(text: string): BounceClassification | null {
  const start = text.search(/\{\s*"(?:notificationType|Type)"\s*:/);
  if (start < 0) return null;
  let json: unknown;
  const tail = text.slice(start);
  // The JSON ends at one of the last closing braces (a signature or a footer may follow).
  let tries = 0;
  for (
    let end = tail.lastIndexOf('}');
    end > 0 && tries < 20;
    end = tail.lastIndexOf('}', end - 1), tries++
  ) {
    try {
      json = JSON.parse(tail.slice(0, end + 1).replace(/\r?\n/g, ''));
      break;
    } catch {
      continue;
    }
  }
  if (!json || typeof json !== 'object') return null;
  // Through SNS the notification is a JSON string in the envelope's "Message".
  const envelope = json as { Message?: unknown };
  if (typeof envelope.Message === 'string') {
    try {
      json = JSON.parse(envelope.Message);
    } catch {
      return null;
    }
  }
  if (!json || typeof json !== 'object') return null;
  const n = json as {
    notificationType?: string;
    bounce?: {
      bounceType?: string;
      bounceSubType?: string;
      bouncedRecipients?: { emailAddress?: string; status?: string; diagnosticCode?: string }[];
    };
    complaint?: {
      complainedRecipients?: { emailAddress?: string }[];
      complaintFeedbackType?: string;
    };
    delivery?: { recipients?: string[]; smtpResponse?: string };
  };
  if (n.notificationType === 'Complaint') {
    return {
      ...NOTHING,
      kind: 'complaint',
      recipient: addressIn(n.complaint?.complainedRecipients?.[0]?.emailAddress),
      feedbackType: n.complaint?.complaintFeedbackType ?? 'abuse',
    };
  }
  if (n.notificationType === 'Delivery') {
    const reply = n.delivery?.smtpResponse ?? '';
    return {
      ...NOTHING,
      kind: 'delivered',
      status: statusIn(reply),
      recipient: addressIn(n.delivery?.recipients?.[0]),
      diagnostic: reply || null,
    };
  }
  if (n.notificationType !== 'Bounce') return null;
  const first = n.bounce?.bouncedRecipients?.[0];
  const diagnostic = first?.diagnosticCode ?? '';
  const status = statusIn(first?.status ?? '') ?? statusIn(diagnostic);
  const subType = (n.bounce?.bounceSubType ?? '').toLowerCase();
  const bySubType: Record<string, BounceReason> = {
    mailboxfull: 'mailbox-full',
    messagetoolarge: 'message-too-big',
    contentrejected: 'spam-content',
    suppressed: 'policy',
    supressed: 'policy', // as Amazon SES spells it
    onaccountsuppressionlist: 'policy',
    attachmentrejected: 'policy',
  };
  const found = reasonOf({
    text: diagnostic,
    status,
    command: commandIn(diagnostic),
    remoteReply: replyCodeIn(diagnostic) !== null,
    action: null,
    subject: '',
  });
  const reason = found === 'other' ? (bySubType[subType] ?? found) : found;
  const temporary = n.bounce?.bounceType === 'Transient' || status?.startsWith('4.') === true;
  return {
    kind: isHardReason(reason, temporary) ? 'hard' : 'soft',
    reason,
    status,
    recipient: addressIn(first?.emailAddress),
    diagnostic: diagnostic || null,
  };
}

export {
  BounceService,
  MAX_BOUNCE_BYTES,
  type BounceAction,
  type BounceMailbox,
  type BounceOutcome,
  type BounceReport,
} from './intake.js';
