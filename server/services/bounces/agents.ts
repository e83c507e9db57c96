/**
 * Local delivery agents: the programs that put a mail into the mailbox once the server has
 * accepted it (Dovecot, mail.local, procmail, maildrop, vpopmail, vmailmgr). When one of them
 * fails, the bounce quotes it; its own words tell why. Phrases as collected by Sisimai
 * (libsisimai.org; BSD-2-Clause, see LICENSE-sisimai), in our reasons.
 */
import type { BounceReason } from './reasons.js';

interface Agent {
  /** How the bounce quotes the agent (lower-cased). */
  marks: string[];
  says: Partial<Record<BounceReason, string[]>>;
}

const AGENTS: Agent[] = [
  {
    marks: ['your message to <', '> was automatically rejected:'], // Dovecot
    says: {
      'mailbox-full': ['not enough disk space', 'quota exceeded'],
      'user-unknown': ["mailbox doesn't exist: "],
    },
  },
  {
    marks: ['mail.local: '],
    says: {
      'mailbox-full': ['disc quota exceeded', 'mailbox full or quota exceeded'],
      system: ['temporary file write error'],
      'user-unknown': [
        ': invalid mailbox path',
        ': unknown user:',
        ': user missing home directory',
        ': user unknown',
      ],
    },
  },
  {
    marks: ['procmail: ', '/procmail '],
    says: {
      'mailbox-full': ['quota exceeded while writing', 'user over quota'],
      system: ['service unavailable', 'no space left to finish writing'],
    },
  },
  {
    marks: ['maildrop: '],
    says: {
      'mailbox-full': ['maildir over quota.'],
      'user-unknown': ['cannot find system user', 'invalid user specified.'],
    },
  },
  {
    marks: ['vdelivermail: '], // vpopmail
    says: {
      policy: ['user does not exist, but will deliver to '],
      'mailbox-full': ['domain is over quota', 'user is over quota'],
      suspended: ['account is locked email bounced'],
      'user-unknown': ['sorry, no mailbox here by that name.'],
    },
  },
  {
    marks: ['vdeliver: '], // vmailmgr
    says: {
      'mailbox-full': ['delivery failed due to system quota violation'],
      'user-unknown': [
        'invalid or unknown base user or domain',
        'invalid or unknown virtual user',
        'user name does not refer to a virtual user',
      ],
    },
  },
];

/**
 * The reason a local delivery agent gave, if the text quotes one: its phrase, or a failure of
 * the delivery program as such.
 */
export function localAgentReason(text: string): BounceReason | null {
  const t = text.toLowerCase().replace(/\s+/g, ' ');
  const agent = AGENTS.find((a) => a.marks.some((m) => t.includes(m)));
  if (!agent) return null;
  for (const [reason, phrases] of Object.entries(agent.says)) {
    if (phrases.some((p) => t.includes(p))) return reason as BounceReason;
  }
  return 'system';
}
