import type { Db, Tx } from '../../../db/client.js';
import { findCampaign } from '../../../db/queries/campaigns.js';
import { findEdition } from '../../../db/queries/editions.js';
import * as events from '../../../db/queries/events.js';
import type { Event } from '../../../db/queries/events.js';
import { recordAction } from '../../../db/queries/audit.js';
import { findById as findSubscriber } from '../../../db/queries/subscribers.js';
import * as registrations from '../../../db/queries/registrations.js';
import type { Registration, RegistrationInput } from '../../../db/queries/registrations.js';
import { markdownToHtml, parseMarkdown } from '../../../emails/newsletter/markdown.js';
import { findLabelled, findRegion } from '../../../db/queries/taxonomy.js';
import type { RegistrationStatus } from '../../../db/schema.js';
import type { RegistrationMailName } from '../../../workers/queues.js';
import type { Config } from '../../config.js';
import { isLanguage } from '../../i18n/index.js';
import { DAY_MS, type Secrets } from '../../infra/security.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { berlinLocal, eventInstant } from '../events/index.js';
import { MailOutbox, type OwedMail } from '../mail-outbox/index.js';
import { isPlainText } from '../plain-text.js';
import { hasProblems, type Problems } from '../reference/problems.js';
import { sourceColumns, type Source } from '../sources/index.js';
import type { RequestMeta } from '../subscribers/index.js';
import { checkEmail, normaliseEmail } from '../subscribers/profile.js';
import type { RecordedSignUp, SignUpService } from '../subscribers/signup.js';

export type { Registration } from '../../../db/queries/registrations.js';
export { registrationStatuses, type RegistrationStatus } from '../../../db/schema.js';

/** The limits of a registration's fields: the validator checks them, the forms state them. */
export const registrationLimits = {
  name: 100,
  organisation: 200,
  accessibilityNeeds: 500,
  interpreter: 100,
} as const;

/** The most registrations one page of a list holds. */
export const REGISTRATION_PAGE_LIMIT = 500;

/** A cancellation link lives as long as people keep the mail: a year. */
const CANCEL_LINK_DAYS = 365;

/** A registration as the form gives it: not yet trimmed or checked. */
export interface RegistrationDraft {
  name?: string;
  email?: string;
  organisation?: string;
  role?: string;
  region?: string;
  accessibilityNeeds?: string;
  interpreter?: string;
}

/** The optional newsletter sign-up made with a registration (its own consent). */
export interface NewsletterWish {
  /** The language the consent text was shown in. */
  formLanguage: string;
  meta: RequestMeta;
}

export interface RegisterInput {
  draft: RegistrationDraft;
  /** Where the person came from (`readSource` of the page's query, carried in the form). */
  source: Source;
  /** The page's language: the mails speak it. */
  language: string;
  newsletter?: NewsletterWish;
  actor?: Actor;
}

export type RegisterOutcome =
  | { kind: 'invalid'; errors: Problems; draft: Required<RegistrationDraft> }
  | { kind: 'closed'; reason: 'deadline' | 'past' }
  | { kind: 'missing' }
  | { kind: 'registered' | 'waiting'; registration: Registration; again: boolean };

export interface RegistrationCounts {
  registered: number;
  waiting: number;
  cancelled: number;
}

export interface RegistrationPage {
  items: Registration[];
  next: string | null;
}

/** Whether an event still takes registrations: not after its deadline, nor once it began. */
export function registrationOpen(event: Event, now = Date.now()): 'open' | 'deadline' | 'past' {
  if (event.startsAt <= now) return 'past';
  if (event.registrationDeadline !== null && event.registrationDeadline < now) return 'deadline';
  return 'open';
}

/** The description of an event as HTML for its page (the Markdown subset items allow, escaped). */
export function descriptionHtml(event: Event): string {
  return markdownToHtml(parseMarkdown(event.description), { link: '', block: '' }).replace(
    / style=""/g,
    '',
  );
}

/** When an event takes place, in the reader's language and Berlin time. */
export function eventWhen(event: Event, lang: string): string {
  // British English: day before month, 24-hour clock, as people here read dates.
  const locale = lang === 'en' ? 'en-GB' : lang;
  const day = new Intl.DateTimeFormat(locale, {
    timeZone: 'Europe/Berlin',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });
  const time = new Intl.DateTimeFormat(locale, {
    timeZone: 'Europe/Berlin',
    hour: '2-digit',
    minute: '2-digit',
  });
  const start = new Date(event.startsAt);
  if (event.endsAt === null) return `${day.format(start)}, ${time.format(start)}`;
  const end = new Date(event.endsAt);
  const sameDay =
    berlinLocal(event.startsAt).slice(0, 10) === berlinLocal(event.endsAt).slice(0, 10);
  return sameDay
    ? `${day.format(start)}, ${time.format(start)}–${time.format(end)}`
    : `${day.format(start)}, ${time.format(start)} – ${day.format(end)}, ${time.format(end)}`;
}

/** Text from a form: a string or nothing. */
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * The one check of a registration's fields. `known` says whether a region or role key exists.
 * Name and address are required; needs are free text in the person's words (line breaks
 * become spaces: they reach lists and mails as one line).
 */
export function validateRegistration(
  draft: RegistrationDraft,
  known: (kind: 'regions' | 'roles', key: string) => boolean,
): { values: Required<RegistrationDraft>; errors: Problems } {
  const oneLine = (v: unknown) =>
    text(v)
      .replace(/[\r\n\t]+/g, ' ')
      .trim();
  const values: Required<RegistrationDraft> = {
    name: text(draft.name).trim(),
    email: text(draft.email).trim(),
    organisation: text(draft.organisation).trim(),
    role: text(draft.role).trim(),
    region: text(draft.region).trim(),
    accessibilityNeeds: oneLine(draft.accessibilityNeeds),
    interpreter: text(draft.interpreter).trim(),
  };
  const errors: Problems = {};
  if (!values.name || !isPlainText(values.name, registrationLimits.name))
    errors.name = 'registration.errors.name';
  const email = checkEmail(values.email);
  values.email = email.email;
  if (email.error) errors.email = email.error.key;
  if (!isPlainText(values.organisation, registrationLimits.organisation))
    errors.organisation = 'registration.errors.organisation';
  if (values.role && !known('roles', values.role)) errors.role = 'registration.errors.role';
  if (values.region && !known('regions', values.region))
    errors.region = 'registration.errors.region';
  if (!isPlainText(values.accessibilityNeeds, registrationLimits.accessibilityNeeds))
    errors.accessibilityNeeds = 'registration.errors.accessibilityNeeds';
  if (!isPlainText(values.interpreter, registrationLimits.interpreter))
    errors.interpreter = 'registration.errors.interpreter';
  return { values, errors };
}

/** The mails a change owes, with the registration they are about. */
interface Changed<T> {
  result: T;
  mails: OwedMail[];
  signUp?: RecordedSignUp;
}

/**
 * Registrations for events: a place while there are places, the waiting list after that, and
 * moving up from it when somebody cancels. Places are handed out inside an immediate SQLite
 * transaction, so two people sending the form at the same moment never both get the last one.
 */
export class RegistrationService {
  private readonly db: Db;
  private readonly secrets: Secrets;
  private readonly config: Config;
  private readonly outbox: MailOutbox;

  constructor(
    ctx: ServiceContext,
    private readonly signup: SignUpService,
  ) {
    ({ db: this.db, secrets: this.secrets, config: this.config } = ctx);
    this.outbox = new MailOutbox(ctx);
  }

  /** A write transaction that takes the write lock at its start (BEGIN IMMEDIATE). */
  private write<T>(fn: (tx: Tx) => T): T {
    return this.db.transaction((tx) => fn(tx), { behavior: 'immediate' });
  }

  find(id: number): Registration | undefined {
    return registrations.findRegistration(id, this.db);
  }

  /** The places still free; null when the event has no limit. */
  placesLeft(event: Event): number | null {
    if (event.capacity === null) return null;
    return Math.max(0, event.capacity - registrations.countRegistered(event.id, this.db));
  }

  counts(eventId: number): RegistrationCounts {
    return registrations.countsByStatus(eventId, this.db);
  }

  /** The waiting list in its order. */
  waiting(eventId: number): Registration[] {
    return registrations.waitingList(eventId, REGISTRATION_PAGE_LIMIT, this.db);
  }

  /**
   * Register for an event. The same address a second time is answered like the first time
   * (no second row, no second mail); after a cancellation it registers again.
   */
  async register(
    eventId: number,
    input: RegisterInput,
    now = Date.now(),
  ): Promise<RegisterOutcome> {
    const changed = this.write((tx): Changed<RegisterOutcome> => {
      const event = events.findEvent(eventId, tx);
      if (!event) return { result: { kind: 'missing' }, mails: [] };
      const { values, errors } = validateRegistration(input.draft, (kind, key) =>
        kind === 'regions' ? !!findRegion(key, tx) : !!findLabelled('roles', key, tx),
      );
      if (hasProblems(errors))
        return { result: { kind: 'invalid', errors, draft: values }, mails: [] };
      const open = registrationOpen(event, now);
      if (open !== 'open') return { result: { kind: 'closed', reason: open }, mails: [] };

      const email = normaliseEmail(values.email);
      const existing = registrations.findByEmail(event.id, email, tx);
      let signUp: RecordedSignUp | undefined;
      if (input.newsletter) {
        signUp = this.signup.record(
          {
            email,
            profile: {
              name: values.name,
              regionKey: values.region || null,
              roleKeys: values.role ? [values.role] : [],
              topicKeys: [],
              language: isLanguage(input.language) ? input.language : 'de',
              trackingConsent: false,
            },
            formLanguage: input.newsletter.formLanguage,
            meta: input.newsletter.meta,
          },
          tx,
        );
        registrations.markSubscriberFromEvent(signUp.outcome.subscriber.id, event.id, tx);
      }
      if (existing && existing.status !== 'cancelled') {
        const kind = existing.status === 'waiting' ? 'waiting' : 'registered';
        return { result: { kind, registration: existing, again: true }, mails: [], signUp };
      }

      const full =
        event.capacity !== null && registrations.countRegistered(event.id, tx) >= event.capacity;
      const status: RegistrationStatus = full ? 'waiting' : 'registered';
      const row: RegistrationInput = {
        eventId: event.id,
        status,
        name: values.name,
        email,
        organisation: values.organisation,
        roleKey: values.role || null,
        regionKey: values.region || null,
        language: isLanguage(input.language) ? input.language : 'de',
        accessibilityNeeds: values.accessibilityNeeds,
        interpreter: values.interpreter,
        ...this.existingSource(input.source, tx),
      };
      const registration = existing
        ? registrations.reactivateRegistration(existing.id, row, now, tx)
        : registrations.insertRegistration(row, now, tx);
      if (input.actor)
        recordAction(
          auditWho(input.actor),
          'create',
          'registration',
          registration.id,
          {
            eventId: event.id,
            status,
          },
          tx,
        );
      const name: RegistrationMailName = full ? 'registration-waiting' : 'registration-confirmed';
      const mails = this.outbox.owe(
        [{ name, registrationId: registration.id, at: registration.createdAt }],
        tx,
        now,
      );
      return { result: { kind: status, registration, again: false }, mails, signUp };
    });
    await this.outbox.send(changed.mails);
    if (changed.signUp) await this.signup.deliver(changed.signUp);
    return changed.result;
  }

  /**
   * The source's columns, with what no longer exists left out: a link in an old mail may name an
   * edition, campaign or person that was deleted since.
   */
  private existingSource(source: Source, tx: Tx) {
    const columns = sourceColumns(source);
    if (columns.sourceEditionId !== null && !findEdition(columns.sourceEditionId, tx))
      columns.sourceEditionId = null;
    if (columns.sourceCampaignId !== null && !findCampaign(columns.sourceCampaignId, tx))
      columns.sourceCampaignId = null;
    if (columns.referredBy !== null && !findSubscriber(columns.referredBy, tx))
      columns.referredBy = null;
    const subscriberId =
      source.subscriberId !== null && findSubscriber(source.subscriberId, tx)
        ? source.subscriberId
        : null;
    return { ...columns, subscriberId };
  }

  /** The signed part of a registration's cancellation link. */
  cancelToken(registrationId: number, now = Date.now()): string {
    return this.secrets.sign('registration-cancel', {
      s: registrationId,
      e: Math.floor((now + CANCEL_LINK_DAYS * DAY_MS) / 1000),
    });
  }

  /** The whole cancellation link (`/events/<slug>/cancel/<token>`). */
  cancelLink(registration: Registration, event: Event): string {
    return `${this.config.publicUrl}/events/${encodeURIComponent(event.slug)}/cancel/${this.cancelToken(registration.id)}`;
  }

  /** The registration a cancellation link names; undefined when forged, expired or gone. */
  byCancelToken(token: string): Registration | undefined {
    if (!token || token.length > 300) return undefined;
    const claims = this.secrets.verify('registration-cancel', token);
    return claims ? registrations.findRegistration(claims.s, this.db) : undefined;
  }

  /**
   * Cancel a registration (by its person's link, or by staff). A place that becomes free goes
   * to the first person on the waiting list at once, with a mail. False when there was
   * nothing to cancel (it was cancelled before, or is gone).
   */
  async cancel(registrationId: number, actor: Actor, now = Date.now()): Promise<boolean> {
    const changed = this.write((tx): Changed<boolean> => {
      const registration = registrations.findRegistration(registrationId, tx);
      if (!registration) return { result: false, mails: [] };
      if (!registrations.cancelRegistration(registration.id, now, tx))
        return { result: false, mails: [] };
      recordAction(
        auditWho(actor),
        'cancel',
        'registration',
        registration.id,
        { eventId: registration.eventId, status: registration.status },
        tx,
      );
      const mails =
        registration.status === 'registered' ? this.moveUp(registration.eventId, now, tx) : [];
      return { result: true, mails };
    });
    await this.outbox.send(changed.mails);
    return changed.result;
  }

  /** Fill free places from the waiting list, first come first served; the mails it owes. */
  private moveUp(eventId: number, now: number, tx: Tx): OwedMail[] {
    const event = events.findEvent(eventId, tx);
    if (!event || event.startsAt <= now) return [];
    const free =
      event.capacity === null
        ? Number.MAX_SAFE_INTEGER
        : event.capacity - registrations.countRegistered(eventId, tx);
    if (free <= 0) return [];
    const next = registrations.waitingList(eventId, Math.min(free, REGISTRATION_PAGE_LIMIT), tx);
    const promoted = next.filter((r) => registrations.promoteRegistration(r.id, now, tx));
    return this.outbox.owe(
      promoted.map((r) => ({
        name: 'registration-promoted' as const,
        registrationId: r.id,
        at: now,
      })),
      tx,
      now,
    );
  }

  /**
   * An event's registrations in the order they came in; `after` is the `next` of the
   * previous page. Undefined when `after` is not a cursor this service gave out.
   */
  list(
    eventId: number,
    options: { after?: string; limit?: number; status?: RegistrationStatus } = {},
  ): RegistrationPage | undefined {
    let after: number | undefined;
    if (options.after !== undefined) {
      if (!/^[1-9]\d{0,15}$/.test(options.after)) return undefined;
      after = Number(options.after);
    }
    const limit = Math.min(Math.max(options.limit ?? 100, 1), REGISTRATION_PAGE_LIMIT);
    const rows = registrations.listRegistrations(
      eventId,
      { after, limit: limit + 1, status: options.status },
      this.db,
    );
    const items = rows.slice(0, limit);
    return {
      items,
      next: rows.length > limit ? String(items[items.length - 1]!.id) : null,
    };
  }

  /**
   * Owe the reminder to everybody registered for an event that starts tomorrow (Berlin days),
   * once per registration; returns how many.
   */
  async sendReminders(now = Date.now()): Promise<number> {
    const today = berlinLocal(now).slice(0, 10);
    const day = (offset: number) =>
      new Date(Date.parse(`${today}T00:00Z`) + offset * DAY_MS).toISOString().slice(0, 10);
    const from = eventInstant(`${day(1)}T00:00`)!;
    const to = eventInstant(`${day(2)}T00:00`)!;
    let total = 0;
    for (;;) {
      const { claimed, owed } = this.write((tx) => {
        const due = registrations.dueReminders(from, to, 200, tx);
        const mine = due.filter((r) => registrations.claimReminder(r.id, now, tx));
        const mails = mine.map((r) => ({
          name: 'registration-reminder' as const,
          registrationId: r.id,
          at: r.createdAt,
        }));
        return { claimed: mine.length, owed: this.outbox.owe(mails, tx, now) };
      });
      if (!claimed) return total;
      total += claimed;
      await this.outbox.send(owed);
    }
  }
}
