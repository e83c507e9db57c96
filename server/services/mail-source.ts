import type { Db } from '../../db/client.js';
import type { TransactionalSource } from '../../workers/mail.js';
import type { Config } from '../config.js';
import type { Secrets } from '../infra/security.js';
import type { Services } from './index.js';
import { transactionalSource } from './subscribers/mails.js';

/**
 * What the mail worker sends, by job: a subscriber's transactional mail (confirmation, welcome,
 * preferences link) or an edition's test mail.
 */
export function mailSource(deps: {
  db: Db;
  config: Config;
  secrets: Secrets;
  services: Pick<Services, 'subscribers' | 'editions' | 'organisation'>;
}): TransactionalSource {
  const subscriberMails = transactionalSource({
    db: deps.db,
    config: deps.config,
    secrets: deps.secrets,
    subscriptions: deps.services.subscribers,
    organisation: deps.services.organisation,
  });
  return {
    compose: (name, data) =>
      'testSendId' in data
        ? deps.services.editions.composeTestMail(data.testSendId)
        : subscriberMails.compose(name, data),
  };
}
