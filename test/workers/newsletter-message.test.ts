/**
 * Newsletter messages built once per variant and filled in per recipient: what a mail client
 * decodes is exactly the personalised edition, every line keeps to the MIME limits, and a DKIM
 * verifier (mailauth) finds the signature good — also for names and texts that need encoding.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  compileVariant,
  personalise,
  type CompiledVariant,
} from '../../emails/newsletter/index.js';
import type { CampaignSending } from '../../workers/campaign-store.js';
import { generateDkimKeys, loadDkimPrivateKey } from '../../workers/dkim.js';
import {
  newsletterMessage,
  newsletterTemplate,
  type NewsletterRecipient,
} from '../../workers/newsletter-message.js';
import { harz, org, twelveItemEdition } from '../helpers/edition.js';

const keys = generateDkimKeys('lp2026', 'landnetz.example');
const dkim = {
  domainName: 'landnetz.example',
  keySelector: 'lp2026',
  privateKey: loadDkimPrivateKey(keys.privateKeyPem),
};

async function verify(raw: Buffer) {
  const strings = [...keys.txtRecord.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  const { results } = await dkimVerify(raw, {
    resolver: async (name: string, type: string) => {
      if (type === 'TXT' && `${name}.` === keys.dnsName) return [strings];
      throw Object.assign(new Error('no record'), { code: 'ENOTFOUND' });
    },
  });
  return results[0]?.status.result;
}

const sending: CampaignSending = {
  campaignId: 7,
  editionNumber: 3,
  from: {
    name: 'Landnetz Sachsen-Anhalt – Förderprogramm',
    address: 'newsletter@landnetz.example',
  },
  replyTo: 'team@landnetz.example',
  listId: 'Landnetz Börde <newsletter.landnetz.example>',
  feedbackId: '7:3:landpost',
  senderDomain: 'landnetz.example',
  bounceDomain: 'landnetz.example',
  publicUrl: 'https://news.landnetz.example',
};

function recipient(name: string, id = 1): NewsletterRecipient {
  return {
    to: `person${id}@bücher.example`,
    name,
    unsubscribeUrl: `https://news.landnetz.example/u/${'t'.repeat(90)}${id}?a=1&b=2`,
    preferencesUrl: `https://news.landnetz.example/p/${'p'.repeat(40)}${id}`,
    listUnsubscribe: `<https://news.landnetz.example/u/${'t'.repeat(90)}${id}?a=1&b=2>, <mailto:unsubscribe+${id}.0123456789ab@landnetz.example>`,
    messageId: `<lp.7.${id}.abcdef012345@landnetz.example>`,
    envelopeFrom: `bounces+${id}.0123456789ab@landnetz.example`,
  };
}

const lf = (value: string) => value.replace(/\r\n/g, '\n');

async function variant(language: string): Promise<CompiledVariant> {
  return compileVariant(twelveItemEdition(), { language, region: harz, role: null }, org);
}

describe('newsletter messages from a template per variant', () => {
  const names = [
    'Maria',
    'Jürgen Müller-Lüdenscheidt',
    '<b>Ann & "Bob"</b>',
    'Trailing space and = sign = ',
    `${'Sehr langer Name '.repeat(5)}Ende`,
    '',
  ];

  it('decodes to exactly the personalised edition, in German and in Arabic', async () => {
    for (const language of ['de', 'ar']) {
      const compiled = await variant(language);
      const template = newsletterTemplate(sending, compiled);
      for (const [i, name] of names.entries()) {
        const person = recipient(name, i + 1);
        const message = newsletterMessage(template, person, dkim);
        const mail = await simpleParser(message.raw);
        const expected = personalise(compiled, person);
        expect(lf(mail.html as string)).toBe(lf(expected.html));
        expect(lf(mail.text ?? '')).toBe(lf(expected.text));
        expect(mail.subject).toBe(compiled.subject);
        expect(mail.from?.value[0]).toEqual({
          name: sending.from.name,
          address: sending.from.address,
        });
        // The domain goes out in punycode (mailparser shows it in Unicode again).
        expect(message.raw.toString('latin1')).toContain(
          `\r\nTo: person${i + 1}@xn--bcher-kva.example\r\n`,
        );
        expect(mail.messageId).toBe(person.messageId);
        // The name of the list as an encoded word, its id as it is.
        expect(message.raw.toString('latin1')).toContain(
          '\r\nList-Id: =?UTF-8?Q?Landnetz_B=C3=B6rde?= <newsletter.landnetz.example>\r\n',
        );
        expect(message.raw.toString('latin1')).toContain(
          '\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n',
        );
        expect(message.envelopeFrom).toBe(person.envelopeFrom);
      }
    }
  });

  it('keeps every line within MIME limits and only the List-Unsubscribe field long', async () => {
    const template = newsletterTemplate(sending, await variant('de'));
    const message = newsletterMessage(template, recipient(names[4]!), dkim).raw.toString('latin1');
    expect(message).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    expect(message).not.toMatch(/(^|[^\r])\n/);
    const [head, ...bodyParts] = message.split('\r\n\r\n');
    for (const line of head!.split('\r\n'))
      if (!line.startsWith('List-Unsubscribe:')) expect(line.length).toBeLessThanOrEqual(78);
    for (const line of bodyParts.join('\r\n\r\n').split('\r\n'))
      expect(line.length).toBeLessThanOrEqual(76);
    // The List-Unsubscribe field is one line, as written.
    expect(head).toContain(`\r\nList-Unsubscribe: ${recipient(names[4]!).listUnsubscribe}\r\n`);
  });

  it('is signed so that a receiver verifies it, and a changed message does not', async () => {
    const template = newsletterTemplate(sending, await variant('de'));
    for (const [i, name] of names.entries()) {
      const { raw } = newsletterMessage(template, recipient(name, i + 1), dkim);
      expect(await verify(raw)).toBe('pass');
    }
    const raw = newsletterMessage(template, recipient('Maria'), dkim).raw.toString('latin1');
    const altered = raw.replace('Maria', 'Marta');
    expect(altered).not.toBe(raw);
    expect(await verify(Buffer.from(altered, 'latin1'))).toBe('neutral');
    const header = raw.replace('person1@', 'person2@');
    expect(await verify(Buffer.from(header, 'latin1'))).toBe('fail');
  });

  it('goes out unsigned without a key, with every header as with one', async () => {
    const template = newsletterTemplate(sending, await variant('de'));
    const raw = newsletterMessage(template, recipient('Maria')).raw.toString('latin1');
    expect(raw.startsWith('From: ')).toBe(true);
    expect(raw).not.toContain('DKIM-Signature');
    expect((await simpleParser(raw)).headers.get('precedence')).toBe('bulk');
  });
});
