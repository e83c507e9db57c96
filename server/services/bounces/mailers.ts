/**
 * What mail server software writes into its own bounces, by program: Exim's "retry timeout
 * exceeded", qmail's "Sorry, I couldn't find any host", OpenSMTPD's "Envelope expired", Domino's
 * "not listed in Domino Directory", the Gmail "(state 14)" … Collected by Sisimai (libsisimai.org;
 * BSD-2-Clause, see LICENSE-sisimai), in our reasons.
 *
 * `decides` wordings name the reason outright; `suggests` wordings (unknown users and hosts,
 * system, network and time-out trouble) hold only where the server's reply says nothing more.
 */
import type { BounceReason } from './reasons.js';

interface MailerWords {
  name: string;
  /**
   * How to tell that this software wrote the bounce, in its header lines ("subject: …",
   * lower-cased); without marks, its wordings count in any bounce.
   */
  marks?: RegExp;
  decides?: Partial<Record<BounceReason, string[]>>;
  suggests?: Partial<Record<BounceReason, string[]>>;
}

const MAILERS: MailerWords[] = [
  {
    // Exchange Server and Exchange Online name the reason in their enhanced status text.
    name: 'Microsoft Exchange',
    decides: {
      blocked: ['resolver.adr.reciplimit'],
      'message-too-big': ['resolver.rst.recipsizelimit'],
      policy: ['resolver.rst.notauthorized'],
    },
    suggests: {
      expired: ['queue.expired'],
      'host-unknown': ['smtpsend.dns.nonexistentdomain'],
      network: ['smtpsend.dns.mxloopback'],
      policy: ['resolver.rst.authrequired'],
      system: ['resolver.adr.badprimary', 'resolver.adr.invalidinsmtp', 'resolver.adr.ambiguous'],
      'user-unknown': [
        'resolver.adr.recipnotfound',
        'resolver.adr.recipientnotfound',
        'resolver.adr.exrecipnotfound',
      ],
    },
  },
  {
    name: 'Trend Micro InterScan MSS',
    suggests: { 'user-unknown': ['unable to deliver message to <'] },
  },
  {
    name: 'Biglobe',
    decides: {
      'mailbox-full': ["the number of messages in recipient's mailbox exceeded the local limit."],
      policy: ['mail delivery failed... user unknown'],
    },
  },
  {
    name: 'Courier',
    suggests: {
      'host-unknown': ['no such domain.'],
      network: ['dns lookup failed.'],
      system: ["this domain's dns violates rfc 1035."],
    },
  },
  {
    name: 'IBM Domino',
    marks: /^subject:\s*delivery[ _]failure:/im,
    decides: {
      policy: ['cannot route mail to user'],
    },
    suggests: {
      system: ['several matches found in domino directory'],
      'user-unknown': [
        'domino ディレクトリには見つかりません',
        'no se encuentra en el directorio de domino',
        "non répertorié dans l'annuaire domino",
        'not listed in domino directory',
        'not listed in public name & address book',
      ],
    },
  },
  {
    name: 'DragonFly Mail Agent',
    suggests: {
      expired: ['could not deliver for the last '],
      'host-unknown': ['dns lookup failure: host '],
    },
  },
  {
    name: '1&1',
    decides: {
      'message-too-big': ['mail size limit exceeded'],
    },
  },
  {
    name: 'Exchange 2003 (diagnostic codes)',
    marks:
      /^x-ms-embedded-report:|^x-mailer:\s*(internet mail service \(|microsoft exchange server internet mail connector)|^x-mimeole:\s*produced by microsoft exchange|with internet mail service \(/im,
    decides: {
      policy: ['000c0595'],
      'spam-content': ['000502cc', '00050311'],
    },
    suggests: {
      network: ['00120270'],
      policy: ['000b0981'],
      system: ['00010256', '000d06b5'],
      'user-unknown': ['000c05a6'],
    },
  },
  {
    name: 'Exim',
    decides: {
      'host-unknown': [
        'an mx or srv record indicated no smtp service',
        'no host found for existing smtp connection',
      ],
      'mailbox-full': ['error: quota exceed', 'mailbox is full'],
      'spam-content': ['too many "received" headers'],
      syntax: [
        'angle-brackets nested too deep',
        'domain missing in source-routed address',
        'expected word or "<"',
        'malformed address:',
      ],
    },
    suggests: {
      expired: [
        'all hosts have been failing for a long time and were last tried',
        'delay reason: ',
        'has been frozen',
        'no action is required on your part',
        'retry time not reached for any host after a long failure period',
        'retry timeout exceeded',
        'was frozen on arrival by ',
      ],
      'host-unknown': [
        'all host address lookups failed permanently',
        'all relevant mx records point to non-existent hosts',
        'unrouteable address',
      ],
      system: [
        'delivery to file forbidden',
        'delivery to pipe forbidden',
        'lmtp error after ',
        'local delivery failed',
      ],
      'user-unknown': ['user not found'],
    },
  },
  {
    name: 'au EZweb',
    decides: {
      'mailbox-full': ['the user(s) account is temporarily over quota'],
      suspended: [
        'the user(s) account is disabled.',
        'the user(s) account is temporarily limited.',
      ],
    },
    suggests: {
      expired: ['your message was not delivered within '],
    },
  },
  {
    name: 'fml mailing lists',
    decides: {
      policy: [
        ' header may cause mail loop',
        'not member article from ',
        'reject mail from ',
        'reject spammers:',
        'you are not a member of this mailing list',
      ],
    },
    suggests: {
      policy: ['security alert:'],
      system: [
        ' has detected a loop condition so that',
        'duplicated message-id',
        'loop back warning:',
      ],
    },
  },
  {
    name: 'Gmail',
    suggests: {
      expired: [
        'delivery to the following recipient has been delayed',
        'dns error: could not contact dns servers',
        'the recipient server did not accept our requests to connect',
      ],
      'host-unknown': [
        'dns error: dns server returned answer with no data',
        'dns error: domain name not found',
      ],
    },
  },
  {
    name: 'GMX',
    suggests: {
      expired: ['delivery retry timeout exceeded'],
    },
  },
  {
    name: 'Google Workspace',
    decides: {
      'host-unknown': ['null mx'],
    },
    suggests: {
      network: [' had no relevant answers.', ' responded with code nxdomain'],
      'user-unknown': [
        "because the address couldn't be found. check for typos or unnecessary spaces and try again.",
      ],
    },
  },
  {
    name: 'IMail Server',
    marks: /^subject:\s*undeliverable mail |^x-mailer:\s*<smtp32 v/im,
    decides: {
      'mailbox-full': ['user mailbox exceeds allowed size'],
      'spam-content': ['blacklisted url in message', 'requested action not taken: virus detected'],
    },
    suggests: {
      expired: ['delivery failed '],
      'host-unknown': ['unknown host'],
      'user-unknown': ['invalid final delivery userid', 'unknown user'],
    },
  },
  {
    name: 'KDDI',
    decides: {
      'mailbox-full': ['as their mailbox is full'],
      'relay-denied': ['due to the following smtp relay error'],
    },
    suggests: {
      'host-unknown': ['as the remote domain doesnt exist'],
    },
  },
  {
    name: 'Oracle Messaging Server',
    suggests: {
      'host-unknown': ['illegal host/domain name found'],
    },
  },
  {
    name: 'Lotus Notes',
    marks: /^subject:\s*undeliverable message/im,
    suggests: {
      network: ['message has exceeded maximum hop count'],
      'user-unknown': [
        'user not listed in public name & address book',
        'ディレクトリのリストにありません',
      ],
    },
  },
  {
    name: 'OpenSMTPD',
    decides: {
      'host-unknown': [
        'destination seem to reject all mails',
        'no mx found for destination',
        'no mx found for domain',
      ],
    },
    suggests: {
      expired: ['envelope expired'],
      'host-unknown': ['domain does not exist', 'invalid domain name'],
      network: [
        'address family mismatch on destination mxs',
        'all routes to destination blocked',
        'bad dns lookup error code',
        'could not retrieve source address',
        'loop detected',
        'network error on destination mxs',
        'no valid route to destination',
        'no valid route to remote mx',
        'temporary failure in mx lookup',
      ],
      policy: ['could not retrieve credentials'],
    },
  },
  {
    name: 'qmail',
    decides: {
      'host-unknown': ["sorry, i couldn't find a mail exchanger or ip address"],
      'mailbox-full': ['disk quota exceeded'],
      'message-too-big': [
        'message size exceeds fixed maximum message size:',
        'the message exeeded the maximum size the user accepts',
      ],
      suspended: [
        'mailaddress is administrativeley disabled',
        'mailaddress is administratively disabled',
        'mailaddress is administrativley disabled',
        'mailaddress is administrativly disabled',
      ],
      system: ['requested action not taken: mailbox unavailable (not enough free space)'],
    },
    suggests: {
      'host-unknown': ["sorry, i couldn't find any host "],
      network: [
        "sorry, i wasn't able to establish an smtp connection",
        "sorry. although i'm listed as a best-preference mx or a for that host",
      ],
      system: [
        'automatic homedir creator crashed',
        'bad interpreter: no such file or directory',
        'illegal value in ldap attribute',
        'ldap attribute is not given but mandatory',
        'permanent error while executing qmail-forward',
        'temporary error in automatic homedir creation',
        'temporary error while executing qmail-forward',
        'temporary failure in ldap lookup',
        'timeout while performing search on ldap server',
        'too many results returned but needs to be unique',
        'unable to contact ldap server',
        'unable to login into ldap server, bad credentials',
      ],
      'user-unknown': ['no mailbox here by that name', 'sorry, no mailbox here by that name'],
    },
  },
  {
    name: 'Verizon',
    marks: /^from:.*(post_master@vtext\.com|sysadmin@.*\.vzwpix\.com)/im,
    suggests: {
      'user-unknown': [
        '550 - requested action not taken: no such user here',
        'no valid recipients',
      ],
    },
  },
  {
    name: 'Zoho',
    suggests: {
      expired: ['host not reachable'],
    },
  },
];

/** The old Gmail bounce ends with "(state N)": the SMTP state in which delivery failed. */
const GMAIL_STATES: Record<string, BounceReason> = {
  '6': 'auth', // STARTTLS failed
  '8': 'system', // AUTH
  '9': 'auth', // STARTTLS
  '12': 'relay-denied',
  '13': 'blocked', // EHLO refused
  '14': 'user-unknown', // RCPT refused
  '15': 'policy', // DATA refused
  '17': 'policy',
  '18': 'policy',
};

export interface MailerReason {
  reason: BounceReason;
  /** Whether the words name the reason outright, or only where nothing more specific is said. */
  decisive: boolean;
  /** The bounce was recognised as written by this software (not only by its words). */
  identified: boolean;
}

/**
 * The reason a mail server's own wording in its bounce names, the longest wording first.
 * `headers` are the bounce's header lines, to tell which software wrote it.
 */
export function mailerReason(text: string, headers = ''): MailerReason | null {
  const state = /\(state (\d{1,2})\)/.exec(text)?.[1];
  const byState = state ? GMAIL_STATES[state] : undefined;
  if (byState) {
    const decisive = !['user-unknown', 'system'].includes(byState);
    return { reason: byState, decisive, identified: true };
  }
  const t = text.toLowerCase().replace(/\s+/g, ' ');
  let best: (MailerReason & { length: number }) | null = null;
  for (const mailer of MAILERS) {
    const identified = mailer.marks?.test(headers) ?? false;
    if (mailer.marks && !identified) continue;
    for (const [decisive, table] of [
      [true, mailer.decides],
      [false, mailer.suggests],
    ] as const) {
      for (const [reason, phrases] of Object.entries(table ?? {})) {
        for (const phrase of phrases) {
          if (!t.includes(phrase) || (best && best.length >= phrase.length)) continue;
          best = { reason: reason as BounceReason, decisive, identified, length: phrase.length };
        }
      }
    }
  }
  return best && { reason: best.reason, decisive: best.decisive, identified: best.identified };
}
