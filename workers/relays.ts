/** One SMTP relay of SMTP_URL, as the mailer uses it. */
export interface RelaySpec {
  /** `host:port`: how logs and the delivery ledger name it (never with credentials). */
  name: string;
  /** The URL for nodemailer, without the `rate` and `weight` parameters. */
  url: string;
  /** Messages per second at most; undefined: as fast as the relay takes them. */
  rate?: number;
  /** Its share of the traffic relative to the others (default 1). */
  weight: number;
}

/**
 * A relay URL as logs and errors may show it: everything up to the last `@` masked (user name
 * and password, also in a URL too broken to parse).
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^]*@/i, '$1***@');
}

/**
 * SMTP_URL: one relay or several, comma separated, each an smtp:// or smtps:// URL with an
 * optional `rate` (messages per second) and `weight` (share of the traffic, default 1) query
 * parameter, e.g. `smtp://a:25?rate=50,smtps://user:pass@b:465?rate=10&weight=2`. A comma in a
 * password is written %2C. Throws an Error with one line per bad part, credentials masked.
 */
export function parseRelays(value: string): RelaySpec[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error('no relay URL given');
  const problems: string[] = [];
  const relays: RelaySpec[] = [];
  for (const part of parts) {
    const shown = redactUrl(part);
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      problems.push(`"${shown}" is not a URL (e.g. smtps://user:pass@relay.example.org:465)`);
      continue;
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      problems.push(`"${shown}" is not an smtp:// or smtps:// URL`);
      continue;
    }
    if (!url.hostname) {
      problems.push(`"${shown}" names no host`);
      continue;
    }
    const number = (name: string): number | undefined | null => {
      const raw = url.searchParams.get(name);
      if (raw === null) return undefined;
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) && n > 0 ? n : null;
    };
    const rate = number('rate');
    const weight = number('weight');
    if (rate === null || weight === null) {
      problems.push(`"${shown}": rate and weight must be positive numbers`);
      continue;
    }
    url.searchParams.delete('rate');
    url.searchParams.delete('weight');
    // nodemailer's defaults when the URL names no port.
    const port = url.port || (url.protocol === 'smtps:' ? '465' : '587');
    relays.push({
      name: `${url.hostname}:${port}`,
      url: url.toString(),
      ...(rate !== undefined ? { rate } : {}),
      weight: weight ?? 1,
    });
  }
  if (problems.length) throw new Error(problems.join('; '));
  return relays;
}

/** The relays for the start-up log line: names, rates and weights, never credentials. */
export function describeRelays(relays: RelaySpec[]): string {
  return relays
    .map((r) => `${r.name} (${r.rate ? `${r.rate}/s` : 'no rate limit'}, weight ${r.weight})`)
    .join(', ');
}

/** An in-process token bucket: `rate` tokens a second, at most one second's worth saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly rate: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = Math.max(1, rate ?? 1);
    this.tokens = this.capacity;
    this.last = now();
  }

  private refill() {
    if (!this.rate) return;
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  /** Milliseconds until a token is there (0: now). */
  waitMs(): number {
    if (!this.rate) return 0;
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  take(): void {
    if (!this.rate) return;
    this.refill();
    this.tokens -= 1;
  }
}

/** How long a relay that could not be reached is passed over (doubling, up to the maximum). */
export const RELAY_DOWN_MS = { first: 10_000, max: 300_000 };

/** A relay with its bucket, its place in the rotation and whether it is reachable. */
export class RelayState<T> {
  readonly bucket: TokenBucket;
  /** Smooth weighted round robin: the relay with the highest value goes next. */
  current = 0;
  downUntil = 0;
  private downFor = 0;

  constructor(
    readonly spec: RelaySpec,
    readonly transport: T,
    private readonly now: () => number = Date.now,
  ) {
    this.bucket = new TokenBucket(spec.rate, now);
  }

  get down(): boolean {
    return this.downUntil > this.now();
  }

  markDown(): void {
    this.downFor = Math.min(
      RELAY_DOWN_MS.max,
      this.downFor ? this.downFor * 2 : RELAY_DOWN_MS.first,
    );
    this.downUntil = this.now() + this.downFor;
  }

  markUp(): void {
    this.downFor = 0;
    this.downUntil = 0;
  }
}

/**
 * The relay for the next message: among the reachable ones not yet tried for it (all of them
 * when none is reachable) that have a token, by weight (smooth weighted round robin: exact
 * shares, no streaks). Waits while every candidate is at its rate.
 */
export async function pickRelay<T>(
  relays: RelayState<T>[],
  tried: ReadonlySet<RelayState<T>>,
): Promise<RelayState<T>> {
  for (;;) {
    const untried = relays.filter((r) => !tried.has(r));
    const reachable = untried.filter((r) => !r.down);
    const candidates = reachable.length ? reachable : untried;
    if (candidates.length === 0) throw new Error('no relay left to try');
    const ready = candidates.filter((r) => r.bucket.waitMs() === 0);
    if (ready.length) {
      let total = 0;
      let best = ready[0]!;
      for (const r of ready) {
        r.current += r.spec.weight;
        total += r.spec.weight;
        if (r.current > best.current) best = r;
      }
      best.current -= total;
      best.bucket.take();
      return best;
    }
    const wait = Math.min(...candidates.map((r) => r.bucket.waitMs()));
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
  }
}
