import type { Db } from '../../../db/client.js';
import { transaction } from '../../../db/client.js';
import * as reference from '../../../db/queries/reference.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import type { Profile, RequestMeta } from '../../../db/queries/subscribers.js';
import { CONSENT_TEXT_VERSION } from '../../../db/seed.js';
import { queueMails, type MailJobName, type Queues } from '../../../workers/queues.js';
import type { Config } from '../../config.js';
import type { ServiceContext, ServiceLog } from '../context.js';
import { normaliseEmail } from './profile.js';
import { translator } from '../../i18n/index.js';
import {
  Secrets,
  sha256,
  UNSUBSCRIBE_LINK_DAYS,
  PREFERENCES_LINK_DAYS,
  DAY_MS,
} from '../../infra/security.js';

/**
 * The subscription life cycle — sign-up, confirm, preferences, unsubscribe, erase — on top of
 * the query functions. Routes, the API and the CLI call these; mails go out through the queue.
 */
export class SubscriptionService {
  private readonly db: Db;
  private readonly queues: Queues;
  private readonly secrets: Secrets;
  private readonly config: Config;
  private readonly log: ServiceLog;

  constructor(ctx: ServiceContext) {
    ({ db: this.db, queues: this.queues, secrets: this.secrets, config: this.config } = ctx);
    this.log = ctx.log;
  }

  /** `at`: the claim time of a confirmation-type mail (see mailJobId); welcome mails go once. */
  private async enqueue(name: MailJobName, subscriberId: number, at?: number): Promise<void> {
    await queueMails(this.queues, [{ name, subscriberId, at }]);
  }

  /** The exact consent wording a person saw, stored once per version and language. */
  consentText(language: string): string {
    const t = translator(language);
    return `${t('signup.consent')} ${t('signup.consentPrivacy')}`;
  }

  /** The version names the wording: a changed translation is a new version by itself. */
  consentVersion(language: string): string {
    return `${CONSENT_TEXT_VERSION}.${sha256(this.consentText(language)).slice(0, 8)}`;
  }

  async signUp(input: {
    email: string;
    profile: Profile;
    /** The language the form (and so the consent text) was shown in. */
    formLanguage?: string;
    listIds?: number[];
    meta: RequestMeta;
  }): Promise<subscribers.SignUpOutcome['kind']> {
    const formLanguage = input.formLanguage ?? input.profile.language;
    const email = normaliseEmail(input.email);
    const now = Date.now();
    const cooldownMs = this.config.confirmCooldownMinutes * 60_000;
    const result = transaction(this.db, (tx) => {
      const consentVersion = this.consentVersion(formLanguage);
      reference.saveConsentText(consentVersion, formLanguage, this.consentText(formLanguage), tx);
      const listIds = input.listIds?.length ? input.listIds : [reference.defaultList(tx).id];
      const outcome = subscribers.signUp(
        {
          email,
          emailHash: this.secrets.emailHash(email),
          profile: input.profile,
          listIds,
          consentTextVersion: consentVersion,
          consentLanguage: formLanguage,
          meta: input.meta,
          cooldownMs,
          now,
        },
        tx,
      );
      // Lists with double opt-in switched off: the sign-up counts as confirmed at once.
      const singleOptIn =
        (outcome.kind === 'confirmation' || outcome.kind === 'cooldown') &&
        listIds.every((id) => reference.findList(id, tx)?.doubleOptIn === false);
      if (singleOptIn) {
        subscribers.confirmWithoutLink(
          {
            subscriberId: outcome.subscriber.id,
            emailHash: this.secrets.emailHash(email),
            meta: input.meta,
            now,
          },
          tx,
        );
        return { outcome, mayMail: false, singleOptIn };
      }
      const mayMail =
        outcome.kind !== 'blocked' &&
        outcome.kind !== 'cooldown' &&
        subscribers.claimConfirmationSlot(outcome.subscriber.id, cooldownMs, now, tx);
      return { outcome, mayMail, singleOptIn };
    });
    if (result.singleOptIn) {
      await this.enqueue('welcome', result.outcome.subscriber.id);
      return 'confirmation';
    }
    if (result.mayMail) {
      // Somebody already confirmed gets a link to their preferences instead of a second opt-in.
      const name =
        result.outcome.kind === 'already-confirmed' ? 'preferences-link' : 'confirmation';
      try {
        await this.enqueue(name, result.outcome.subscriber.id, now);
      } catch (err) {
        // The sign-up is stored; resendLostConfirmations() queues the mail once Redis is back.
        this.log.warn(
          { err: (err as Error).message, subscriber: result.outcome.subscriber.id },
          'mail not queued',
        );
      }
    }
    return result.outcome.kind;
  }

  /** Mint a confirmation token (stored hashed) — called by the mail worker right before sending. */
  issueConfirmToken(subscriberId: number, token: string): void {
    const expires = Date.now() + this.config.confirmTokenDays * DAY_MS;
    transaction(this.db, (tx) =>
      subscribers.createToken(subscriberId, 'confirm', sha256(token), expires, tx),
    );
  }

  /** Who a confirmation token belongs to, without using it (for the GET page). */
  peekConfirmToken(token: string) {
    if (!token || token.length > 200) return undefined;
    return subscribers.findUsableToken(sha256(token), 'confirm', Date.now(), this.db)?.subscriber;
  }

  async confirm(token: string, meta: RequestMeta) {
    if (!token || token.length > 200) return undefined;
    const subscriber = transaction(this.db, (tx) =>
      subscribers.confirm(
        { tokenHash: sha256(token), emailHash: (e) => this.secrets.emailHash(e), meta },
        tx,
      ),
    );
    if (subscriber) await this.enqueue('welcome', subscriber.id);
    return subscriber;
  }

  /** A preferences link by mail: same answer whether or not the address is known. */
  async requestPreferencesLink(email: string): Promise<void> {
    const found = subscribers.findByEmail(normaliseEmail(email), this.db);
    if (!found || found.status !== 'confirmed') return;
    const cooldownMs = this.config.confirmCooldownMinutes * 60_000;
    const now = Date.now();
    const claimed = transaction(this.db, (tx) =>
      subscribers.claimConfirmationSlot(found.id, cooldownMs, now, tx),
    );
    if (claimed) await this.enqueue('preferences-link', found.id, now);
  }

  unsubscribeLink(subscriberId: number, listId: number | null): string {
    const token = this.secrets.sign('unsubscribe', {
      s: subscriberId,
      ...(listId ? { l: listId } : {}),
      e: Math.floor((Date.now() + UNSUBSCRIBE_LINK_DAYS * DAY_MS) / 1000),
    });
    return `${this.config.publicUrl}/u/${token}`;
  }

  preferencesLink(subscriberId: number): string {
    const token = this.secrets.sign('preferences', {
      s: subscriberId,
      e: Math.floor((Date.now() + PREFERENCES_LINK_DAYS * DAY_MS) / 1000),
    });
    return `${this.config.publicUrl}/p/${token}`;
  }

  /** Unsubscribe by a signed link; idempotent (an erased person is simply "unsubscribed"). */
  unsubscribe(claims: { s: number; l?: number }, meta: RequestMeta): void {
    transaction(this.db, (tx) => {
      const subscriber = subscribers.findById(claims.s, tx);
      if (!subscriber) return;
      subscribers.unsubscribe(
        {
          subscriberId: subscriber.id,
          listId: claims.l ?? null,
          emailHash: this.secrets.emailHash(subscriber.email),
          meta,
        },
        tx,
      );
    });
  }

  updateProfile(subscriberId: number, profile: Profile, meta: RequestMeta) {
    return transaction(this.db, (tx) => {
      const subscriber = subscribers.findById(subscriberId, tx);
      if (!subscriber) return undefined;
      return subscribers.updateProfile(
        { subscriberId, emailHash: this.secrets.emailHash(subscriber.email), profile, meta },
        tx,
      );
    });
  }

  erase(subscriberId: number, meta: RequestMeta): boolean {
    return transaction(this.db, (tx) => {
      const subscriber = subscribers.findById(subscriberId, tx);
      if (!subscriber) return false;
      return subscribers.erase(
        { subscriberId, emailHash: this.secrets.emailHash(subscriber.email), meta },
        tx,
      );
    });
  }

  /**
   * Confirmation mails whose job never made it to Redis (it was down, or the process died
   * between the database commit and the queue): queue them again under their original job id.
   */
  async resendLostConfirmations(now = Date.now()): Promise<number> {
    const lost = subscribers.lostConfirmations(now - 2 * 60_000, now - DAY_MS, this.db);
    for (const s of lost) await this.enqueue('confirmation', s.id, s.lastConfirmationAt);
    return lost.length;
  }

  purgeUnconfirmed(): number {
    const cutoff = Date.now() - this.config.unconfirmedRetentionDays * DAY_MS;
    return transaction(this.db, (tx) => subscribers.purgeUnconfirmed(cutoff, tx));
  }
}

export { isValidEmail, normaliseEmail } from './profile.js';
