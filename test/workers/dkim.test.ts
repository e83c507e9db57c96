/**
 * DKIM: messages sent through createSmtpMailer with a generated key arrive signed, and an
 * independent verifier (mailauth) finds the signature good against the published DNS record;
 * a message altered on the way fails. A bad or incomplete key setting stops the start.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { generateDkimKeys, loadDkimPrivateKey, signMessage } from '../../workers/dkim.js';
import { createSmtpMailer, type Mailer } from '../../workers/mailer.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const SECRET_KEY = 'k'.repeat(40);
const keys = generateDkimKeys('lp2026', 'landpost.test');

/** The TXT strings of the generated record, as DNS would answer them. */
function txtStrings(record: string): string[] {
  return [...record.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
}

/** A resolver that knows only the one published record. */
function resolverFor(name: string, record: string) {
  return async (query: string, type: string) => {
    if (type === 'TXT' && `${query}.` === name) return [txtStrings(record)];
    throw Object.assign(new Error(`no ${type} record for ${query}`), { code: 'ENOTFOUND' });
  };
}

async function verify(raw: string) {
  const result = await dkimVerify(Buffer.from(raw), {
    resolver: resolverFor(keys.dnsName, keys.txtRecord),
  });
  return result.results;
}

describe('DKIM signing', () => {
  let sink: SmtpSink;
  let mailer: Mailer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    mailer = createSmtpMailer(sink.url, {
      dkim: {
        domainName: 'landpost.test',
        keySelector: 'lp2026',
        privateKey: loadDkimPrivateKey(keys.privateKeyPem),
      },
    });
  });

  afterAll(async () => {
    mailer.close();
    await sink.close();
  });

  it('signs a newsletter message so that a receiver verifies it: pass', async () => {
    const unsubscribe = `<https://landpost.test/u/${'t'.repeat(120)}>, <mailto:unsubscribe+42.0123456789ab@landpost.test>`;
    await mailer.send({
      from: { name: 'Landnetz Sachsen-Anhalt – Newsletter', address: 'newsletter@landpost.test' },
      to: 'erika@example.org',
      subject: 'Landnetz Nr. 1: Förderung für Vereine',
      html: '<p>Neues aus der Region.</p>',
      text: 'Neues aus der Region.',
      messageId: '<lp.1.42.0123456789ab@landpost.test>',
      envelopeFrom: 'bounces+42.0123456789ab@landpost.test',
      headers: {
        'List-Unsubscribe': unsubscribe,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': 'Landnetz <newsletter.landpost.test>',
      },
    });
    const mail = await sink.waitFor((m) => m.envelopeTo.includes('erika@example.org'));
    expect(mail.rawHeaders).toMatch(/^DKIM-Signature: /m);
    // List-Unsubscribe stays one line, as written.
    expect(mail.rawHeaders).toContain(`\r\nList-Unsubscribe: ${unsubscribe}\r\n`);

    const [result] = await verify(mail.raw);
    expect(result?.status.result).toBe('pass');
    expect(result?.signingDomain).toBe('landpost.test');
    expect(result?.selector).toBe('lp2026');
    const signature = mail.headers.get('dkim-signature')!.replace(/\s+/g, '');
    expect(signature).toContain('c=relaxed/relaxed');
    const signed = /(?:^|;)h=([^;]+)/.exec(signature)![1]!.toLowerCase().split(':');
    for (const header of [
      'from',
      'to',
      'subject',
      'date',
      'message-id',
      'list-unsubscribe',
      'list-unsubscribe-post',
    ])
      expect(signed).toContain(header);
  });

  it('a message altered after signing fails verification', async () => {
    sink.clear();
    await mailer.send({
      from: 'Landpost <newsletter@landpost.test>',
      to: 'max@example.org',
      subject: 'Landnetz Nr. 2',
      html: '<p>Termin am 12. Mai.</p>',
      text: 'Termin am 12. Mai.',
      headers: { 'List-Unsubscribe': '<https://landpost.test/u/abc>' },
    });
    const mail = await sink.waitFor((m) => m.envelopeTo.includes('max@example.org'));
    expect((await verify(mail.raw))[0]?.status.result).toBe('pass');

    const body = mail.raw.replace('12. Mai', '13. Mai');
    expect(body).not.toBe(mail.raw);
    // mailauth reports a body that no longer matches its hash as neutral, saying why.
    expect((await verify(body))[0]?.status).toMatchObject({
      result: 'neutral',
      comment: 'body hash did not verify',
    });
    const header = mail.raw.replace(
      '<https://landpost.test/u/abc>',
      '<https://evil.example/u/abc>',
    );
    expect(header).not.toBe(mail.raw);
    expect((await verify(header))[0]?.status.result).toBe('fail');
  });

  it('signs what relaxed canonicalisation must even out: folds, tabs, runs of spaces, blank lines at the end', async () => {
    const message = [
      'From: "Landnetz" <newsletter@landpost.test>',
      'To: erika@example.org',
      'Subject: Termine\tim  Harz,',
      '  in der Boerde',
      'Date: Mon, 30 Nov 2026 10:00:00 +0000',
      'Message-ID: <x.1@landpost.test>',
      'X-Unsigned: left out',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Zeile mit  zwei Leerzeichen \t',
      '\tund Tab am Anfang',
      '',
      '',
      '',
    ].join('\r\n');
    const signed = signMessage(Buffer.from(message, 'latin1'), {
      domainName: 'landpost.test',
      keySelector: 'lp2026',
      privateKey: loadDkimPrivateKey(keys.privateKeyPem),
    }).toString('latin1');
    expect(signed.endsWith(message)).toBe(true);
    const [result] = await verify(signed);
    expect(result?.status.result).toBe('pass');
    const header = signed.slice(0, signed.indexOf('\r\nFrom:'));
    expect(header.replace(/\s+/g, '')).toContain('h=from:to:subject:date:message-id:content-type;');
    for (const line of header.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    // Only the blank lines at the end are neutral: a changed line is not.
    expect((await verify(signed.replace('zwei', 'drei')))[0]?.status.result).toBe('neutral');
    expect((await verify(`${signed}\r\n\r\n`))[0]?.status.result).toBe('pass');
  });

  it('the DNS record splits the key into strings of at most 255 characters', () => {
    expect(keys.dnsName).toBe('lp2026._domainkey.landpost.test.');
    expect(
      keys.txtRecord.startsWith('lp2026._domainkey.landpost.test. IN TXT "v=DKIM1; k=rsa; p='),
    ).toBe(true);
    const strings = txtStrings(keys.txtRecord);
    expect(strings.length).toBeGreaterThan(1);
    for (const s of strings) expect(s.length).toBeLessThanOrEqual(255);
  });
});

describe('DKIM configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lp-test-dkim-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function configError(raw: Record<string, string>): string {
    try {
      loadConfig({ SECRET_KEY, DATA_DIR: dir, ...raw });
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error('expected a ConfigError');
  }

  it('reads the key from a file or from the variable with \\n escapes, parsed once', () => {
    const file = join(dir, 'dkim.pem');
    writeFileSync(file, keys.privateKeyPem, { mode: 0o600 });
    const fromFile = loadConfig({
      SECRET_KEY,
      DATA_DIR: dir,
      DKIM_DOMAIN: 'Landpost.test',
      DKIM_SELECTOR: 'lp2026',
      DKIM_PRIVATE_KEY: file,
    });
    expect(fromFile.dkim?.domainName).toBe('landpost.test');
    expect(fromFile.dkim?.privateKey.type).toBe('private');
    const inline = loadConfig({
      SECRET_KEY,
      DATA_DIR: dir,
      DKIM_DOMAIN: 'landpost.test',
      DKIM_SELECTOR: 'lp2026',
      DKIM_PRIVATE_KEY: keys.privateKeyPem.trim().replace(/\n/g, '\\n'),
    });
    expect(inline.dkim?.privateKey.asymmetricKeyType).toBe('rsa');
    expect(loadConfig({ SECRET_KEY, DATA_DIR: dir }).dkim).toBeUndefined();
  });

  it('refuses only some of the three settings, naming what is missing', () => {
    const message = configError({ DKIM_DOMAIN: 'landpost.test', DKIM_SELECTOR: 'lp2026' });
    expect(message).toMatch(/^\s*DKIM_PRIVATE_KEY: .*missing: DKIM_PRIVATE_KEY\)$/m);
  });

  it('refuses a key that is not one, in one line that does not repeat it', () => {
    const settings = { DKIM_DOMAIN: 'landpost.test', DKIM_SELECTOR: 'lp2026' };
    const broken = keys.privateKeyPem.replace(/[A-Za-z]{20}/, 'x'.repeat(20));
    const message = configError({ ...settings, DKIM_PRIVATE_KEY: broken });
    expect(message).toMatch(/^\s*DKIM_PRIVATE_KEY: not a PEM private key/m);
    expect(message.split('\n')).toHaveLength(2);
    expect(message).not.toContain('MII');
    const encrypted = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    expect(configError({ ...settings, DKIM_PRIVATE_KEY: encrypted })).toMatch(
      /^\s*DKIM_PRIVATE_KEY: an encrypted key/m,
    );
    const ed25519 = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(configError({ ...settings, DKIM_PRIVATE_KEY: ed25519 })).toMatch(
      /^\s*DKIM_PRIVATE_KEY: an ed25519 key; DKIM signing needs an RSA key/m,
    );
    expect(configError({ ...settings, DKIM_PRIVATE_KEY: join(dir, 'missing.pem') })).toMatch(
      /^\s*DKIM_PRIVATE_KEY: .*no such file/m,
    );
  });
});
