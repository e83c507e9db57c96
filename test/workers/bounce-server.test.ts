/**
 * The bounce endpoint on the real runtime: a campaign goes out through the recording SMTP server,
 * and what comes back is mailed to the endpoint over real SMTP — to the VERP envelope sender and
 * the List-Unsubscribe mailto address that the sent mail carried. Then every real bounce mail of
 * the fixtures, each to the VERP address of a delivery of its own.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secrets } from '../../server/infra/security.js';
import { classifyBounce, type BounceKind } from '../../server/services/bounces/index.js';
import type { Actor } from '../../server/services/context.js';
import { deliveryMessageId, verpAddress } from '../../workers/send.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { CORPUS } from '../bench/bounce-corpus.js';

const DOMAIN = 'bounces.landpost.test';
const cli: Actor = { kind: 'cli' };
let t: TestApp;
let endpoint: Transporter;

const sql = () => t.runtime.database.sqlite;
const row = <T>(query: string, ...params: unknown[]) =>
  sql()
    .prepare(query)
    .get(...params) as T | undefined;

/** Hand a raw mail to the endpoint as a mail server returning a bounce does (null sender). */
const deliver = (to: string, raw: string | Buffer) =>
  endpoint.sendMail({ envelope: { from: '', to: [to] }, raw });

function addPerson(email: string): number {
  return Number(
    sql()
      .prepare(
        "insert into subscribers (email, name, status, confirmed_at) values (?, 'Leser*in', 'confirmed', ?)",
      )
      .run(email, Date.now()).lastInsertRowid,
  );
}

/** A hard bounce (RFC 3464) for `recipient`, as Postfix writes it. */
const dsn = (recipient: string) =>
  [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    `To: ${DOMAIN}`,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: Recipient address rejected: User unknown`,
    '',
    '--b1--',
    '',
  ].join('\r\n');

beforeAll(async () => {
  t = await startTestApp({
    env: { BOUNCE_SMTP_PORT: '0', BOUNCE_SMTP_HOST: '127.0.0.1', BOUNCE_DOMAIN: DOMAIN },
  });
  endpoint = nodemailer.createTransport({
    host: '127.0.0.1',
    port: t.runtime.bounceServer!.port,
    secure: false,
    ignoreTLS: true,
  });
}, 60_000);

afterAll(async () => {
  endpoint?.close();
  await t?.close();
});

describe('the bounce endpoint, for a campaign that went out', () => {
  const mails = new Map<string, { verp: string; mailto: string; messageId: string }>();
  const people = new Map<string, number>();

  beforeAll(async () => {
    const services = t.runtime.services;
    const saved = services.organisation.update(
      {
        name: 'Landnetz Sachsen-Anhalt',
        senderName: 'Landnetz Newsletter',
        senderAddress: 'newsletter@landpost.test',
        imprint: 'Landnetz e. V.\nMarkt 1, 06108 Halle',
        funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung',
      },
      cli,
    );
    if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
    const item = services.items.create({ type: 'funding', title: 'Förderprogramm Land' }, cli);
    if (item.kind !== 'saved') throw new Error('item');
    const edition = services.editions.create(
      { title: 'Ausgabe', subject: 'Landpost Nr. 1', items: [item.item.id] },
      cli,
    );
    if (edition.kind !== 'saved') throw new Error('edition');
    const all = services.reference.segments.create(
      { name: 'Alle', description: '', match: 'all', rules: [] },
      cli,
    );
    if (all.kind !== 'saved') throw new Error('segment');
    for (const name of ['anna', 'ben', 'cem']) people.set(name, addPerson(`${name}@example.org`));
    const campaign = services.campaigns.create(
      { editionId: edition.edition.id, segmentIds: [all.segment.id] },
      cli,
    );
    if (campaign.kind !== 'saved') throw new Error('campaign');
    expect(await services.campaigns.start(campaign.campaign.id, cli)).toEqual({
      kind: 'started',
      audience: 3,
    });
    for (const mail of await t.smtp.waitForCount(3, 30_000)) {
      const mailto = /<mailto:([^>]+)>/.exec(mail.headers.get('list-unsubscribe') ?? '')?.[1];
      mails.set(mail.envelopeTo[0]!.split('@')[0]!, {
        verp: mail.envelopeFrom,
        mailto: mailto!,
        messageId: mail.headers.get('message-id')!,
      });
    }
    // The ledger has the sent rows (with their Message-IDs) once the campaign is done.
    for (
      let i = 0;
      i < 300 && services.campaigns.find(campaign.campaign.id)?.status !== 'sent';
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(services.campaigns.find(campaign.campaign.id)?.counts).toMatchObject({ sent: 3 });
  }, 60_000);

  it('a hard bounce to the VERP address blocks the person and marks the delivery bounced', async () => {
    const anna = people.get('anna')!;
    expect(mails.get('anna')!.verp).toMatch(/^bounces\+\d+\.[0-9a-f]{12}@bounces\.landpost\.test$/);
    await deliver(mails.get('anna')!.verp, dsn('anna@example.org'));

    expect(row('select status from subscribers where id = ?', anna)).toEqual({ status: 'blocked' });
    expect(
      row(
        'select status, reason from deliveries where message_id = ?',
        mails.get('anna')!.messageId,
      ),
    ).toEqual({ status: 'bounced', reason: 'hard bounce: user-unknown: 5.1.1' });
    expect(
      row<{ actor: string; action: string }>(
        "select actor, action from audit_log where entity = 'subscriber' and entity_id = ?",
        String(anna),
      ),
    ).toEqual({ actor: 'system:bounces', action: 'block' });
    const logged = row<{ kind: string; action: string; diagnostic: string }>(
      'select kind, action, diagnostic from bounces where subscriber_id = ?',
      anna,
    );
    expect(logged).toMatchObject({ kind: 'hard', action: 'blocked' });
    // The log keeps the server's words, not the address.
    expect(logged!.diagnostic).toContain('User unknown');
    expect(logged!.diagnostic).not.toContain('anna@example.org');
  });

  it('a mail to the List-Unsubscribe mailto address unsubscribes its recipient', async () => {
    const ben = people.get('ben')!;
    expect(mails.get('ben')!.mailto).toMatch(/^unsubscribe\+\d+\.[0-9a-f]{12}@bounces\./);
    await endpoint.sendMail({
      envelope: { from: 'ben@example.org', to: [mails.get('ben')!.mailto] },
      raw: 'From: ben@example.org\r\nTo: unsubscribe\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n',
    });
    // On no list any more: erased; the consent log keeps the proof, from the mail channel.
    expect(row('select id from subscribers where id = ?', ben)).toBeUndefined();
    expect(
      row('select kind, channel from consent_events where subscriber_id = ? order by id desc', ben),
    ).toEqual({ kind: 'unsubscribed', channel: 'mail' });
  });

  it('refuses at RCPT (550) any address that is not one of ours, and forged tags', async () => {
    const { verp, mailto } = mails.get('cem')!;
    const flip = (address: string) =>
      address.replace(
        /\.([0-9a-f])([0-9a-f]{11})@/,
        (_, c: string, rest: string) => `.${c === '0' ? '1' : '0'}${rest}@`,
      );
    const refused = [
      'postmaster@example.org',
      `someone@${DOMAIN}`,
      flip(verp),
      flip(mailto),
      verp.replace(DOMAIN, 'example.org'),
      verp.replace(/\+(\d+)\./, (_, id: string) => `+${Number(id) + 1}.`),
    ];
    for (const to of refused) {
      const error = await deliver(to, dsn('cem@example.org')).then(
        () => undefined,
        (err: { responseCode?: number; code?: string }) => err,
      );
      expect(error, to).toMatchObject({ responseCode: 550, code: 'EENVELOPE' });
    }
    expect(row('select status from subscribers where id = ?', people.get('cem'))).toEqual({
      status: 'confirmed',
    });
    expect(row('select count(*) n from bounces where delivery_id is not null')).toEqual({ n: 1 });
  });
  it('refuses a mail over 10 MB (552) and changes nothing', async () => {
    const { verp } = mails.get('cem')!;
    const padding = `${'x'.repeat(998)}\r\n`.repeat(11 * 1024);
    const error = await deliver(verp, dsn('cem@example.org') + padding).then(
      () => undefined,
      (err: { responseCode?: number }) => err,
    );
    expect(error).toMatchObject({ responseCode: 552 });
    expect(row('select status from subscribers where id = ?', people.get('cem'))).toEqual({
      status: 'confirmed',
    });
  });
});

describe('the web role', () => {
  it('runs no bounce endpoint: the role that owns the workers does', async () => {
    const web = await startTestApp({ role: 'web', env: { BOUNCE_SMTP_PORT: '0' } });
    try {
      expect(web.runtime.bounceServer).toBeUndefined();
    } finally {
      await web.close();
    }
  }, 60_000);
});

describe('every real bounce mail of the fixtures', () => {
  it('hard bounces block, complaints unsubscribe, auto-replies and delivery notices change nothing', async () => {
    const files = (await readdir(join(CORPUS, 'mails'))).filter((f) => f.endsWith('.eml')).sort();
    expect(files.length).toBe(300);
    const expected = new Map(
      (
        JSON.parse(await readFile(join(CORPUS, 'expected.json'), 'utf8')) as {
          file: string;
          reason: string;
        }[]
      ).map((e) => [e.file.replace('mails/', ''), e.reason]),
    );
    const secrets = new Secrets(t.config.secretKey);
    const editionId = Number(
      sql()
        .prepare(
          "insert into editions (number, title, subject, slug, sections, translations) values (900, 'Korpus', 'Korpus', 'korpus', '[]', '{}')",
        )
        .run().lastInsertRowid,
    );
    const campaignId = Number(
      sql()
        .prepare(
          "insert into campaigns (edition_id, status, segment_ids, list_ids) values (?, 'sent', '[]', '[]')",
        )
        .run(editionId).lastInsertRowid,
    );
    const outcomes: { file: string; kind: BounceKind; subscriber: number; delivery: number }[] = [];
    for (const file of files) {
      const subscriber = addPerson(`corpus-${file}@example.org`);
      const delivery = Number(
        sql()
          .prepare(
            "insert into deliveries (campaign_id, edition_id, subscriber_id, status, language, sent_at) values (?, ?, ?, 'sent', 'de', ?)",
          )
          .run(campaignId, editionId, subscriber, Date.now()).lastInsertRowid,
      );
      sql()
        .prepare('update deliveries set message_id = ? where id = ?')
        .run(
          deliveryMessageId(secrets, { campaignId, senderDomain: 'landpost.test' }, delivery),
          delivery,
        );
      const raw = await readFile(join(CORPUS, 'mails', file));
      await deliver(verpAddress(secrets, DOMAIN, delivery), raw);
      outcomes.push({ file, kind: (await classifyBounce(raw)).kind, subscriber, delivery });
    }

    const seen = new Set<BounceKind>();
    for (const o of outcomes) {
      seen.add(o.kind);
      const person = row<{ status: string }>(
        'select status from subscribers where id = ?',
        o.subscriber,
      );
      const ledger = row<{ status: string }>(
        'select status from deliveries where id = ?',
        o.delivery,
      );
      const logged = row<{ kind: string }>(
        'select kind from bounces where delivery_id = ?',
        o.delivery,
      );
      expect(logged, o.file).toEqual({ kind: o.kind });
      if (o.kind === 'hard') {
        expect(person, o.file).toEqual({ status: 'blocked' });
        expect(ledger, o.file).toEqual({ status: 'bounced' });
      } else if (o.kind === 'soft') {
        // One soft bounce of one delivery: counted, not yet suppressed.
        expect(person, o.file).toEqual({ status: 'confirmed' });
        expect(ledger, o.file).toEqual({ status: 'bounced' });
      } else if (o.kind === 'complaint') {
        expect(person, o.file).toBeUndefined();
        expect(
          row('select kind, channel from consent_events where subscriber_id = ?', o.subscriber),
          o.file,
        ).toEqual({ kind: 'unsubscribed', channel: 'complaint' });
      } else {
        expect(person, o.file).toEqual({ status: 'confirmed' });
        expect(ledger, o.file).toEqual({ status: 'sent' });
      }
      // Vacation replies and delivery notices, as an established parser reads them, are no bounces.
      if (['vacation', 'delivered'].includes(expected.get(o.file) ?? '')) {
        expect(person, o.file).toEqual({ status: 'confirmed' });
        expect(ledger, o.file).toEqual({ status: 'sent' });
      }
    }
    for (const kind of ['hard', 'soft', 'complaint', 'auto-reply', 'delivered'] as const)
      expect(seen.has(kind), kind).toBe(true);
  }, 180_000);
});
