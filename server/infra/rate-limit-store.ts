import type { Redis } from 'ioredis';

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;
interface Counter {
  current: number;
  resetAt: number;
}

/** Counters kept in memory while Redis is away; the oldest go first beyond this many. */
const LOCAL_KEYS = 10_000;

/**
 * A store for @fastify/rate-limit: counters live in Redis so that several web processes share
 * them, and while Redis is unreachable they are counted in this process. The limits on public
 * forms and the login must never fail open.
 */
export function resilientRateLimitStore(redis: Redis, nameSpace: string) {
  const local = new Map<string, Counter>();

  function countLocally(key: string, timeWindow: number): { current: number; ttl: number } {
    const now = Date.now();
    let counter = local.get(key);
    if (!counter || counter.resetAt <= now) {
      counter = { current: 0, resetAt: now + timeWindow };
      local.delete(key);
      if (local.size >= LOCAL_KEYS) local.delete(local.keys().next().value!);
      local.set(key, counter);
    }
    counter.current += 1;
    return { current: counter.current, ttl: counter.resetAt - now };
  }

  return class RateLimitStore {
    private readonly prefix: string;

    constructor(_globalParams?: unknown, prefix = nameSpace) {
      this.prefix = prefix;
    }

    incr(id: string, cb: Callback, timeWindow: number): void {
      const key = this.prefix + id;
      redis
        .multi()
        .incr(key)
        .pexpire(key, timeWindow, 'NX')
        .pttl(key)
        .exec()
        .then((replies) => {
          if (!replies || replies.some(([err]) => err))
            throw new Error('rate-limit counter failed');
          const ttl = Number(replies[2]![1]);
          cb(null, { current: Number(replies[0]![1]), ttl: ttl > 0 ? ttl : timeWindow });
        })
        .catch(() => cb(null, countLocally(key, timeWindow)));
    }

    // Each route with its own limit counts apart (as the plugin's own Redis store does).
    child(routeOptions: object): RateLimitStore {
      const { method, url } = (routeOptions as { routeInfo: { method: string; url: string } })
        .routeInfo;
      return new RateLimitStore(undefined, `${this.prefix}${method}${url}-`);
    }
  };
}
