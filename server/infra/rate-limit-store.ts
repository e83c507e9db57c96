import type { Redis } from 'ioredis';
import { countHit, WindowCounters } from './counters.js';

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A store for @fastify/rate-limit: counters live in Redis so that several web processes share
 * them, and while Redis is unreachable they are counted in this process. The limits on public
 * forms and the login must never fail open.
 */
export function resilientRateLimitStore(redis: Redis, nameSpace: string) {
  const local = new WindowCounters();

  return class RateLimitStore {
    private readonly prefix: string;

    constructor(_globalParams?: unknown, prefix = nameSpace) {
      this.prefix = prefix;
    }

    incr(id: string, cb: Callback, timeWindow: number): void {
      void countHit(redis, this.prefix + id, timeWindow, local).then((count) => cb(null, count));
    }

    // Each route with its own limit counts apart (as the plugin's own Redis store does).
    child(routeOptions: object): RateLimitStore {
      const { method, url } = (routeOptions as { routeInfo: { method: string; url: string } })
        .routeInfo;
      return new RateLimitStore(undefined, `${this.prefix}${method}${url}-`);
    }
  };
}
