import type { Db } from '../../../db/client.js';
import * as editions from '../../../db/queries/editions.js';
import { compileVariant, personalise } from '../../../emails/newsletter/index.js';
import type { ComposedMail } from '../../../workers/mail.js';
import { recommendLink } from '../sources/index.js';
import type { Config } from '../../config.js';
import type { OrganisationService } from '../organisation/index.js';
import type { Problems } from '../reference/problems.js';
import { checkEmail } from '../subscribers/profile.js';
import { editionContent, organisationForMail, sampleRecipient } from './preview.js';
import { eventLinks } from '../registrations/links.js';

/** At most this many addresses per test send, and test mails per edition and hour. */
export const TEST_SEND_LIMITS = { addresses: 10, perHour: 50 } as const;

/** What a test send asks for: the addresses and the variant (German for everybody by default). */
export interface TestSendRequest {
  emails: unknown;
  language?: string;
  region?: string | null;
  role?: string | null;
}

/**
 * The addresses of a test send: a list of strings, or one string with an address per line or
 * separated by commas or semicolons. Each is checked like a sign-up's; the same address twice is
 * sent once.
 */
export function testAddresses(given: unknown): { emails: string[]; errors: Problems } {
  const raw = typeof given === 'string' ? given.split(/[\n,;]+/) : given;
  if (!Array.isArray(raw) || !raw.every((e): e is string => typeof e === 'string'))
    return { emails: [], errors: { emails: 'editions.errors.testEmails' } };
  const emails = [...new Set(raw.map((e) => e.trim()).filter(Boolean))];
  if (emails.length === 0) return { emails, errors: { emails: 'editions.errors.testEmails' } };
  if (emails.length > TEST_SEND_LIMITS.addresses)
    return { emails, errors: { emails: 'editions.errors.testTooMany' } };
  if (emails.some((e) => checkEmail(e).error))
    return { emails, errors: { emails: 'editions.errors.testEmails' } };
  return { emails, errors: {} };
}

/**
 * The test mail of an edition as the worker sends it: the edition as it is now, in the asked
 * variant, for the sample recipient (no real unsubscribe token), subject marked as a test, from
 * the newsletter's sender — through the same queue and SMTP path as every mail.
 */
export async function composeTestMail(
  testSendId: number,
  deps: { db: Db; config: Config; organisation: OrganisationService },
): Promise<ComposedMail | null> {
  const { db, config } = deps;
  const test = editions.findTestSend(testSendId, db);
  if (!test || test.sentAt !== null) return null;
  const edition = editions.findEdition(test.editionId, db);
  if (!edition) return null;
  const settings = deps.organisation.get();
  const org = organisationForMail(settings, config);
  const items = editions.listEditionItems(edition.id, db);
  const content = editionContent(edition, items, {
    recommendUrl: recommendLink(config.publicUrl, { editionId: edition.id }),
    eventLinks: eventLinks(items, config.publicUrl, { ed: edition.id }, db),
  });
  const variant = { language: test.language, region: test.region, role: test.role };
  const compiled = await compileVariant(content, variant, org);
  const { html, text } = personalise(compiled, sampleRecipient(config.publicUrl));
  return {
    message: {
      from: { name: org.sender.name || org.name, address: org.sender.address },
      ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
      to: test.email,
      subject: `[Test] ${compiled.subject}`,
      html,
      text,
      headers: { 'X-Landpost-Test': `edition-${edition.number}` },
    },
    onSent: ({ messageId }) => editions.markTestSent(test.id, messageId, Date.now(), db),
  };
}
