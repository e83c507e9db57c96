import type { Db } from '../../../db/client.js';
import { findMailText } from '../../../db/queries/mail-texts.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import { renderTransactional } from '../../../emails/render.js';
import type { ComposedMail, TransactionalSource } from '../../../workers/mail.js';
import { isSubscriberMail, type MailJobData, type MailJobName } from '../../../workers/queues.js';
import type { Config } from '../../config.js';
import { randomToken, type Secrets } from '../../infra/security.js';
import { mailContext, transactionalSender } from '../mail-context.js';
import type { OrganisationService } from '../organisation/index.js';
import type { SubscriberService } from './index.js';

/**
 * Builds confirmation, welcome and preferences-link mails for the mail worker. It mints the
 * confirmation token at send time, so no secret ever sits in a queue payload.
 */
export function transactionalSource(deps: {
  db: Db;
  config: Config;
  secrets: Secrets;
  subscriptions: SubscriberService;
  organisation: OrganisationService;
}): TransactionalSource {
  const { db, config, secrets, organisation } = deps;
  const links = deps.subscriptions.signup;
  return {
    async compose(name: MailJobName, data: MailJobData): Promise<ComposedMail | null> {
      if (!isSubscriberMail(name) || !('subscriberId' in data)) return null;
      const subscriber = subscribers.findById(data.subscriberId, db);
      if (!subscriber) return null; // erased or purged meanwhile: nothing to send
      if (name === 'confirmation' && subscriber.status !== 'unconfirmed') return null;
      if (name !== 'confirmation' && subscriber.status !== 'confirmed') return null;
      // Read per mail: a change to the organisation's settings applies to the next mail.
      const org = organisation.get();
      const ctx = mailContext(org, config, subscriber.language);
      const sender = transactionalSender(org, config);
      const preferencesUrl = links.preferencesLink(subscriber.id);
      const confirmToken = name === 'confirmation' ? randomToken() : undefined;
      const actionUrl = confirmToken
        ? `${config.publicUrl}/confirm/${confirmToken}`
        : preferencesUrl;
      const custom = name === 'welcome' ? findMailText('welcome', ctx.lang, db) : undefined;
      const unsubscribeUrl = links.unsubscribeLink(subscriber.id, null);
      const headers: Record<string, string> = {
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'All',
      };
      // The welcome mail is the list's first mail: it can be left in one click, like a
      // newsletter (the confirmation mail not: nobody is on the list yet).
      if (name === 'welcome') {
        headers['List-Unsubscribe'] = `<${unsubscribeUrl}>`;
        headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
      }
      const rendered = await renderTransactional(name, ctx, {
        name: subscriber.name,
        email: subscriber.email,
        actionUrl,
        preferencesUrl,
        retentionDays: config.unconfirmedRetentionDays,
        unsubscribeUrl,
        custom: custom ? { subject: custom.subject, body: custom.body } : undefined,
      });
      // The token becomes valid only now that the mail carrying it is about to go out.
      if (confirmToken) links.issueConfirmToken(subscriber.id, confirmToken);
      return {
        message: {
          ...sender,
          to: subscriber.email,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers,
        },
        onSent: () => {
          if (name !== 'confirmation') return;
          subscribers.recordConsent(
            {
              subscriberId: subscriber.id,
              emailHash: secrets.emailHash(subscriber.email),
              kind: 'confirmation_sent',
              templateVersion: rendered.templateVersion,
              meta: { channel: 'mail' },
            },
            db,
          );
        },
      };
    },
  };
}
