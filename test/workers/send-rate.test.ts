/**
 * SEND_RATE and SEND_DOMAIN_RATE: kept in Redis, so two send workers (two mailers with their
 * own Redis connections, as on two hosts) share one rate. Messages are timed as they arrive at
 * a real SMTP server.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSmtpMailer, type Mailer, type OutgoingMessage } from '../../workers/mailer.js';
import { rateLimitedMailer } from '../../workers/send-rate.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const message = (to: string): OutgoingMessage => ({
  from: 'Landpost <newsletter@landpost.test>',
  to,
  subject: 'Landnetz aktuell',
  html: '<p>Hallo</p>',
  text: 'Hallo',
});

let sink: SmtpSink;
let smtp: Mailer;
const connections: Redis[] = [];

/** A send worker's mailer on its own Redis connection. */
function worker(prefix: string, rates: { rate?: number; domainRate?: number }): Mailer {
  const redis = new Redis(inject('redisUrl'));
  connections.push(redis);
  return rateLimitedMailer(smtp, { redis, prefix, ...rates });
}

/** Sends to each address through the workers in turn, all at once; the arrival times in ms. */
async function sendAll(workers: Mailer[], addresses: string[]) {
  const started = performance.now();
  const arrived = new Map<string, number>();
  await Promise.all(
    addresses.map(async (to, i) => {
      await workers[i % workers.length]!.send(message(to));
      arrived.set(to, performance.now() - started);
    }),
  );
  return arrived;
}

beforeAll(async () => {
  sink = await startSmtpSink({ parse: false });
  smtp = createSmtpMailer(sink.url);
});

afterAll(async () => {
  smtp.close();
  for (const redis of connections) redis.disconnect();
  await sink.close();
});

describe('SEND_RATE', () => {
  it('holds over two workers: 30 messages at 20/s take at least (30 - 20) / 20 seconds', async () => {
    sink.clear();
    const prefix = `lp-test-rate-${randomBytes(4).toString('hex')}`;
    const workers = [worker(prefix, { rate: 20 }), worker(prefix, { rate: 20 })];
    const addresses = Array.from({ length: 30 }, (_, i) => `g${i}@example.org`);
    const arrived = await sendAll(workers, addresses);
    const seconds = Math.max(...arrived.values()) / 1000;
    expect(sink.messages).toHaveLength(30);
    expect(seconds).toBeGreaterThanOrEqual((30 - 20) / 20);
    expect(seconds).toBeLessThan(2);
    // One second's worth at once, then one every 50 ms: no more than 20 in the first 0.4 s.
    expect([...arrived.values()].filter((ms) => ms < 400).length).toBeLessThanOrEqual(20 + 8);
  });

  it('without it the same messages go out at once', async () => {
    sink.clear();
    const prefix = `lp-test-rate-${randomBytes(4).toString('hex')}`;
    const arrived = await sendAll(
      [worker(prefix, {})],
      ['f1', 'f2', 'f3'].map((n) => `${n}@x.org`),
    );
    expect(Math.max(...arrived.values())).toBeLessThan(500);
  });
});

describe('SEND_DOMAIN_RATE', () => {
  it('spaces the messages to one domain over two workers and lets the others pass', async () => {
    sink.clear();
    const prefix = `lp-test-rate-${randomBytes(4).toString('hex')}`;
    const workers = [worker(prefix, { domainRate: 10 }), worker(prefix, { domainRate: 10 })];
    const small = Array.from({ length: 8 }, (_, i) => `k${i}@Klein-Anbieter.example`);
    const others = Array.from({ length: 30 }, (_, i) => `o${i}@domain${i}.example`);
    const arrived = await sendAll(workers, [...small, ...others]);
    expect(sink.messages).toHaveLength(38);
    const smallTimes = small.map((a) => arrived.get(a)!).sort((x, y) => x - y);
    // Eight messages at 10 a second, evenly spaced: the last one after at least 0.7 s.
    expect(smallTimes.at(-1)!).toBeGreaterThanOrEqual(700 - 20);
    // The other domains do not wait behind it: all of them are through before its seventh
    // message (at 0.6 s), however busy the machine (held back, they would come after the last).
    expect(Math.max(...others.map((a) => arrived.get(a)!))).toBeLessThan(smallTimes.at(-2)!);
  });
});
