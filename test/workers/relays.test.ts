/**
 * Several relays in SMTP_URL: each message goes to one chosen by weight among those under
 * their rate; a relay that refuses connections is passed over; the mailer says which relay
 * took a message, and never shows credentials.
 */
import { UnrecoverableError } from 'bullmq';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { createSmtpMailer, type OutgoingMessage } from '../../workers/mailer.js';
import { parseRelays } from '../../workers/relays.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const PASSWORD = 'geheim-Passw0rt';

const message = (to: string): OutgoingMessage => ({
  from: 'Landpost <newsletter@landpost.test>',
  to,
  subject: 'Landnetz aktuell',
  html: '<p>Hallo</p>',
  text: 'Hallo',
});

/** A loopback port nobody listens on: connections to it are refused. */
async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('SMTP_URL with several relays', () => {
  it('reads rate and weight per relay and hands nodemailer the URL without them', () => {
    const relays = parseRelays(
      `smtp://a.example.org:25?rate=50, smtps://user:${PASSWORD}@b.example.org:465?rate=10&weight=2&tls.rejectUnauthorized=false,smtp://c.example.org`,
    );
    expect(relays).toEqual([
      { name: 'a.example.org:25', url: 'smtp://a.example.org:25', rate: 50, weight: 1 },
      {
        name: 'b.example.org:465',
        url: `smtps://user:${PASSWORD}@b.example.org:465?tls.rejectUnauthorized=false`,
        rate: 10,
        weight: 2,
      },
      { name: 'c.example.org:587', url: 'smtp://c.example.org', weight: 1 },
    ]);
  });

  it('refuses a part that is no smtp:// or smtps:// URL, naming it without its password', () => {
    for (const [value, complaint] of [
      [`smtp://a.example.org,https://user:${PASSWORD}@b.example.org`, 'https://***@b.example.org'],
      [`smtp://user:${PASSWORD}@a.example.org?rate=fast`, 'rate and weight'],
      [`smtp://a.example.org?weight=0`, 'smtp://a.example.org?weight=0'],
      [`user:${PASSWORD}@relay`, 'is not'],
    ] as const) {
      let error: unknown;
      try {
        loadConfig({ SECRET_KEY: 'k'.repeat(40), SMTP_URL: value });
      } catch (err) {
        error = err;
      }
      expect(error, value).toBeInstanceOf(ConfigError);
      const text = (error as Error).message;
      expect(text).toMatch(/^\s*SMTP_URL: /m);
      expect(text).toContain(complaint);
      expect(text).not.toContain(PASSWORD);
    }
  });
});

describe('a mailer over several relays', () => {
  let a: SmtpSink;
  let b: SmtpSink;
  let dead: number;

  beforeAll(async () => {
    a = await startSmtpSink({ parse: false });
    b = await startSmtpSink({ parse: false });
    dead = await refusingPort();
  });

  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('shares the messages by weight and says which relay took each', async () => {
    a.clear();
    b.clear();
    const mailer = createSmtpMailer(`${a.url}?weight=1,${b.url}?weight=3`);
    try {
      const used: Record<string, number> = {};
      const n = 200;
      for (let i = 0; i < n; i += 20)
        await Promise.all(
          Array.from({ length: 20 }, async (_, j) => {
            const sent = await mailer.send(message(`w${i + j}@example.org`));
            used[sent.relay!] = (used[sent.relay!] ?? 0) + 1;
          }),
        );
      expect(a.messages.length + b.messages.length).toBe(n);
      expect(a.messages.length).toBeGreaterThanOrEqual(n * 0.25 * 0.85);
      expect(a.messages.length).toBeLessThanOrEqual(n * 0.25 * 1.15);
      expect(b.messages.length).toBeGreaterThanOrEqual(n * 0.75 * 0.85);
      expect(b.messages.length).toBeLessThanOrEqual(n * 0.75 * 1.15);
      expect(used).toEqual({
        [`127.0.0.1:${a.port}`]: a.messages.length,
        [`127.0.0.1:${b.port}`]: b.messages.length,
      });
    } finally {
      mailer.close();
    }
  });

  it('passes over a relay that refuses connections: the messages go to the other one', async () => {
    a.clear();
    const mailer = createSmtpMailer(
      `smtp://lp:${PASSWORD}@127.0.0.1:${dead}?weight=5,${a.url}?weight=1`,
    );
    try {
      const relays = [];
      for (let i = 0; i < 10; i++)
        relays.push((await mailer.send(message(`r${i}@example.org`))).relay);
      expect(relays).toEqual(Array(10).fill(`127.0.0.1:${a.port}`));
      expect(a.messages.map((m) => m.envelopeTo[0])).toEqual(
        Array.from({ length: 10 }, (_, i) => `r${i}@example.org`),
      );
    } finally {
      mailer.close();
    }
  });

  it('no relay reachable: a temporary failure that names the relay but not the password', async () => {
    const mailer = createSmtpMailer(`smtp://lp:${PASSWORD}@127.0.0.1:${dead}`);
    try {
      const error = await mailer.send(message('x@example.org')).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(UnrecoverableError);
      expect(error!.message).toContain('ECONNREFUSED');
      expect(JSON.stringify({ ...error, message: error!.message })).not.toContain(PASSWORD);
    } finally {
      mailer.close();
    }
  });

  it('holds each relay to its rate: 30 messages at 20/s take at least half a second', async () => {
    a.clear();
    const mailer = createSmtpMailer(`${a.url}?rate=20`);
    try {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => mailer.send(message(`t${i}@example.org`))),
      );
      const seconds = (performance.now() - started) / 1000;
      expect(a.messages).toHaveLength(30);
      expect(seconds).toBeGreaterThanOrEqual((30 - 20) / 20);
      expect(seconds).toBeLessThan(3);
    } finally {
      mailer.close();
    }
  });

  it('sends what a relay at its rate cannot take through the others', async () => {
    a.clear();
    b.clear();
    const mailer = createSmtpMailer(`${a.url}?rate=5,${b.url}`);
    try {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => mailer.send(message(`s${i}@example.org`))),
      );
      const seconds = (performance.now() - started) / 1000;
      expect(a.messages.length + b.messages.length).toBe(60);
      // A bucket of one second's worth, refilled at 5 a second.
      expect(a.messages.length).toBeLessThanOrEqual(5 + Math.ceil(seconds * 5));
      expect(b.messages.length).toBeGreaterThanOrEqual(60 - 5 - Math.ceil(seconds * 5));
      expect(seconds).toBeLessThan(3);
    } finally {
      mailer.close();
    }
  });
});
