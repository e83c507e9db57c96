/**
 * Why a mail bounced, in our own small set of reasons. A reason is found first in the words of the
 * receiving server (its reply or the bounce text), then in the RFC 3463 status code.
 */
import { type Cause, hasPhrase, PHRASES } from './phrases.js';
import { replyCodeIn } from './report.js';

export const BOUNCE_REASONS = [
  /** The mailbox does not exist. */
  'user-unknown',
  /** The domain does not exist or accepts no mail at all (no or null MX). */
  'host-unknown',
  /** The mailbox has moved and mail is not forwarded. */
  'moved',
  /** The mailbox is disabled, inactive or suspended. */
  'suspended',
  /** The mailbox is over its quota. */
  'mailbox-full',
  /** The message exceeds the receiver's size limit. */
  'message-too-big',
  /** The receiver refuses our sending server: block list, reputation, reverse DNS, rate limits. */
  'blocked',
  /** The message looked like spam, carried a virus or was malformed (not RFC compliant). */
  'spam-content',
  /** The receiver's rules refused it: recipient filters, sender address, local policy. */
  'policy',
  /** Sender authentication or transport security failed: SPF, DKIM, DMARC, TLS. */
  'auth',
  /** The receiving server does not relay for that domain. */
  'relay-denied',
  /** The sending side gave up after retrying for days (queue lifetime, time-outs). */
  'expired',
  /** DNS, routing or connection trouble on the way. */
  'network',
  /** A fault of the receiving system: configuration, disk, local delivery program. */
  'system',
  /** An SMTP command or address was malformed. */
  'syntax',
  /** A bounce without a recognisable cause. */
  'other',
] as const;

export type BounceReason = (typeof BOUNCE_REASONS)[number];

/** Phrases of receiving servers, one list per cause; matched on lower-cased, single-spaced text. */
const SAYS = {
  mailboxFull:
    /mailbox (is |was )?full|mailbox (size )?exceeds|full mailbox|mailbox.{0,30}(over|exceed\w*) (its |the |their )?(disk |storage |local )?(quota|space|limit)|over ?(the )?(allowed |disk )?quota|quota (exceeded|violation|usage exceeded)|exceed\w* (its |their |the |storage |disk |mailbox )*(quota|storage allocation)|(insufficient|not enough|not sufficient) (disk |storage )?space|no space left|disk ?quota|(mailfolder|mailbox|inbox) is full|boite du destinataire pleine|too much mail data|too many messages (on the server|in (this|the) mailbox)|space has been used up|would exceed (the )?maximum allowed storage|mailbox size limit exceeded|reached (its |the )?(disk )?quota|postfach (ist )?voll/,
  tooBig:
    /message (size |length |file )?(exceeds|too (big|large))|(size|length) exceeds|max(imum)? (inbound |incoming )?message size|message size limit|size limit exceeded|exceeded (the )?(maximum |max )?(incoming |inbound )?(message )?size|line limit exceeded|taille limite/,
  suspended:
    /(account|mailbox|user|address)( that you tried to reach)? (has been |is |was )?(currently |temporarily )?(suspended|disabled|deactivated|frozen|locked|terminated|inactive|discontinued)|(account|mailbox|user) (is |has been )?suspended|inactive (account|user|mailbox)|is a deactivated mailbox|archived recipient|boite du destinataire archivee|temporarily inactive|temporary locked|no longer accepts mail|is unavailable: user is terminated|mailbox unavailable or access denied|recipient suspend|recipient account is blocked/,
  moved:
    /(mailbox|user|address|recipient) has moved|has changed (his|her|their) (e-?mail )?address|no forwarding address/,
  relay:
    /relay(ing)? (access )?(denied|not permitted|prohibited|not allowed)|not (allowed|permitted) to relay|unable to relay|no relaying|as a relay|open relay|insecure mail relay|not local host|we don't handle mail for|isn't in my list of allowed rcpthosts|email address is not verified|this system is not configured to relay|relaying mail to|not a gateway/,
  auth: /authentication (information|checks)|spf (check: ?)?fail|(spf|dkim|dmarc)\b[^.]{0,40}(fail|not pass|did not pass|policy|validation|alignment|settings)|sender policy framework|bad spf records|unauthenticated email|dmarc|\bdkim\b/,
  userUnknown:
    /user(name)? (is )?unknown|unknown (user|recipient|mailbox|local ?-?part|e-?mail address|address|alias)|no such (user|recipient|mailbox|person|address|local user|account)|(user|recipient|mailbox|address|account|addressee)( \S+)? (does not|doesn't|did not|not) exist|(user|recipient|mailbox|address|account)( \S+)? (was )?not found|not a valid (mailbox|recipient|user|address)|invalid (recipient|mailbox|address|user|e-?mail address)|(mailbox|recipient) (is )?(currently )?unavailable|mailbox not (present|available)|is not a known user|no mailbox|address unknown|no account by that name|bad (destination )?(mailbox )?address|bad ?rcpt ?to|validrcptto|not a local address|no one at this address|utilisateur inconnu|unbekannt|existiert nicht|user not (known|active)|mailbox invalid|recipient not ok|non-?existent (user|recipient|address)|recipient ?not ?found|recipient name is not recognized|undeliverable address|does not exist\.|address (rejected: (user|invalid|unknown))|recipient address rejected: (user|unknown|invalid|access denied)|not listed in|no mail ?box available|is not an active address|address not present|no valid recipients|doesn't have an? .{0,30} account|wasn.t found at|address rejected\.|recipientnotfound|invalid address/,
  /** Providers' own unambiguous words for a mailbox that does not exist. */
  noSuchAccount:
    /doesn.t have an? \S+ account|recipientnotfound|address couldn.t be found|invalid final delivery userid|requested action not taken: mailbox unavailable/,
  filtered:
    /(user|recipient) refuses? to (receive|accept)|reject\w* (by|due to) (user|recipient)|user rules|recipient preferences|only accepting mail from|not accepting (any )?mail|blocked by the recipient|protected by|message filtered|\bfiltered\b|user reject/,
  ptr: /ptr record|mismatches client ip|reverse dns|\brdns\b|cannot find your hostname|reverse lookup|ip name lookup failed|cannot resolve your (address|hostname)|unresolvable relay host name|generic dns/,
  notRfc:
    /rfc ?5322|rfc ?2822|not rfc|rfc compliant|rfcmessagenoncompliant|(duplicate|multiple) .{0,30}(header|from:)/,
  reputation: /reputation|unexpected volume|user complaints/,
  contentError:
    /invalid mime|mime (complexity|header)|8-?bit data|header size|improperly-formatted|unnecessary base64/,
  senderRejected:
    /sender (address )?(rejected|verify failed|was rejected|is in my black list|not pre-approved)|invalid sender|domain of sender address|sender domain|bogus mail from|null sender|empty envelope sender|unroutable sender|administrative prohibition|not allowed to post|not a registered gateway user|batv|backscatter|sender address rejected|access denied|mail from .{0,60}(rejected|refused)|sender is spammer|send mail as|different address or alias/,
  hostUnknown:
    /domain (name )?(does not|doesn't|must) exist|no such domain|host (or domain name )?(unknown|not found)(?!, try again)|unknown (host|domain)|unroutable address|unrouteable address|name or service not known|domain is not reachable|mail domain mentioned in email address is unknown|domain (is )?not (found|valid)|couldn.t find any host named|no such host|non-?existent ?domain|mx records point to non-?existent hosts|domain name in the e-?mail address is incorrect|bad destination system address|domain .{1,60} does not exist|nxdomain|domain name not found/,
  spam: /spam(?!haus|cop)|mail rejete\. mail rejected\. \S*506|unsolicited|bulk ?e-?mail|bulk mail|phish|content (filter|rejected|denied)|unacceptable content|banned content|mail content|blacklisted url|uribl/,
  rate: /too many (connections|concurrent|smtp sessions|errors from your ip|recipients)|rate limit|rate that prevents|try again slower|per hour|throttl|connection limit|trop de connexions|frequency limited/,
  blocklist:
    /blacklist|blocklist|block ?list|black list|blocked using|\b(rbl|dnsbl|rbls)\b|spamhaus|spamcop|barracudacentral|abuseat|sorbs|your ip|sending ip|invalid ip|ip address .{0,40}(blocked|rejected|listed|banned)|client host .{0,60}(rejected|blocked)|helo command rejected|refused to talk to me|go away|not accepting connections|service refused|blocked by|(ip|address|host)\S* (is )?listed (on|in|at|as)|(ip|host|address|server|network)\S* (\S+ )?(is|was|has been) blocked|host network not allowed|dynamic ip|messages from .{0,40} weren.t sent|banned|my name was rejected/,
  virus: /virus|malware|executable|potentially dangerous|infected/,
  policy:
    /polic(y|ies)|members-only|closed mailing list|not subscribed to|organi[sz]ation(al)? settings|mass mailer|illegal attachment|protocol violation|header (error|are not accepted)|low priority/,
  system:
    /system (config(uration)? )?error|configuration error|local error|temporary (local )?problem|internal (server )?error|service (currently )?unavailable|write error|misconfigured|loops back to myself|would create a mail loop|interrupted system call|error while being processed|server error|system error|ldap|transaction failed/,
  network:
    /no route to host|not found, try again|host (is )?unreachable|host name lookup failure|name server|dns (records|lookup|query|failure|error)|(mail|routing|forwarding) loop|too many hops|hop count|unable to resolve|unrouteable mail domain|could not connect|connection (refused|reset|dropped|lost|closed)|lost connection|network/,
  systemFull: /mail system full|system congestion|insufficient system storage/,
  notAccept:
    /does not accept mail|null ?mx|no mx record|mail receiving disabled|no smtp service|host not found(?!, try again)|doesn.t receive e?mail|no mx (record )?found/,
  expired:
    /expired|timed? ?out|giving up|has been delayed|for more than \d+ (days?|hours?)|in the queue too long|retry time not reached|not reachable within|could not be delivered for|unable to deliver message after|delivery attempts will continue|continue trying|did not respond|have been failing for a long time|retry timeout exceeded|could not be delivered within|in queue too long|maximum (queue|delivery) time|did not accept our requests to connect/,
  starttls: /starttls|\btls (is )?required|requiretls|tls required but not supported/,
  security:
    /not authori[sz]ed|authentication (required|failed|failure|credentials)|unauthenticated|verification failure/,
  mailer:
    /mailer error|command (failed|died)|procmail|x-unix|pipe to \||generated during the delivery attempt/,
  syntax:
    /syntax error|bad syntax|command unrecognized|unrecognized command|malformed address|syntax/,
};

type Said = keyof typeof SAYS;

/** Whether the text says a cause, in our patterns or in the phrases collected from real bounces. */
function says(key: Said, t: string): boolean {
  return SAYS[key].test(t) || (key in PHRASES && hasPhrase(key as Cause, t));
}

/**
 * Lower-cased, single-spaced, without the reply codes that multi-line SMTP replies repeat at the
 * start of every line ("550-5.2.1 …"), so that phrases read across lines.
 */
function normalised(text: string): string {
  return text
    .replace(/(^|\s)[245]\d\d-(?:[245]\.\d{1,3}\.\d{1,3}\s)?/g, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ');
}

/** The SMTP command a server's reply answered, as bounces write it. */
export type SmtpCommand = 'CONN' | 'HELO' | 'MAIL' | 'RCPT' | 'DATA';

/** How MTAs say in their own words which command the remote server refused: qmail, cPanel. */
const COMMAND_SENTENCES: [RegExp, SmtpCommand][] = [
  [/ but greeting failed/i, 'CONN'],
  [/ but my name was rejected/i, 'HELO'],
  [/ but sender was rejected|\bfor mail from command\b/i, 'MAIL'],
  [/ does not like recipient|\bfor rcpt to command\b/i, 'RCPT'],
  [/ failed on data command| failed after i sent the message|\bfor data command\b/i, 'DATA'],
];

export function commandIn(text: string): SmtpCommand | null {
  for (const [pattern, command] of COMMAND_SENTENCES) if (pattern.test(text)) return command;
  const match =
    /(?:\b(?:in reply to|after|our|while sending|response to|smtp:)|>>>|\[|\()\s*(?:the\s+|pipelined\s+)?(rcpt(?=[\s_:)\]]|$)|mail[ _]from|mail(?= command)|data\b|end of data|helo\b|ehlo\b|initial connection|connect\b)/i.exec(
      text,
    );
  if (!match) return null;
  const word = match[1]!.toLowerCase();
  if (word === 'rcpt') return 'RCPT';
  if (word.startsWith('mail')) return 'MAIL';
  if (word === 'helo' || word === 'ehlo') return 'HELO';
  if (word === 'initial connection' || word === 'connect') return 'CONN';
  return 'DATA';
}

export interface Evidence {
  /** The server's reply or the bounce text about this recipient. */
  text: string;
  status: string | null;
  command: SmtpCommand | null;
  /** The reporting MTA quotes a remote SMTP reply (a reply code), not only its own words. */
  remoteReply: boolean;
  action: string | null;
  subject: string;
  /** The reason the wording of the software that wrote the bounce suggests, if any. */
  suggested?: BounceReason | null;
}

/**
 * The reason of a bounce. The order matters: states of the mailbox first; "user unknown" only
 * where the status code or the command (RCPT) supports it, since filters after DATA often
 * answer "user unknown" for mail they merely do not want; then the sending side's problems;
 * the status code when the words say nothing.
 */
export function reasonOf(e: Evidence): BounceReason {
  const t = normalised(e.text);
  const byStatus = e.status ? reasonOfStatus(e.status) : null;
  if (e.status && DECISIVE.test(e.status)) return byStatus!;
  // RFC 7504 and friends: 525 is a disabled account.
  const reply = replyCodeIn(e.text);
  if (reply === '525') return 'suspended';
  if (says('mailboxFull', t)) return 'mailbox-full';
  if (says('tooBig', t)) return 'message-too-big';
  if (says('suspended', t)) return 'suspended';
  if (says('moved', t)) return 'moved';
  if (says('relay', t)) return 'relay-denied';
  if (says('notRfc', t)) return 'spam-content';
  if (says('auth', t)) return 'auth';
  if (says('mailer', t)) return 'system';
  if (says('ptr', t)) return 'blocked';
  if (says('notAccept', t)) return 'host-unknown';
  // "… does not exist" about the sender's domain is no unknown recipient.
  const unknown = says('userUnknown', t) && !hasPhrase('senderRejected', t);
  if (says('noSuchAccount', t)) return 'user-unknown';
  if (byStatus === 'user-unknown') {
    const other = ['blocklist', 'senderRejected', 'rate'] as const;
    if (unknown || !other.some((key) => says(key, t))) return 'user-unknown';
  }
  if (unknown && e.command === 'RCPT') return 'user-unknown';
  // The mail server software that wrote the bounce says the user is unknown (Domino, Notes …).
  if (e.suggested === 'user-unknown') return 'user-unknown';
  const mailboxStatus = e.status && /^\d\.2\./.test(e.status);
  const filtered = unknown || says('filtered', t);
  if (filtered && (mailboxStatus || !['CONN', 'HELO', 'MAIL', 'RCPT'].includes(e.command ?? ''))) {
    return 'policy';
  }
  if (says('ptr', t)) return 'blocked';
  if (says('reputation', t)) return 'blocked';
  if (says('contentError', t)) return 'spam-content';
  if (e.status && /^\d\.1\.[78]$/.test(e.status)) return 'policy';
  if (e.command === 'CONN' || e.command === 'HELO') {
    if (says('senderRejected', t) || says('blocklist', t)) return 'blocked';
  }
  if (says('senderRejected', t) && (e.command !== 'RCPT' || !byStatus)) return 'policy';
  if (byStatus === 'host-unknown' && (!says('network', t) || says('hostUnknown', t))) {
    return 'host-unknown';
  }
  if (says('hostUnknown', t)) return 'host-unknown';
  // "Too many spams from your IP": the known words of a block list outrank the word spam.
  const listed = hasPhrase('blocklist', t) || hasPhrase('rate', t);
  if (says('spam', t) && (!listed || hasPhrase('spam', t))) return 'spam-content';
  if (says('rate', t)) return 'blocked';
  if (says('blocklist', t)) return 'blocked';
  // A code that means our sending server is held back (4.7.1, 4.2.1) outranks general words.
  if (byStatus === 'blocked') return 'blocked';
  const general = !byStatus || RETRY.test(e.status ?? '');
  if (general) {
    const rest: [Said, BounceReason][] = [
      ['virus', 'spam-content'],
      ['policy', 'policy'],
      ['system', 'system'],
      ['network', 'network'],
      ['systemFull', 'system'],
      ['notAccept', 'host-unknown'],
      ['expired', 'expired'],
      ['starttls', 'auth'],
      ['security', 'policy'],
      ['mailer', 'system'],
    ];
    for (const [key, reason] of rest) if (says(key, t)) return reason;
    // Still retrying, and nothing more specific said: the queue lifetime is what counts.
    if (e.action === 'delayed' || /\baction: delayed\b/.test(t)) return 'expired';
  }
  if (byStatus) return byStatus;
  if (e.status && /^\d\.6\./.test(e.status)) return 'spam-content';
  if (e.status && /^\d\.7\./.test(e.status)) return 'policy';
  // 501–507 (and 401–407): the server did not understand a command or its arguments.
  if (says('syntax', t) || /^[45]0[1-7]$/.test(reply ?? '')) return 'syntax';
  if (/delay/i.test(e.subject)) return 'expired';
  // Refused before any mail was offered: the receiver does not want our sending server.
  if (e.command === 'HELO' || e.command === 'CONN') return 'blocked';
  return reasonOfText(e.subject) ?? 'other';
}

/** Status codes that say more than any words next to them. */
const DECISIVE = /^[45]\.(2\.2|2\.3|3\.[14]|4\.5|1\.6|7\.(?:2[3-7]|13|6\d\d))$/;

/** Status codes too general to stand against the words of the reply. */
const RETRY = /^\d\.(0\.\d+|1\.[0-3]|1\.9|3\.[035]|4\.\d+|5\.[45]|7\.(?:[0-9]|1[0-9]))$/;

/**
 * RFC 3463 status codes (and their registered extensions) that name a reason. Codes too general
 * to say anything (x.0.0, 4.3.0, 4.4.0, 4.5.0, 4.7.0, an unknown user with a temporary code) are
 * left out: the words of the reply decide there.
 */
const STATUS_REASONS: Record<string, BounceReason> = {
  '4.1.6': 'moved', // destination mailbox has moved, no forwarding address
  '4.1.7': 'policy', // bad sender's mailbox address syntax
  '4.1.8': 'policy', // bad sender's system address
  '4.1.9': 'system', // message relayed to non-compliant mailer
  '4.2.1': 'blocked', // mailbox disabled, not accepting messages (for now: usually a block)
  '4.2.2': 'mailbox-full',
  '4.2.3': 'message-too-big', // message length exceeds administrative limit
  '4.2.4': 'policy', // mailing list expansion problem
  '4.3.1': 'system', // mail system full
  '4.3.2': 'blocked', // system not accepting network messages
  '4.3.3': 'system', // system not capable of selected features
  '4.3.5': 'system', // system incorrectly configured
  '4.4.1': 'expired', // no answer from host
  '4.4.2': 'network', // bad connection
  '4.4.3': 'system', // directory server failure
  '4.4.4': 'network', // unable to route
  '4.4.5': 'system', // mail system congestion
  '4.4.6': 'network', // routing loop detected
  '4.4.7': 'expired', // delivery time expired
  '4.4.8': 'network', // retry on IPv4
  '4.5.3': 'system', // too many recipients
  '4.5.5': 'system', // wrong protocol version
  '4.6.0': 'spam-content', // media error
  '4.6.2': 'spam-content', // conversion required and prohibited
  '4.6.5': 'spam-content', // conversion failed
  '4.7.1': 'blocked', // delivery not authorized, for now: the sending server is held back
  '4.7.2': 'blocked', // mailing list expansion prohibited
  '4.7.5': 'policy', // cryptographic failure
  '4.7.6': 'policy', // cryptographic algorithm not supported
  '4.7.7': 'policy', // message integrity failure
  '4.7.12': 'policy', // a password transition is needed
  '4.7.15': 'policy', // priority level is too low
  '4.7.16': 'message-too-big', // too big for the specified priority
  '4.7.24': 'auth', // SPF validation error
  '4.7.25': 'blocked', // reverse DNS validation failed
  '4.7.26': 'auth', // must pass either SPF or DKIM validation
  '5.1.0': 'user-unknown', // other address status
  '5.1.1': 'user-unknown', // bad destination mailbox address
  '5.1.2': 'host-unknown', // bad destination system address
  '5.1.3': 'user-unknown', // bad destination mailbox address syntax
  '5.1.4': 'policy', // destination mailbox address ambiguous
  '5.1.6': 'moved', // destination mailbox has moved, no forwarding address
  '5.1.7': 'policy', // bad sender's mailbox address syntax
  '5.1.8': 'policy', // bad sender's system address
  '5.1.9': 'system', // message relayed to non-compliant mailer
  // RFC 7505 gives 5.1.10 to a null MX; Exchange Online sends it for "recipient not found".
  '5.1.10': 'user-unknown',
  '5.2.0': 'policy', // other or undefined mailbox status
  '5.2.1': 'policy', // mailbox disabled, not accepting messages
  '5.2.2': 'mailbox-full',
  '5.2.3': 'message-too-big', // message length exceeds administrative limit
  '5.2.4': 'policy', // mailing list expansion problem
  '5.3.0': 'system', // other or undefined mail system status
  '5.3.1': 'system', // mail system full
  '5.3.2': 'host-unknown', // system not accepting network messages
  '5.3.3': 'system', // system not capable of selected features
  '5.3.4': 'message-too-big', // message too big for system
  '5.3.5': 'system', // system incorrectly configured
  '5.4.0': 'network', // other or undefined network or routing status
  // Exchange Online answers 5.4.1 for a recipient its directory does not know.
  '5.4.1': 'user-unknown',
  '5.4.3': 'system', // directory server failure
  '5.4.4': 'host-unknown', // unable to route
  '5.4.6': 'network', // routing loop detected
  '5.4.7': 'expired', // delivery time expired
  '5.5.1': 'syntax', // invalid command
  '5.5.2': 'syntax', // syntax error
  '5.5.3': 'blocked', // too many recipients
  '5.5.4': 'system', // invalid command arguments
  '5.5.5': 'system', // wrong protocol version
  '5.5.6': 'syntax', // authentication exchange line is too long
  '5.6.0': 'spam-content', // other or undefined media error
  '5.6.1': 'spam-content', // media not supported
  '5.6.2': 'spam-content', // conversion required and prohibited
  '5.6.3': 'spam-content', // conversion required but not supported
  '5.6.5': 'spam-content', // conversion failed
  '5.6.6': 'spam-content', // message content not available
  '5.6.7': 'spam-content', // non-ASCII addresses not permitted
  '5.6.8': 'spam-content', // UTF-8 string reply is required
  '5.6.9': 'spam-content', // UTF-8 header cannot be transferred
  '5.7.0': 'policy', // other or undefined security status
  '5.7.1': 'policy', // delivery not authorized, message refused
  '5.7.2': 'policy', // mailing list expansion prohibited
  '5.7.3': 'policy', // security conversion required but not possible
  '5.7.4': 'policy', // security features not supported
  '5.7.5': 'policy', // cryptographic failure
  '5.7.6': 'policy', // cryptographic algorithm not supported
  '5.7.7': 'policy', // message integrity failure
  '5.7.8': 'policy', // authentication credentials invalid
  '5.7.9': 'policy', // authentication mechanism is too weak
  '5.7.10': 'policy', // encryption needed
  '5.7.11': 'policy', // encryption required for requested authentication mechanism
  '5.7.12': 'policy', // a password transition is needed
  '5.7.13': 'suspended', // user account disabled
  '5.7.14': 'policy', // trust relationship required
  '5.7.15': 'policy', // priority level is too low
  '5.7.16': 'message-too-big', // too big for the specified priority
  '5.7.17': 'moved', // mailbox owner has changed
  '5.7.18': 'moved', // domain owner has changed
  '5.7.19': 'policy', // RRVS test cannot be completed
  '5.7.20': 'auth', // no passing DKIM signature found
  '5.7.21': 'auth', // no acceptable DKIM signature found
  '5.7.22': 'auth', // no valid author-matched DKIM signature found
  '5.7.23': 'auth', // SPF validation failed
  '5.7.24': 'auth', // SPF validation error
  '5.7.25': 'blocked', // reverse DNS validation failed
  '5.7.26': 'auth', // multiple authentication checks failed
  '5.7.27': 'host-unknown', // the sender's domain has a null MX
  '5.7.28': 'spam-content', // mail flood of similar abusive messages
  '5.7.29': 'auth', // ARC validation failed
  '5.7.30': 'auth', // REQUIRETLS support required
};

/** The reason an RFC 3463 status code (class.subject.detail) stands for, where it says enough. */
export function reasonOfStatus(status: string): BounceReason | null {
  const found = STATUS_REASONS[status];
  if (found) return found;
  const [cls, subject, detail] = status.split('.').map(Number) as [number, number, number];
  if (cls === 5 && subject === 1 && detail >= 300) return 'user-unknown'; // Exchange's 5.1.3xx
  if (subject === 7 && detail >= 600 && detail < 700) return 'blocked'; // Microsoft's banned IPs
  return null;
}

/** The reason named by words alone (a subject line, for instance), if any. */
export function reasonOfText(text: string): BounceReason | null {
  const t = normalised(text);
  const order: [Said, BounceReason][] = [
    ['mailboxFull', 'mailbox-full'],
    ['tooBig', 'message-too-big'],
    ['suspended', 'suspended'],
    ['userUnknown', 'user-unknown'],
    ['hostUnknown', 'host-unknown'],
    ['spam', 'spam-content'],
    ['expired', 'expired'],
  ];
  for (const [key, reason] of order) if (says(key, t)) return reason;
  return null;
}

/**
 * Reasons after which the address will not work again: an unknown or moved mailbox even when a
 * server says so with a temporary code (as Sisimai counts it), a domain without mail only when
 * the answer is final.
 */
export function isHardReason(reason: BounceReason, temporary: boolean): boolean {
  if (reason === 'user-unknown' || reason === 'moved') return true;
  return reason === 'host-unknown' && !temporary;
}
