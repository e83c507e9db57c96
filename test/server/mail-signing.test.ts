/**
 * DKIM on the real runtime: with DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY set, the
 * confirmation mail and every campaign mail arrive signed, and an independent verifier
 * (mailauth) finds the signatures good against the DNS record `dkim generate` prints.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDkimKeys } from '../../workers/dkim.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { sendCampaignTo, setUpSender } from '../helpers/campaign.js';
import type { ReceivedMail } from '../helpers/smtp-sink.js';

const keys = generateDkimKeys('news', 'landnetz.example');
let t: TestApp;

async function verify(mail: ReceivedMail) {
  const strings = [...keys.txtRecord.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  const { results } = await dkimVerify(Buffer.from(mail.raw), {
    resolver: async (name: string, type: string) => {
      if (type === 'TXT' && `${name}.` === keys.dnsName) return [strings];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    },
  });
  return results;
}

beforeAll(async () => {
  t = await startTestApp({
    env: {
      DKIM_DOMAIN: 'landnetz.example',
      DKIM_SELECTOR: 'news',
      // As an env file holds it: one line, `\n` for the line breaks.
      DKIM_PRIVATE_KEY: keys.privateKeyPem.trim().replace(/\n/g, '\\n'),
    },
  });
  setUpSender(t.runtime);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('DKIM on every outgoing mail', () => {
  it('signs the confirmation mail', async () => {
    await t.runtime.services.subscribers.signup.signUp({
      email: 'erika@example.org',
      profile: {
        name: 'Erika',
        regionKey: null,
        roleKeys: [],
        topicKeys: [],
        language: 'de',
        trackingConsent: false,
      },
      meta: { ip: '127.0.0.1', userAgent: 'vitest', source: 'test', channel: 'test' },
    });
    const mail = await t.smtp.waitFor((m) => m.envelopeTo.includes('erika@example.org'));
    const [result] = await verify(mail);
    expect(result?.status.result).toBe('pass');
    expect(result?.signingDomain).toBe('landnetz.example');
  });

  it('signs every campaign mail, List-Unsubscribe included', async () => {
    const emails = Array.from({ length: 5 }, (_, i) => `leser${i}@example.org`);
    await sendCampaignTo(t.runtime, emails);

    const mails = t.smtp.messages.filter((m) => m.envelopeTo[0]?.startsWith('leser'));
    expect(mails).toHaveLength(5);
    for (const mail of mails) {
      const [result] = await verify(mail);
      expect(result?.status.result).toBe('pass');
      const signature = mail.headers.get('dkim-signature')!.replace(/\s+/g, '');
      expect(/(?:^|;)h=([^;]+)/.exec(signature)![1]!.toLowerCase().split(':')).toEqual(
        expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'to']),
      );
    }
  }, 60_000);
});
