import type { Db } from '../../db/client.js';
import type { TransactionalSource } from '../../workers/mail.js';
import type { Config } from '../config.js';
import type { Secrets } from '../infra/security.js';
import type { Services } from './index.js';
import { registrationMailSource } from './registrations/mails.js';
import { transactionalSource } from './subscribers/mails.js';

/**
 * What the mail worker sends, by job: a subscriber's transactional mail (confirmation, welcome,
 * preferences link), an edition's test mail, or the mail of an event registration.
 */
export function mailSource(deps: {
  db: Db;
  config: Config;
  secrets: Secrets;
  services: Pick<
    Services,
    'subscribers' | 'editions' | 'organisation' | 'registrations' | 'events'
  >;
}): TransactionalSource {
  const subscriberMails = transactionalSource({
    db: deps.db,
    config: deps.config,
    secrets: deps.secrets,
    subscriptions: deps.services.subscribers,
    organisation: deps.services.organisation,
  });
  const registrationMails = registrationMailSource({
    config: deps.config,
    registrations: deps.services.registrations,
    events: deps.services.events,
    organisation: deps.services.organisation,
  });
  return {
    compose: (name, data) =>
      'testSendId' in data
        ? deps.services.editions.composeTestMail(data.testSendId)
        : 'registrationId' in data
          ? registrationMails.compose(name, data)
          : subscriberMails.compose(name, data),
  };
}
