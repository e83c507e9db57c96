/**
 * Bounce intake: what happens when a newsletter comes back. Returned mail reaches the VERP
 * address of its delivery (the bounce endpoint) or a relay reports it by webhook; either way it
 * is classified, logged, and the policy of COMPLIANCE.md applied to the person: a hard bounce
 * blocks them at once, soft bounces once they pile up, a complaint unsubscribes them from
 * everything. A mail to the List-Unsubscribe mailto address unsubscribes its recipient.
 */
import { transaction, type Db, type Tx } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as bounces from '../../../db/queries/bounces.js';
import * as admin from '../../../db/queries/subscriber-admin.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import { deliveryOfUnsubscribe, deliveryOfVerp } from '../../../workers/send.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import type { OrganisationService } from '../organisation/index.js';
import { normaliseEmail } from '../subscribers/profile.js';
import { classifyBounce, type BounceClassification, type BounceKind } from './index.js';

/** The largest bounce mail taken in, by SMTP or by webhook. */
export const MAX_BOUNCE_BYTES = 10 * 1024 * 1024;

const ACTOR: Actor = { kind: 'system', task: 'bounces' };

/** What an address of the bounce endpoint stands for. */
export interface BounceMailbox {
  /** bounce: the VERP envelope sender; unsubscribe: the List-Unsubscribe mailto address. */
  kind: 'bounce' | 'unsubscribe';
  deliveryId: number;
}

export type BounceAction = 'blocked' | 'unsubscribed' | 'none';

export interface BounceOutcome {
  kind: BounceKind;
  action: BounceAction;
  reason: string | null;
  status: string | null;
  deliveryId: number | null;
  subscriberId: number | null;
}

/** A relay's report by webhook (the API's JSON form). */
export interface BounceReport {
  recipient: string;
  kind: 'hard' | 'soft' | 'complaint';
  reason?: string;
  status?: string;
  messageId?: string;
}

/** Where a report points: the delivery (and so the person), or only the person. */
interface Target {
  deliveryId: number | null;
  subscriberId: number | null;
}

const MESSAGE_ID = /<?lp\.(\d{1,15})\.(\d{1,15})\.[0-9a-f]{12}@[^\s<>]+>?/gi;
const VERP = /bounces\+[1-9][0-9]{0,15}\.[0-9a-f]{12}@[a-z0-9.-]+/gi;

/** Addresses in a server's reply are personal data: the log keeps the words, not the address. */
const maskAddresses = (text: string | null) =>
  text?.replace(/[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+/g, '<address>').slice(0, 500) ?? null;

export class BounceService {
  private readonly db: Db;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly organisation: OrganisationService,
  ) {
    this.db = ctx.db;
  }

  /** The domain of the VERP and mailto addresses: BOUNCE_DOMAIN, else the sender's domain. */
  domain(): string {
    if (this.ctx.config.bounceDomain) return this.ctx.config.bounceDomain.toLowerCase();
    const sender = this.organisation.get().senderAddress;
    return (sender.slice(sender.lastIndexOf('@') + 1) || 'localhost').toLowerCase();
  }

  /**
   * What an address names: a delivery's bounce or unsubscribe address on our domain with the
   * right tag; undefined for anything else (the endpoint refuses it, so it relays nothing).
   */
  mailbox(address: string): BounceMailbox | undefined {
    const at = address.lastIndexOf('@');
    if (at < 0 || address.slice(at + 1).toLowerCase() !== this.domain()) return undefined;
    const bounce = deliveryOfVerp(this.ctx.secrets, address);
    if (bounce !== undefined) return { kind: 'bounce', deliveryId: bounce };
    const unsubscribe = deliveryOfUnsubscribe(this.ctx.secrets, address);
    return unsubscribe === undefined ? undefined : { kind: 'unsubscribe', deliveryId: unsubscribe };
  }

  /** A mail the bounce endpoint took for one of its addresses. */
  async receiveMail(
    mailbox: BounceMailbox,
    raw: Buffer,
  ): Promise<BounceOutcome | { kind: 'unsubscribe'; subscriberId: number | null }> {
    if (mailbox.kind === 'unsubscribe') return this.unsubscribeByMail(mailbox.deliveryId);
    const classification = await classifyBounce(raw);
    return this.apply(
      classification,
      { deliveryId: mailbox.deliveryId, subscriberId: null },
      'smtp',
    );
  }

  /**
   * A whole bounce mail a relay passes on by webhook. Its delivery is found by the VERP address
   * or our Message-ID in it, else its person by the failed address. undefined: not ours.
   */
  async receiveRaw(raw: string): Promise<BounceOutcome | undefined> {
    const classification = await classifyBounce(raw);
    const target =
      this.targetInMail(raw) ?? this.targetOf(undefined, classification.recipient ?? undefined);
    if (!target) return undefined;
    return this.apply(classification, target, 'webhook');
  }

  /** A relay's own report: by Message-ID (the ledger has it), else by address. */
  report(report: BounceReport): BounceOutcome | undefined {
    const target = this.targetOf(report.messageId, report.recipient);
    if (!target) return undefined;
    const classification: BounceClassification = {
      kind: report.kind,
      reason: null,
      status: report.status ?? null,
      recipient: report.recipient,
      diagnostic: null,
    };
    return this.apply(classification, target, 'webhook', report.reason ?? null);
  }

  /** RFC 2369/8058 mailto unsubscribe: off every list at once, like the one-click link. */
  private unsubscribeByMail(deliveryId: number): {
    kind: 'unsubscribe';
    subscriberId: number | null;
  } {
    return transaction(this.db, (tx) => {
      const subscriberId = bounces.findDelivery(deliveryId, tx)?.subscriberId ?? null;
      const subscriber = subscriberId === null ? undefined : subscribers.findById(subscriberId, tx);
      if (!subscriber) return { kind: 'unsubscribe' as const, subscriberId: null };
      subscribers.unsubscribe(
        {
          subscriberId: subscriber.id,
          listId: null,
          emailHash: this.ctx.secrets.emailHash(subscriber.email),
          meta: { channel: 'mail', source: 'list-unsubscribe mailto' },
        },
        tx,
      );
      return { kind: 'unsubscribe' as const, subscriberId: subscriber.id };
    });
  }

  /**
   * Log the bounce and apply the policy, in one transaction: hard blocks the person, soft blocks
   * once BOUNCE_SOFT_LIMIT of their last BOUNCE_SOFT_WINDOW deliveries bounced soft, a complaint
   * unsubscribes them from everything; anything else is only logged.
   */
  private apply(
    found: BounceClassification,
    target: Target,
    source: 'smtp' | 'webhook',
    relayReason: string | null = null,
  ): BounceOutcome {
    return transaction(this.db, (tx) => {
      const delivery =
        target.deliveryId === null ? undefined : bounces.findDelivery(target.deliveryId, tx);
      const subscriberId = delivery ? delivery.subscriberId : target.subscriberId;
      const subscriber = subscriberId === null ? undefined : subscribers.findById(subscriberId, tx);
      const reason = found.reason ?? relayReason?.slice(0, 200) ?? null;
      const bounced = found.kind === 'hard' || found.kind === 'soft';
      const why = [`${found.kind} bounce`, reason, found.status]
        .filter((part): part is string => !!part)
        .join(': ');
      if (bounced && delivery) bounces.markBounced(delivery.id, why, tx);
      const entry = bounces.recordBounce(
        {
          source,
          kind: found.kind,
          reason,
          status: found.status?.slice(0, 20) ?? null,
          diagnostic: maskAddresses(found.diagnostic),
          feedbackType: found.feedbackType?.slice(0, 50) ?? null,
          action: 'none',
          deliveryId: delivery?.id ?? null,
          subscriberId: subscriber?.id ?? null,
        },
        tx,
      );
      const action = subscriber ? this.policy(found, why, subscriber, entry, tx) : 'none';
      if (action !== 'none') bounces.setAction(entry.id, action, tx);
      return {
        kind: found.kind,
        action,
        reason,
        status: found.status,
        deliveryId: delivery?.id ?? null,
        subscriberId: subscriber?.id ?? null,
      };
    });
  }

  private policy(
    found: BounceClassification,
    why: string,
    subscriber: subscribers.Subscriber,
    entry: bounces.Bounce,
    tx: Tx,
  ): BounceAction {
    const details = {
      bounce: entry.id,
      kind: found.kind,
      reason: entry.reason,
      status: entry.status,
      delivery: entry.deliveryId,
    };
    if (found.kind === 'complaint') {
      const { erased } = subscribers.unsubscribe(
        {
          subscriberId: subscriber.id,
          listId: null,
          emailHash: this.ctx.secrets.emailHash(subscriber.email),
          meta: { channel: 'complaint', source: `system:bounces ${found.feedbackType ?? 'abuse'}` },
        },
        tx,
      );
      const who = auditWho(ACTOR);
      recordAction(who, 'unsubscribe', 'subscriber', subscriber.id, { ...details, erased }, tx);
      return 'unsubscribed';
    }
    if (found.kind !== 'hard' && found.kind !== 'soft') return 'none';
    if (subscriber.status !== 'confirmed' && subscriber.status !== 'unconfirmed') return 'none';
    if (found.kind === 'soft') {
      const { bounceSoftLimit, bounceSoftWindow } = this.ctx.config;
      const soft = bounces.softBouncesInLast(subscriber.id, bounceSoftWindow, tx);
      if (soft < bounceSoftLimit) return 'none';
    }
    admin.block(subscriber.id, Date.now(), tx);
    recordAction(
      auditWho(ACTOR),
      'block',
      'subscriber',
      subscriber.id,
      { ...details, statusBefore: subscriber.status, why },
      tx,
    );
    return 'blocked';
  }

  /** The VERP address the bounce was sent to, or our Message-ID in the returned original. */
  private targetInMail(raw: string): Target | undefined {
    const domain = this.domain();
    for (const [address] of raw.matchAll(VERP)) {
      if (!address.toLowerCase().endsWith(`@${domain}`)) continue;
      const deliveryId = deliveryOfVerp(this.ctx.secrets, address);
      if (deliveryId !== undefined) return { deliveryId, subscriberId: null };
    }
    for (const [messageId] of raw.matchAll(MESSAGE_ID)) {
      const target = this.targetOf(messageId, undefined);
      if (target) return target;
    }
    return undefined;
  }

  /** A delivery by its Message-ID, else the person by address (with their newest delivery). */
  private targetOf(
    messageId: string | undefined,
    recipient: string | undefined,
  ): Target | undefined {
    if (messageId) {
      const id = `<${messageId.trim().replace(/^<|>$/g, '')}>`;
      const match = new RegExp(MESSAGE_ID.source, 'i').exec(id);
      const delivery = match ? bounces.findDelivery(Number(match[2]), this.db) : undefined;
      if (delivery?.messageId === id) return { deliveryId: delivery.id, subscriberId: null };
    }
    if (recipient) {
      const subscriber = subscribers.findByEmail(normaliseEmail(recipient), this.db);
      if (subscriber) {
        const latest = bounces.latestSentDelivery(subscriber.id, this.db);
        return { deliveryId: latest?.id ?? null, subscriberId: subscriber.id };
      }
    }
    return undefined;
  }
}
