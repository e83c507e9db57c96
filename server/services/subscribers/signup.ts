import type { Db, Tx } from '../../../db/client.js';
import { transaction } from '../../../db/client.js';
import * as campaigns from '../../../db/queries/campaigns.js';
import * as editions from '../../../db/queries/editions.js';
import * as events from '../../../db/queries/events.js';
import * as lists from '../../../db/queries/lists.js';
import * as reference from '../../../db/queries/reference.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import type { Profile, RequestMeta, Subscriber } from '../../../db/queries/subscribers.js';
import { CONSENT_TEXT_VERSION } from '../../../db/seed.js';
import type { Queues } from '../../../workers/queues.js';
import type { Config } from '../../config.js';
import { translator } from '../../i18n/index.js';
import { preferencesLink, unsubscribeLink } from '../../infra/links.js';
import { DAY_MS, randomToken, Secrets, sha256 } from '../../infra/security.js';
import { countHit, WindowCounters } from '../../infra/counters.js';
import type { ServiceContext } from '../context.js';
import {
  knownSource,
  readSource,
  sourceColumns,
  sourceDetails,
  sourceParams,
  type Source,
} from '../sources/index.js';
import { MailOutbox, type OwedMail } from '../mail-outbox/index.js';
import { profileChoices } from './choices.js';
import {
  normaliseEmail,
  validateProfile,
  type FieldProblems,
  type ProfileCheck,
  type ProfileField,
  type ProfileInput,
} from './profile.js';

/** Sign-ups from one address within an hour before further ones are silently dropped. */
const ADDRESS_LIMIT_PER_HOUR = 5;
/** Per-address counts while Redis is unreachable. */
const addressCounters = new WindowCounters();
/** The longest a sign-up form may stay open before it is sent. */
const FORM_MAX_AGE_SECONDS = 2 * 3600;

/**
 * A sent form's token: `ok`; `too-fast` (sooner than a person fills the form in); `used` (sent
 * before); `expired` (open too long); `forged` (not signed by us).
 */
export type FormTokenCheck = 'ok' | 'too-fast' | 'used' | 'expired' | 'forged';

export type SignUpOutcome = subscribers.SignUpOutcome['kind'];

export interface SignUpInput {
  email: string;
  profile: Profile;
  /** The language the form (and so the consent text) was shown in. */
  formLanguage?: string;
  listIds?: number[];
  meta: RequestMeta;
  /** Where the sign-up came from (`readSource`); rows it names that do not exist are dropped. */
  source?: Source;
}

/** A confirmation link: `open` shows the button, `already-confirmed` says so. */
export interface ConfirmLink {
  kind: 'open' | 'already-confirmed';
  subscriber: Subscriber;
}

/** What pressing the button of a confirmation link did. */
export interface Confirmation {
  kind: 'confirmed' | 'already-confirmed';
  subscriber: Subscriber;
}

/** A stored sign-up and the mail it owes (queued after the transaction commits). */
export interface RecordedSignUp {
  outcome: subscribers.SignUpOutcome;
  mails: OwedMail[];
}

/**
 * What a person does for themself: sign up, confirm, ask for a preferences link, change their
 * profile, unsubscribe or erase everything by a signed link. The consent log records each step
 * (no audit entry: the person is not a user of the admin UI).
 */
export class SignUpService {
  private readonly db: Db;
  private readonly queues: Queues;
  private readonly secrets: Secrets;
  private readonly config: Config;
  private readonly outbox: MailOutbox;

  constructor(ctx: ServiceContext) {
    ({ db: this.db, queues: this.queues, secrets: this.secrets, config: this.config } = ctx);
    this.outbox = new MailOutbox(ctx);
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

  /** The public lists a person may choose between (none when there is only one). */
  listChoices() {
    return lists.publicListChoices(this.db);
  }

  /**
   * Check the sign-up form: profile and address; lists only when the form offers a choice (at
   * least one then; ids of lists not on offer are dropped).
   */
  checkSignUp(raw: ProfileInput, formLanguage: string): ProfileCheck {
    const check = validateProfile({ ...raw, listIds: undefined }, profileChoices(this.db), {
      fallbackLanguage: formLanguage,
      email: true,
    });
    const offered = this.listChoices();
    check.listIds = lists.chosenPublicListIds((raw.listIds ?? []).map(String), this.db);
    if (offered.length && !check.listIds.length)
      check.errors.lists = { key: 'signup.errors.lists', message: 'choose at least one list' };
    return check;
  }

  /**
   * Where a sign-up came from, as the sign-up page's query string (or the form's hidden
   * fields) tells. Anything unreadable is left out: the person signs up all the same.
   */
  readSource(query: unknown): Source {
    return readSource(this.secrets, query);
  }

  /** The hidden form fields that carry a source from the page to the sent form. */
  sourceFields(source: Source): Record<string, string> {
    return sourceParams(source, this.secrets);
  }

  /** A signed token for a freshly shown sign-up form: when it was shown, and a nonce. */
  formToken(now = Date.now()): string {
    const s = Math.floor(now / 1000);
    return this.secrets.sign('signup-form', { s, e: s + FORM_MAX_AGE_SECONDS, n: randomToken() });
  }

  /**
   * Check the token of a sent sign-up form and use it up, so that one shown form carries one
   * sign-up. A form sent too fast keeps its token (the person may send it again).
   */
  useFormToken(token: string, now = Date.now()): FormTokenCheck {
    // The signature only (no time): the age is judged below, to tell an old form from a forgery.
    const claims = this.secrets.verify('signup-form', token, 0);
    if (!claims) return 'forged';
    if (typeof claims.n !== 'string' || claims.e * 1000 < now) return 'expired';
    if (now / 1000 - claims.s < this.config.minFillSeconds) return 'too-fast';
    const { n: nonce, e } = claims;
    const fresh = transaction(this.db, (tx) => subscribers.useFormNonce(nonce, e * 1000, now, tx));
    return fresh ? 'ok' : 'used';
  }

  /**
   * Per address: a few attempts an hour. False means "answer as usual and store nothing".
   * While Redis cannot count, this process counts (the limit never fails open).
   */
  async allowAttempt(email: string): Promise<boolean> {
    const key = `${this.config.queuePrefix}:signup-address:${this.secrets.emailHash(normaliseEmail(email))}`;
    const { current } = await countHit(this.queues.connection, key, 3_600_000, addressCounters);
    return current <= ADDRESS_LIMIT_PER_HOUR;
  }

  async signUp(input: SignUpInput): Promise<SignUpOutcome> {
    const recorded = transaction(this.db, (tx) => this.record(input, tx));
    await this.deliver(recorded);
    return recorded.outcome.kind;
  }

  /**
   * Store a sign-up inside the caller's transaction, with the mail it owes in the outbox;
   * `deliver` queues that mail after the commit.
   */
  record(input: SignUpInput, tx: Tx): RecordedSignUp {
    const formLanguage = input.formLanguage ?? input.profile.language;
    const email = normaliseEmail(input.email);
    const emailHash = this.secrets.emailHash(email);
    const now = Date.now();
    const cooldownMs = this.config.confirmCooldownMinutes * 60_000;
    const consentVersion = this.consentVersion(formLanguage);
    reference.saveConsentText(consentVersion, formLanguage, this.consentText(formLanguage), tx);
    const listIds = input.listIds?.length ? input.listIds : [reference.defaultList(tx).id];
    const source = input.source && knownSource(input.source, sourceRows(tx));
    const outcome = subscribers.signUp(
      {
        email,
        emailHash,
        profile: input.profile,
        listIds,
        consentTextVersion: consentVersion,
        consentLanguage: formLanguage,
        meta: input.meta,
        ...(source && {
          sourceColumns: { ...sourceColumns(source), sourceEventId: source.eventId },
          details: { source: sourceDetails(source) },
        }),
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
        { subscriberId: outcome.subscriber.id, emailHash, meta: input.meta, now },
        tx,
      );
      return {
        outcome: { kind: 'confirmation', subscriber: outcome.subscriber },
        mails: this.outbox.owe([{ name: 'welcome', subscriberId: outcome.subscriber.id }], tx),
      };
    }
    const mayMail =
      outcome.kind !== 'blocked' &&
      outcome.kind !== 'cooldown' &&
      subscribers.claimConfirmationSlot(outcome.subscriber.id, cooldownMs, now, tx);
    if (!mayMail) return { outcome, mails: [] };
    // Somebody already confirmed gets a link to their preferences instead of a second opt-in.
    const name = outcome.kind === 'already-confirmed' ? 'preferences-link' : 'confirmation';
    const mail = { name, subscriberId: outcome.subscriber.id, at: now } as const;
    return { outcome, mails: this.outbox.owe([mail], tx, now) };
  }

  /** Queue the mail of a stored sign-up (when Redis cannot take it, the outbox sweep will). */
  async deliver(recorded: RecordedSignUp): Promise<void> {
    await this.outbox.send(recorded.mails);
  }

  /** Mint a confirmation token (stored hashed) — called by the mail worker right before sending. */
  issueConfirmToken(subscriberId: number, token: string): void {
    const expires = Date.now() + this.config.confirmTokenDays * DAY_MS;
    transaction(this.db, (tx) =>
      subscribers.createToken(subscriberId, 'confirm', sha256(token), expires, tx),
    );
  }

  /**
   * What a confirmation link stands for, without using it (for the GET page): still to confirm,
   * or already confirmed (its owner clicks again); undefined when unknown or expired.
   */
  peekConfirmToken(token: string): ConfirmLink | undefined {
    if (!token || token.length > 200) return undefined;
    const found = subscribers.confirmTokenState(sha256(token), Date.now(), this.db);
    if (!found) return undefined;
    const kind = found.state === 'open' ? 'open' : 'already-confirmed';
    return { kind, subscriber: found.subscriber };
  }

  /** Confirm by link; a link used before tells its confirmed owner so and changes nothing. */
  async confirm(token: string, meta: RequestMeta): Promise<Confirmation | undefined> {
    if (!token || token.length > 200) return undefined;
    const tokenHash = sha256(token);
    const result = transaction(this.db, (tx) => {
      const subscriber = subscribers.confirm(
        { tokenHash, emailHash: (e) => this.secrets.emailHash(e), meta },
        tx,
      );
      if (!subscriber) {
        const found = subscribers.confirmTokenState(tokenHash, Date.now(), tx);
        if (found?.state !== 'used') return undefined;
        return { kind: 'already-confirmed' as const, subscriber: found.subscriber, mails: [] };
      }
      const mails = this.outbox.owe([{ name: 'welcome', subscriberId: subscriber.id }], tx);
      return { kind: 'confirmed' as const, subscriber, mails };
    });
    if (!result) return undefined;
    // The confirmation stands even when Redis is down: the welcome mail is owed, not lost.
    await this.outbox.send(result.mails);
    return { kind: result.kind, subscriber: result.subscriber };
  }

  /**
   * A preferences link by mail: the same answer whether or not the address is known, and
   * whether or not Redis takes the mail now (the outbox sweep queues it otherwise).
   */
  async requestPreferencesLink(email: string): Promise<void> {
    const cooldownMs = this.config.confirmCooldownMinutes * 60_000;
    const now = Date.now();
    const owed = transaction(this.db, (tx) => {
      const found = subscribers.findByEmail(normaliseEmail(email), tx);
      if (!found || found.status !== 'confirmed') return [];
      if (!subscribers.claimConfirmationSlot(found.id, cooldownMs, now, tx)) return [];
      const mail = { name: 'preferences-link', subscriberId: found.id, at: now } as const;
      return this.outbox.owe([mail], tx, now);
    });
    await this.outbox.send(owed);
  }

  unsubscribeLink(subscriberId: number, listId: number | null): string {
    return unsubscribeLink(this.secrets, this.config.publicUrl, subscriberId, listId);
  }

  preferencesLink(subscriberId: number): string {
    return preferencesLink(this.secrets, this.config.publicUrl, subscriberId);
  }

  /** The person a preferences link names, with their profile; none when blocked or gone. */
  byPreferencesLink(token: string): subscribers.SubscriberWithProfile | undefined {
    const claims = this.secrets.verify('preferences', token);
    const subscriber = claims ? subscribers.findById(claims.s, this.db) : undefined;
    if (!subscriber || subscriber.status === 'blocked') return undefined;
    return subscribers.withProfile(subscriber, this.db);
  }

  /**
   * What an unsubscribe link names: undefined when the link is forged or expired; `subscriber`
   * undefined when the person is already gone.
   */
  byUnsubscribeLink(
    token: string,
  ): { claims: { s: number; l?: number }; subscriber?: Subscriber } | undefined {
    const claims = this.secrets.verify('unsubscribe', token);
    if (!claims) return undefined;
    return { claims, subscriber: subscribers.findById(claims.s, this.db) };
  }

  /** Unsubscribe by a signed link; idempotent (an erased person is simply "unsubscribed"). */
  unsubscribe(claims: { s: number; l?: number }, meta: RequestMeta): { erased: boolean } {
    return transaction(this.db, (tx) => {
      const subscriber = subscribers.findById(claims.s, tx);
      if (!subscriber) return { erased: true };
      return subscribers.unsubscribe(
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

  /** The person changes their own profile (preferences form); lists stay as they are. */
  updateProfile(
    subscriberId: number,
    raw: ProfileInput,
    meta: RequestMeta,
  ):
    | { ok: true; subscriber: subscribers.SubscriberWithProfile }
    | { ok: false; check: ProfileCheck; errors: FieldProblems<ProfileField> }
    | undefined {
    return transaction(this.db, (tx) => {
      const subscriber = subscribers.findById(subscriberId, tx);
      if (!subscriber) return undefined;
      const check = validateProfile({ ...raw, listIds: undefined }, profileChoices(tx), {
        fallbackLanguage: subscriber.language,
      });
      if (Object.keys(check.errors).length) return { ok: false, check, errors: check.errors };
      const updated = subscribers.updateProfile(
        {
          subscriberId,
          emailHash: this.secrets.emailHash(subscriber.email),
          profile: check.profile,
          meta,
        },
        tx,
      )!;
      return { ok: true, subscriber: updated };
    });
  }

  /** Everything stored about the person, for their own download. */
  ownData(subscriberId: number) {
    return subscribers.exportData(subscriberId, this.db);
  }

  /** The person erases everything; the consent log keeps the proof under the hashed address. */
  eraseOwn(subscriberId: number, meta: RequestMeta): boolean {
    return transaction(this.db, (tx) => {
      const subscriber = subscribers.findById(subscriberId, tx);
      if (!subscriber) return false;
      return subscribers.erase(
        { subscriberId, emailHash: this.secrets.emailHash(subscriber.email), meta },
        tx,
      );
    });
  }
}

/** Whether the rows a sign-up's source names exist, read inside its transaction. */
function sourceRows(tx: Tx) {
  return {
    edition: (id: number) => editions.findEdition(id, tx) !== undefined,
    campaign: (id: number) => campaigns.findCampaign(id, tx) !== undefined,
    event: (id: number) => events.findEvent(id, tx) !== undefined,
    subscriber: (id: number) => subscribers.findById(id, tx) !== undefined,
  };
}
