import type { Logger } from 'pino';
import { createSmtpMailer, type Mailer } from '../workers/mailer.js';
import { redisConnection } from '../workers/queues.js';
import { describeRelays, parseRelays } from '../workers/relays.js';
import { rateLimitedMailer } from '../workers/send-rate.js';
import type { Config } from './config.js';

/**
 * The mailers of a process that sends: one for all mail (relays, DKIM) and the one campaign mail
 * goes through (SEND_RATE and SEND_DOMAIN_RATE over all send workers, kept in Redis;
 * transactional mail is never held back). The worker and a sender on another host build them
 * the same way.
 */
export function createMailers(
  config: Config,
  smtpUrl: string,
  redisUrl: string,
  log: Pick<Logger, 'info'>,
): { mailer: Mailer; campaignMailer: Mailer; close(): void } {
  // One connection per batch a worker sends at once (SEND_CONCURRENCY): a batch sends its
  // messages one after the other, so more would sit idle and fewer would keep batches waiting.
  const mailer = createSmtpMailer(smtpUrl, {
    dkim: config.dkim,
    connections: config.sendConcurrency,
  });
  // Names, rates and weights of the relays; never their credentials.
  log.info(
    {
      relays: describeRelays(parseRelays(smtpUrl)),
      dkim: config.dkim ? `${config.dkim.keySelector}._domainkey.${config.dkim.domainName}` : 'off',
      sendRate: config.sendRate ?? 'unlimited',
      sendDomainRate: config.sendDomainRate ?? 'unlimited',
    },
    'sending mail',
  );
  if (!config.sendRate && !config.sendDomainRate)
    return { mailer, campaignMailer: mailer, close: () => mailer.close() };
  const rateRedis = redisConnection(redisUrl, 'worker');
  const campaignMailer = rateLimitedMailer(mailer, {
    redis: rateRedis,
    prefix: config.queuePrefix,
    rate: config.sendRate,
    domainRate: config.sendDomainRate,
  });
  return {
    mailer,
    campaignMailer,
    close() {
      mailer.close();
      rateRedis.disconnect();
    },
  };
}
