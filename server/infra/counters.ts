import type { Redis } from 'ioredis';

/** Counters kept in memory while Redis is away; the oldest go first beyond this many. */
const LOCAL_KEYS = 10_000;

export interface Count {
  current: number;
  /** Milliseconds until the window ends. */
  ttl: number;
}

/** Fixed-window counters in this process's memory. */
export class WindowCounters {
  private readonly counters = new Map<string, { current: number; resetAt: number }>();

  hit(key: string, windowMs: number, now = Date.now()): Count {
    let counter = this.counters.get(key);
    if (!counter || counter.resetAt <= now) {
      counter = { current: 0, resetAt: now + windowMs };
      this.counters.delete(key);
      if (this.counters.size >= LOCAL_KEYS)
        this.counters.delete(this.counters.keys().next().value!);
      this.counters.set(key, counter);
    }
    counter.current += 1;
    return { current: counter.current, ttl: counter.resetAt - now };
  }
}

/**
 * Count one hit of `key` in a fixed window: in Redis, so that every web process shares the
 * count, and in `fallback` (this process) while Redis is unreachable — a limit must never fail
 * open because Redis is down.
 */
export async function countHit(
  redis: Redis,
  key: string,
  windowMs: number,
  fallback: WindowCounters,
): Promise<Count> {
  try {
    const replies = await redis.multi().incr(key).pexpire(key, windowMs, 'NX').pttl(key).exec();
    if (!replies || replies.some(([err]) => err)) throw new Error('counter failed');
    const ttl = Number(replies[2]![1]);
    return { current: Number(replies[0]![1]), ttl: ttl > 0 ? ttl : windowMs };
  } catch {
    return fallback.hit(key, windowMs);
  }
}
