/**
 * DKIM on the real runtime: with DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY set, the
 * confirmation mail and every campaign mail arrive signed, and an independent verifier
 * (mailauth) finds the signatures good against the DNS record `dkim generate` prints.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../server/services/context.js';
import { generateDkimKeys } from '../../workers/dkim.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import type { ReceivedMail } from '../helpers/smtp-sink.js';

const keys = generateDkimKeys('news', 'landnetz.example');
const cli: Actor = { kind: 'cli' };
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
  const saved = t.runtime.services.organisation.update(
    {
      name: 'Landnetz Sachsen-Anhalt',
      senderName: 'Landnetz Newsletter',
      senderAddress: 'newsletter@landnetz.example',
      imprint: 'Landnetz e. V.\nMarkt 1, 06108 Halle',
      funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung',
    },
    cli,
  );
  if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
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
    const insert = t.runtime.database.sqlite.prepare(
      "insert into subscribers (email, name, language, status, confirmed_at) values (?, ?, 'de', 'confirmed', ?)",
    );
    for (let i = 1; i <= 5; i++) insert.run(`leser${i}@example.org`, `Leser ${i}`, Date.now());
    const item = t.runtime.services.items.create(
      { type: 'funding', title: 'Förderprogramm Land', regions: [] },
      cli,
    );
    if (item.kind !== 'saved') throw new Error('item');
    const edition = t.runtime.services.editions.create(
      { title: 'Erste Ausgabe', subject: 'Landnetz Nr. 1', items: [item.item.id] },
      cli,
    );
    if (edition.kind !== 'saved') throw new Error(JSON.stringify(edition));
    const segment = t.runtime.services.reference.segments.create(
      { name: 'Alle', description: '', match: 'all', rules: [] },
      cli,
    );
    if (segment.kind !== 'saved') throw new Error('segment');
    const campaigns = t.runtime.services.campaigns;
    const created = campaigns.create(
      { editionId: edition.edition.id, segmentIds: [segment.segment.id] },
      cli,
    );
    if (created.kind !== 'saved') throw new Error(JSON.stringify(created));
    const started = await campaigns.start(created.campaign.id, cli);
    expect(started.kind, JSON.stringify(started)).toBe('started');
    await expect
      .poll(() => campaigns.find(created.campaign.id)?.status, { timeout: 30_000, interval: 100 })
      .toBe('sent');

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
