import type { Redis } from 'ioredis';
import { asciiRecipient, type Mailer } from './mailer.js';

/**
 * One slot of a rate shared through Redis (GCRA: the key holds the theoretical arrival time of
 * the next message, in microseconds of the Redis clock, so every host agrees). Each call
 * reserves the next slot and answers how many milliseconds its caller waits for it; the first
 * `burst` messages go at once, the rest one every 1/rate seconds.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
local next = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000) + 1000)
return math.ceil(wait / 1000)
`;

type ReservingRedis = Redis & {
  landpostReserveSlot(key: string, intervalUs: number, toleranceUs: number): Promise<number>;
};

/** A rate (messages per second) shared by every process that uses the same Redis and key. */
export class SharedRate {
  private readonly redis: ReservingRedis;
  private readonly intervalUs: number;
  private readonly toleranceUs: number;

  constructor(redis: Redis, rate: number, burst = Math.max(1, Math.floor(rate))) {
    if (!('landpostReserveSlot' in redis))
      redis.defineCommand('landpostReserveSlot', { numberOfKeys: 1, lua: RESERVE });
    this.redis = redis as ReservingRedis;
    this.intervalUs = Math.round(1_000_000 / rate);
    this.toleranceUs = (burst - 1) * this.intervalUs;
  }

  /** Reserve the next slot under `key` and wait for it. */
  async take(key: string): Promise<void> {
    const waitMs = await this.redis.landpostReserveSlot(key, this.intervalUs, this.toleranceUs);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/** The recipient's domain as the rate keys name it: lower case, punycode. */
function recipientDomain(address: string): string {
  const ascii = asciiRecipient(address);
  return ascii.slice(ascii.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * The send workers' mailer under SEND_RATE (messages per second over all send workers, up to
 * one second's worth at once) and SEND_DOMAIN_RATE (messages per second to one recipient
 * domain, evenly spaced). Both are kept in Redis, so they hold across worker hosts; a message
 * waits for its domain's slot first and then for the global one.
 */
export function rateLimitedMailer(
  mailer: Mailer,
  opts: { redis: Redis; prefix: string; rate?: number; domainRate?: number },
): Mailer {
  const global = opts.rate ? new SharedRate(opts.redis, opts.rate) : undefined;
  const perDomain = opts.domainRate ? new SharedRate(opts.redis, opts.domainRate, 1) : undefined;
  if (!global && !perDomain) return mailer;
  return {
    dkim: mailer.dkim,
    async send(message) {
      if (perDomain)
        await perDomain.take(`${opts.prefix}:send-rate:domain:${recipientDomain(message.to)}`);
      if (global) await global.take(`${opts.prefix}:send-rate:all`);
      return mailer.send(message);
    },
    close() {
      mailer.close();
    },
  };
}
