import { transaction, type Db } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as mailTexts from '../../../db/queries/mail-texts.js';
import { mailContext } from '../mail-context.js';
import { renderTransactional } from '../../../emails/render.js';
import type { Config } from '../../config.js';
import { isLanguage } from '../../i18n/index.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import type { OrganisationService } from '../organisation/index.js';

/** Longest subject and body an editor may write. */
export const MAIL_TEXT_LIMITS = { subject: 200, body: 5000 } as const;

export interface MailText {
  subject: string;
  body: string;
}

/** What is wrong with a mail text, by field; each value is an admin message key. */
export type MailTextProblems = Partial<Record<keyof MailText, string>>;

/** A subject and a body as they are stored: no outer spaces, Unix line ends. */
export function normaliseMailText(input: MailText): MailText {
  return { subject: input.subject.trim(), body: input.body.replace(/\r\n/g, '\n').trim() };
}

/** The one rule for a mail text. The subject becomes a mail header: one line only. */
export function mailTextProblems(text: MailText): MailTextProblems {
  const errors: MailTextProblems = {};
  if (text.subject.length > MAIL_TEXT_LIMITS.subject || /[\r\n]/.test(text.subject))
    errors.subject = 'mailTexts.subjectInvalid';
  if (text.body.length > MAIL_TEXT_LIMITS.body) errors.body = 'mailTexts.bodyTooLong';
  return errors;
}

const WELCOME = 'welcome';

/**
 * The welcome mail's text per language, written by editors as plain text (paragraphs
 * separated by blank lines, never markup). None stored means the built-in text; the links in
 * the mail always stay.
 */
export class MailTextService {
  private readonly db: Db;
  private readonly config: Config;
  private readonly organisation: OrganisationService;

  constructor(ctx: Pick<ServiceContext, 'db' | 'config'>, organisation: OrganisationService) {
    ({ db: this.db, config: this.config } = ctx);
    this.organisation = organisation;
  }

  /** The editors' welcome text in this language, if they wrote one. */
  welcome(lang: string): MailText | undefined {
    const stored = mailTexts.findMailText(WELCOME, knownLanguage(lang), this.db);
    return stored && { subject: stored.subject, body: stored.body };
  }

  /** Store the welcome text; an empty subject and body go back to the built-in text. */
  saveWelcome(
    lang: string,
    input: MailText,
    actor: Actor,
  ): { kind: 'saved' } | { kind: 'invalid'; errors: MailTextProblems; values: MailText } {
    const code = knownLanguage(lang);
    const values = normaliseMailText(input);
    const errors = mailTextProblems(values);
    if (Object.keys(errors).length) return { kind: 'invalid', errors, values };
    transaction(this.db, (tx) => {
      if (!values.subject && !values.body) mailTexts.deleteMailText(WELCOME, code, tx);
      else mailTexts.saveMailText(WELCOME, code, values.subject, values.body, tx);
      recordAction(auditWho(actor), 'update', 'mail-text', `${WELCOME}/${code}`, undefined, tx);
    });
    return { kind: 'saved' };
  }

  /** Back to the built-in welcome text in this language. */
  resetWelcome(lang: string, actor: Actor): void {
    const code = knownLanguage(lang);
    transaction(this.db, (tx) => {
      mailTexts.deleteMailText(WELCOME, code, tx);
      recordAction(auditWho(actor), 'reset', 'mail-text', `${WELCOME}/${code}`, undefined, tx);
    });
  }

  /**
   * The welcome mail as a subscriber in this language would get it (subject and text part),
   * with the given text or else the built-in one.
   */
  async previewWelcome(
    lang: string,
    custom?: MailText,
  ): Promise<{ subject: string; text: string }> {
    const sample = `${this.config.publicUrl}/p/…`;
    const mail = await renderTransactional(
      'welcome',
      mailContext(this.organisation.get(), this.config, knownLanguage(lang)),
      {
        name: 'Erika Mustermann',
        email: 'erika@example.org',
        actionUrl: sample,
        preferencesUrl: sample,
        unsubscribeUrl: `${this.config.publicUrl}/u/…`,
        custom,
      },
    );
    return { subject: mail.subject, text: mail.text };
  }
}

/** Callers check the language of a request first; anything else is a programming error. */
function knownLanguage(lang: string): string {
  if (isLanguage(lang)) return lang;
  throw new RangeError(`unknown language "${JSON.stringify(lang)}"`);
}
