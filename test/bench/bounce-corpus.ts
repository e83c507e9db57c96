/**
 * Measures the bounce classification against the real bounce mails in test/fixtures/bounces,
 * whose expectations are Sisimai's own test tables (see SOURCE.md there). Each mail counts once:
 * our result (for the first failed recipient) against Sisimai's top-level expectation, which is
 * its first recipient.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  classifyBounce,
  type BounceClassification,
  type BounceKind,
  type BounceReason,
} from '../../server/services/bounces/index.js';

export const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'bounces');

/**
 * Sisimai's reasons in ours. Used only here, to compare; the classifier has its own rules.
 * feedback, vacation and delivered are not bounces: they map to a kind instead of a reason.
 */
export const SISIMAI_REASON: Record<
  string,
  BounceReason | 'complaint' | 'auto-reply' | 'delivered'
> = {
  userunknown: 'user-unknown',
  hostunknown: 'host-unknown',
  notaccept: 'host-unknown',
  hasmoved: 'moved',
  suspend: 'suspended',
  mailboxfull: 'mailbox-full',
  mesgtoobig: 'message-too-big',
  exceedlimit: 'message-too-big',
  blocked: 'blocked',
  badreputation: 'blocked',
  requireptr: 'blocked',
  toomanyconn: 'blocked',
  speeding: 'blocked',
  spamdetected: 'spam-content',
  virusdetected: 'spam-content',
  contenterror: 'spam-content',
  notcompliantrfc: 'spam-content',
  filtered: 'policy',
  rejected: 'policy',
  policyviolation: 'policy',
  securityerror: 'policy',
  authfailure: 'auth',
  failedstarttls: 'auth',
  norelaying: 'relay-denied',
  expired: 'expired',
  networkerror: 'network',
  systemerror: 'system',
  systemfull: 'system',
  mailererror: 'system',
  syntaxerror: 'syntax',
  onhold: 'other',
  undefined: 'other',
  suppressed: 'policy',
  feedback: 'complaint',
  vacation: 'auto-reply',
  delivered: 'delivered',
};

export interface Expectation {
  file: string;
  reason: string;
  hardbounce: boolean;
  deliverystatus: string;
  source: string;
}

export interface Outcome {
  expectation: Expectation;
  result: BounceClassification;
  expectedKind: BounceKind;
  /** Our reason for Sisimai's, or null for the mails that are not bounces. */
  expectedReason: BounceReason | null;
}

export async function expectations(set: 'expected' | 'holdout'): Promise<Expectation[]> {
  return JSON.parse(await readFile(join(CORPUS, `${set}.json`), 'utf8')) as Expectation[];
}

export async function measure(set: 'expected' | 'holdout'): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const expectation of await expectations(set)) {
    const mapped = SISIMAI_REASON[expectation.reason];
    if (!mapped) throw new Error(`no mapping for Sisimai's reason ${expectation.reason}`);
    const isBounce = mapped !== 'complaint' && mapped !== 'auto-reply' && mapped !== 'delivered';
    outcomes.push({
      expectation,
      result: await classifyBounce(await readFile(join(CORPUS, expectation.file))),
      expectedKind: isBounce ? (expectation.hardbounce ? 'hard' : 'soft') : mapped,
      expectedReason: isBounce ? mapped : null,
    });
  }
  return outcomes;
}

export interface Agreement {
  mails: number;
  /** Share of all mails whose kind agrees (hard, soft, complaint, auto-reply, delivered). */
  kind: number;
  /** Share of the bounces (hard or soft expected) whose hard/soft agrees. */
  hardSoft: number;
  /** Share of the bounces whose reason agrees. */
  reason: number;
  /** Auto-replies and delivery notices we took for a bounce. */
  notBouncesCountedAsBounces: number;
  complaints: { expected: number; recognised: number };
}

export function agreement(outcomes: Outcome[]): Agreement {
  const bounces = outcomes.filter((o) => o.expectedReason);
  const share = (part: Outcome[], whole: Outcome[]) => part.length / whole.length;
  const complaints = outcomes.filter((o) => o.expectedKind === 'complaint');
  return {
    mails: outcomes.length,
    kind: share(
      outcomes.filter((o) => o.result.kind === o.expectedKind),
      outcomes,
    ),
    hardSoft: share(
      bounces.filter((o) => o.result.kind === o.expectedKind),
      bounces,
    ),
    reason: share(
      bounces.filter((o) => o.result.reason === o.expectedReason),
      bounces,
    ),
    notBouncesCountedAsBounces: outcomes.filter(
      (o) =>
        (o.expectedKind === 'auto-reply' || o.expectedKind === 'delivered') &&
        (o.result.kind === 'hard' || o.result.kind === 'soft'),
    ).length,
    complaints: {
      expected: complaints.length,
      recognised: complaints.filter((o) => o.result.kind === 'complaint').length,
    },
  };
}
