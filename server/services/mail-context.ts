import type { MailContext } from '../../emails/render.js';
import type { Config } from '../config.js';
import { language, translator } from '../i18n/index.js';
import { parseMailbox, type OrganisationSettings } from './organisation/index.js';

/**
 * Language, direction, translator and organisation of a transactional mail or its preview.
 * `org` is the organisation's settings as they are now, so a change shows in the next mail.
 */
export function mailContext(
  org: OrganisationSettings,
  config: Pick<Config, 'publicUrl'>,
  languageCode: string,
): MailContext {
  const lang = language(languageCode);
  return {
    lang: lang.code,
    dir: lang.dir,
    t: translator(lang.code),
    org: {
      name: org.name,
      imprint: org.imprint,
      postalAddress: org.postalAddress,
      attribution: org.funderAttribution,
      replyTo: org.replyTo,
      primaryColour: org.primaryColour,
      publicUrl: config.publicUrl,
      privacyUrl: org.privacyUrl,
    },
  };
}

/** Who a transactional mail comes from and where answers to it go. */
export interface TransactionalSender {
  from: { name: string; address: string };
  /** The organisation's Reply-To; none when it has not set one. */
  replyTo?: string;
}

/**
 * The sender of a transactional mail: always the MAIL_FROM_TRANSACTIONAL address (distinct
 * from the newsletter's sender). Written out by the operator, it is used as it is; derived
 * from MAIL_FROM, it shows the organisation's name. Replies go to the organisation's Reply-To.
 */
export function transactionalSender(
  org: OrganisationSettings,
  config: Pick<Config, 'mailFromTransactional' | 'mailFromTransactionalSet'>,
): TransactionalSender {
  const configured = parseMailbox(config.mailFromTransactional);
  return {
    from: {
      name: config.mailFromTransactionalSet ? configured.name : org.name,
      address: configured.address,
    },
    ...(org.replyTo ? { replyTo: org.replyTo } : {}),
  };
}
