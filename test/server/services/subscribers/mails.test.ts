/**
 * Transactional mails as the mail worker gets them: the confirmation mail carries a link that
 * works, in the person's language and direction; the consent log records that it went out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secrets } from '../../../../server/infra/security.js';
import { mailContext, transactionalSender } from '../../../../server/services/mail-context.js';
import { OrganisationService } from '../../../../server/services/organisation/index.js';
import { transactionalSource } from '../../../../server/services/subscribers/mails.js';
import { testConfig } from '../../../helpers/env.js';
import { startServiceTest, type ServiceTest } from './_service.js';

let t: ServiceTest;
let organisation: OrganisationService;

beforeAll(async () => {
  t = await startServiceTest();
  organisation = new OrganisationService({ db: t.database.db, config: t.config });
});
afterAll(async () => {
  await t?.close();
});

describe('mailContext', () => {
  it("gives language, direction, translator and the organisation's details", () => {
    const ctx = mailContext(organisation.get(), t.config, 'ar');
    expect(ctx).toMatchObject({
      lang: 'ar',
      dir: 'rtl',
      org: {
        name: 'Landpost Test e.V.',
        imprint: t.config.orgImprint,
        postalAddress: '',
        attribution: '',
        publicUrl: 'http://localhost:3000',
        privacyUrl: t.config.privacyUrl,
      },
    });
    expect(ctx.t('mail.confirmation.subject')).not.toBe('mail.confirmation.subject');
    expect(mailContext(organisation.get(), t.config, 'xx')).toMatchObject({
      lang: 'de',
      dir: 'ltr',
    });
  });
});

describe('transactionalSender', () => {
  it("shows the organisation's name on the noreply address and no Reply-To by default", () => {
    expect(transactionalSender(organisation.get(), t.config)).toEqual({
      from: { name: 'Landpost Test e.V.', address: 'noreply@landpost.test' },
    });
  });

  it('keeps MAIL_FROM_TRANSACTIONAL as the operator wrote it', () => {
    const explicit = testConfig({ MAIL_FROM_TRANSACTIONAL: 'Service <service@landpost.test>' });
    explicit.cleanup();
    expect(transactionalSender(organisation.get(), explicit).from).toEqual({
      name: 'Service',
      address: 'service@landpost.test',
    });
  });
});

describe('transactionalSource', () => {
  it('composes a confirmation mail whose link confirms, and records that it was sent', async () => {
    await t.service.signup.signUp({
      email: 'uk@example.org',
      profile: {
        name: 'Olena',
        regionKey: null,
        roleKeys: [],
        topicKeys: [],
        language: 'uk',
        trackingConsent: false,
      },
      meta: { channel: 'web-form' },
    });
    const [{ id }] = t.sql<{ id: number }>(
      "select id from subscribers where email = 'uk@example.org'",
    ) as [{ id: number }];
    const source = transactionalSource({
      db: t.database.db,
      config: t.config,
      secrets: new Secrets(t.config.secretKey),
      subscriptions: t.service,
      organisation,
    });
    const composed = await source.compose('confirmation', { subscriberId: id });
    expect(composed?.message.to).toBe('uk@example.org');
    // In Ukrainian.
    expect(composed?.message.subject).toMatch(/[\u0400-\u04FF]/);
    expect(composed?.message.html).toContain('lang="uk"');
    composed!.onSent({ messageId: 'x' });
    expect(
      t.sql(
        "select kind from consent_events where subscriber_id = ? and kind = 'confirmation_sent'",
        id,
      ),
    ).toHaveLength(1);
    const token = /\/confirm\/([A-Za-z0-9_-]+)/.exec(composed!.message.text)![1]!;
    expect(await t.service.signup.confirm(token, { channel: 'confirmation-link' })).toMatchObject({
      kind: 'confirmed',
      subscriber: { status: 'confirmed' },
    });
    // Confirmed now: no second confirmation mail is composed.
    expect(await source.compose('confirmation', { subscriberId: id })).toBeNull();
  });
});
