import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Which opens and clicks count as a person's. Numbers that count mail servers, privacy proxies
 * and link scanners as readers are worse than no numbers, so every rule here errs towards
 * "machine": a missed human open costs a little precision, a counted bot makes the number lie.
 * Pure functions over what the request looked like; no I/O.
 */

/** What the tracking route saw. Header names are lowercase. */
export interface TrackedRequest {
  method: string;
  ip: string;
  headers: Record<string, string | undefined>;
}

export interface OpenContext {
  /** When the request arrived, ms since the epoch. */
  now: number;
  /** When the relay accepted the mail, ms since the epoch. */
  deliveredAt?: number;
}

export interface ClickContext extends OpenContext {
  /** The index of the clicked link in the edition. */
  link: number;
  /** Earlier clicks of the same delivery: when, and which link. */
  earlier?: { at: number; link: number }[];
  /** Whether the click is part of a burst, when the caller worked it out with `burstFlags`. */
  inBurst?: boolean;
  /** The click came in on the hidden link no person can see. */
  trap?: boolean;
}

export type OpenReason =
  | 'head'
  | 'method'
  | 'prefetch'
  | 'apple-mpp'
  | 'google-proxy'
  | 'yahoo-proxy'
  | 'no-user-agent'
  | AgentReason
  | 'too-soon'
  | 'person';

export type ClickReason =
  | 'head'
  | 'method'
  | 'prefetch'
  | 'trap'
  | 'no-user-agent'
  | AgentReason
  | NetworkReason
  | 'burst'
  | 'too-soon'
  | 'person';

export interface OpenVerdict {
  kind: 'ignored' | 'machine' | 'human';
  reason: OpenReason;
}

export interface ClickVerdict {
  kind: 'ignored' | 'scanner' | 'human';
  reason: ClickReason;
}

export interface OpenOptions {
  /** An open this soon after delivery is the receiving side's fetch, not a reader. */
  tooSoonMs?: number;
}

export interface ClickOptions {
  /** A click this soon after delivery is the receiving side's scan, not a reader. */
  tooSoonMs?: number;
  /** This many distinct links of one mail within `burstWindowMs` is a scanner walking the mail. */
  burstLinks?: number;
  burstWindowMs?: number;
}

export const DEFAULT_TOO_SOON_MS = 10_000;
export const DEFAULT_BURST_LINKS = 2;
export const DEFAULT_BURST_WINDOW_MS = 5_000;

// --- User agents ------------------------------------------------------------------------------

type AgentReason =
  | 'microsoft-office'
  | 'barracuda'
  | 'mimecast'
  | 'proofpoint'
  | 'cisco'
  | 'trend-micro'
  | 'sophos'
  | 'symantec'
  | 'google-safety'
  | 'headless-browser'
  | 'http-client'
  | 'crawler';

/** Where the recorded agents below come from: device-detector's test fixtures. */
const RECORDED = 'github.com/matomo-org/device-detector@3856a28';

/**
 * Fetchers that say who they are. Most security gateways also fetch with an ordinary browser
 * agent; those are caught by address, timing, burst and trap instead.
 */
export const MACHINE_AGENTS: readonly { pattern: RegExp; reason: AgentReason; source: string }[] = [
  {
    // Office apps check that a link exists before opening it; not a person's click.
    pattern: /Microsoft Office Existence Discovery/i,
    reason: 'microsoft-office',
    source: `${RECORDED} Tests/Parser/Client/fixtures/mobile_app.yml`,
  },
  {
    pattern: /Barracuda/i,
    reason: 'barracuda',
    source: `"Barracuda Sentinel (EE)", ${RECORDED} Tests/fixtures/bots.yml`,
  },
  // These five match the vendor's name only, should its fetcher send it: no recorded agent of
  // theirs was found. Their scans are caught by address, timing, burst and trap.
  { pattern: /Mimecast/i, reason: 'mimecast', source: 'vendor name' },
  { pattern: /Proofpoint|URLDefense/i, reason: 'proofpoint', source: 'vendor name' },
  { pattern: /IronPort|Cisco[ -]?Secure/i, reason: 'cisco', source: 'vendor name' },
  { pattern: /Trend ?Micro|TMUFE/i, reason: 'trend-micro', source: 'vendor name' },
  { pattern: /Sophos/i, reason: 'sophos', source: 'vendor name' },
  { pattern: /Symantec|Broadcom|MessageLabs/i, reason: 'symantec', source: 'vendor name' },
  {
    // Google's fetcher for abuse and malware checks (Safe Browsing among them).
    pattern: /Google-Safety/,
    reason: 'google-safety',
    source: `developers.google.com/search/docs/crawling-indexing/google-special-case-crawlers; ${RECORDED} Tests/fixtures/bots.yml`,
  },
  {
    pattern: /HeadlessChrome|PhantomJS|\bHeadless\b/i,
    reason: 'headless-browser',
    source: `Chrome's headless mode, e.g. "HeadlessChrome/121.0.6167.57"; ${RECORDED} Tests/fixtures/bots.yml`,
  },
  {
    pattern:
      /^(?:curl|Wget|python-requests|Python-urllib|python-httpx|aiohttp|Go-http-client|Java|okhttp|Apache-HttpClient|libwww-perl|node-fetch|axios|undici|Ruby|Faraday|HTTPie)\b/i,
    reason: 'http-client',
    source: `default agents of HTTP libraries; ${RECORDED} Tests/Parser/Client/fixtures/library.yml`,
  },
  {
    // "bot/" or a "+http" contact address: Googlebot, bingbot, Slackbot, … — not "CUBOT" phones.
    pattern: /bot\/|crawler|spider|\+https?:\/\//i,
    reason: 'crawler',
    source: 'crawler naming convention',
  },
];

function agentReason(agent: string): AgentReason | undefined {
  return MACHINE_AGENTS.find((a) => a.pattern.test(agent))?.reason;
}

// --- Networks ---------------------------------------------------------------------------------

type NetworkReason = 'microsoft-safe-links';

/**
 * Addresses of link scanners. Only used for clicks: Outlook.com loads the images of a mail
 * through Microsoft's own proxy when the reader opens it, so a Microsoft address on the open
 * pixel can be a person; Safe Links, in contrast, checks the URL and then sends the person's
 * own browser on, so a click from these addresses is the scan (github.com/warmbly/warmbly#412).
 */
export const SCANNER_NETWORKS: readonly {
  cidrs: readonly string[];
  reason: NetworkReason;
  source: string;
}[] = [
  {
    // Exchange Online Protection, where Safe Links detonates URLs at delivery.
    cidrs: [
      '40.92.0.0/15',
      '40.107.0.0/16',
      '52.100.0.0/14',
      '104.47.0.0/17',
      '2a01:111:f400::/48',
      '2a01:111:f403::/48',
    ],
    reason: 'microsoft-safe-links',
    source:
      'Microsoft 365 URLs and IP address ranges, Exchange Online (*.protection.outlook.com); the same ranges are published in the SPF record spf.protection.outlook.com',
  },
  {
    cidrs: ['40.94.0.0/16'],
    reason: 'microsoft-safe-links',
    source:
      'Microsoft addresses seen fetching every link at delivery: github.com/MicrosoftDocs/OfficeDocs-Enterprise/issues/544, github.com/mautic/mautic/issues/9400',
  },
];

/** A set of IPv4 and IPv6 networks in CIDR notation. IPv4-mapped IPv6 addresses match IPv4. */
export class Networks {
  private readonly list = new BlockList();
  /** IPv4 networks as [first, last] addresses: a range check is much cheaper than BlockList. */
  private readonly v4: [number, number][] = [];

  constructor(cidrs: Iterable<string>) {
    for (const cidr of cidrs) {
      const [address, bits, extra] = cidr.split('/');
      const prefix = Number(bits);
      const type = address && isIPv4(address) ? 'ipv4' : address && isIPv6(address) ? 'ipv6' : '';
      if (!type || extra !== undefined || !Number.isInteger(prefix) || bits === '')
        throw new Error(`not a CIDR network: ${cidr}`);
      if (prefix < 0 || prefix > (type === 'ipv4' ? 32 : 128))
        throw new Error(`not a CIDR network: ${cidr}`);
      this.list.addSubnet(address!, prefix, type);
      if (type === 'ipv4') {
        const size = 2 ** (32 - prefix);
        const first = Math.floor(ipv4Number(address!) / size) * size;
        this.v4.push([first, first + size - 1]);
      }
    }
  }

  /** BlockList checks an IPv4-mapped IPv6 address against the IPv4 networks too. */
  has(ip: string): boolean {
    if (isIPv4(ip)) {
      const n = ipv4Number(ip);
      return this.v4.some(([first, last]) => n >= first && n <= last);
    }
    if (isIPv6(ip)) return this.list.check(ip, 'ipv6');
    return false;
  }
}

/** A dotted IPv4 address as its 32-bit number. */
function ipv4Number(ip: string): number {
  let n = 0;
  for (const part of ip.split('.')) n = n * 256 + Number(part);
  return n;
}

const scannerNetworks = SCANNER_NETWORKS.map((n) => ({
  networks: new Networks(n.cidrs),
  reason: n.reason,
}));

// --- Rules ------------------------------------------------------------------------------------

/**
 * A prefetch or prerender by the browser or mail client, not a view: Chrome's "Purpose:
 * prefetch" and, now, "Sec-Purpose: prefetch" or "prefetch;prerender" (Fetch standard,
 * Speculation Rules); Firefox's "X-Moz: prefetch"; Safari's previews, "X-Purpose: preview".
 */
function isPrefetch(headers: TrackedRequest['headers']): boolean {
  const purpose = headers['purpose']?.trim().toLowerCase();
  const secPurpose = headers['sec-purpose']?.trim().toLowerCase();
  return (
    purpose === 'prefetch' ||
    secPurpose?.startsWith('prefetch') === true ||
    headers['x-moz']?.trim().toLowerCase() === 'prefetch' ||
    headers['x-purpose']?.trim().toLowerCase() === 'preview'
  );
}

function methodVerdict(method: string): 'head' | 'method' | undefined {
  const m = method.toUpperCase();
  if (m === 'HEAD') return 'head';
  return m === 'GET' ? undefined : 'method';
}

function tooSoon(context: OpenContext, ms: number): boolean {
  return context.deliveredAt !== undefined && context.now - context.deliveredAt < ms;
}

/**
 * Which clicks of one mail (or one client) are part of a burst: at least `burstLinks` distinct
 * links within the burst window either side. The same rule as `earlier` in `classifyClick`, in
 * one pass over clicks sorted by time, for the batch writer.
 */
export function burstFlags(
  clicks: readonly { at: number; link: number }[],
  options: Pick<ClickOptions, 'burstLinks' | 'burstWindowMs'> = {},
): boolean[] {
  const window = options.burstWindowMs ?? DEFAULT_BURST_WINDOW_MS;
  const needed = options.burstLinks ?? DEFAULT_BURST_LINKS;
  const order = clicks.map((_, i) => i);
  // The writer's clicks come in time order already; sort only when they do not.
  if (clicks.some((click, i) => i > 0 && click.at < clicks[i - 1]!.at))
    order.sort((a, b) => clicks[a]!.at - clicks[b]!.at);
  const counts = new Map<number, number>();
  const flags = new Array<boolean>(clicks.length).fill(false);
  let left = 0;
  let right = 0;
  for (const i of order) {
    const at = clicks[i]!.at;
    while (right < order.length && clicks[order[right]!]!.at <= at + window) {
      const link = clicks[order[right]!]!.link;
      counts.set(link, (counts.get(link) ?? 0) + 1);
      right++;
    }
    while (clicks[order[left]!]!.at < at - window) {
      const link = clicks[order[left]!]!.link;
      const n = counts.get(link)! - 1;
      if (n) counts.set(link, n);
      else counts.delete(link);
      left++;
    }
    flags[i] = counts.size >= needed;
  }
  return flags;
}

/**
 * The burst rule over one client's clicks as they come (in time order), for the batch writer:
 * each click enters and leaves the window once. `judgeNext` tells whether the oldest click not
 * yet judged is part of a burst; call it once every click up to that one's time plus the window
 * has been added.
 */
export class BurstWindow {
  private clicks: { at: number; link: number }[] = [];
  private left = 0;
  private right = 0;
  private next = 0;
  private readonly counts = new Map<number, number>();

  constructor(
    private readonly window = DEFAULT_BURST_WINDOW_MS,
    private readonly needed = DEFAULT_BURST_LINKS,
  ) {}

  add(at: number, link: number): void {
    this.clicks.push({ at, link });
  }

  judgeNext(): boolean {
    const click = this.clicks[this.next]!;
    while (
      this.right < this.clicks.length &&
      this.clicks[this.right]!.at <= click.at + this.window
    ) {
      const link = this.clicks[this.right++]!.link;
      this.counts.set(link, (this.counts.get(link) ?? 0) + 1);
    }
    while (this.left < this.next && this.clicks[this.left]!.at < click.at - this.window) {
      const link = this.clicks[this.left++]!.link;
      const n = this.counts.get(link)! - 1;
      if (n) this.counts.set(link, n);
      else this.counts.delete(link);
    }
    this.next++;
    // Clicks left behind cannot be in a later click's window.
    if (this.left > 256) {
      this.clicks = this.clicks.slice(this.left);
      this.right -= this.left;
      this.next -= this.left;
      this.left = 0;
    }
    return this.counts.size >= this.needed;
  }

  /** Every click added is judged, and the last one is older than `before`. */
  doneBefore(before: number): boolean {
    return this.next === this.clicks.length && (this.clicks.at(-1)?.at ?? 0) < before;
  }
}

/** A request no rule counts, whatever else it shows: HEAD, another method, a prefetch. */
export function ignoredRequest(request: TrackedRequest): boolean {
  return methodVerdict(request.method) !== undefined || isPrefetch(request.headers);
}

export function classifyOpen(
  request: TrackedRequest,
  context: OpenContext,
  options: OpenOptions = {},
): OpenVerdict {
  const method = methodVerdict(request.method);
  if (method) return { kind: 'ignored', reason: method };
  if (isPrefetch(request.headers)) return { kind: 'ignored', reason: 'prefetch' };

  const agent = request.headers['user-agent']?.trim() ?? '';
  // Apple Mail Privacy Protection loads every image of a mail through Apple's relay when the
  // mail arrives, reader or not, with nothing but "Mozilla/5.0" as the agent
  // (github.com/ua-parser/uap-core/issues/509, since 2021-09-20; SocketLabs, "Identifying
  // Apple MPP opens"). Its relay is iCloud Private Relay's (wordtothewise.com/2021/09/
  // apple-mpp-reporting-and-geolocation): Apple publishes those egress addresses at
  // mask-api.icloud.com/egress-ip-ranges.csv (some 300,000 networks at Akamai, Cloudflare and
  // Fastly), but Safari users of Private Relay browse from the same addresses, so an address
  // match alone would call readers of webmail machines; the agent is the sign.
  if (agent === 'Mozilla/5.0') return { kind: 'machine', reason: 'apple-mpp' };
  // Gmail fetches images once through its proxy and caches them ("via ggpht.com
  // GoogleImageProxy"): the fetch says nothing about whether and how often the mail was read.
  if (/GoogleImageProxy|via ggpht\.com/i.test(agent))
    return { kind: 'machine', reason: 'google-proxy' };
  // Yahoo Mail (and AOL Mail, which runs on it) fetch through "YahooMailProxy".
  if (/YahooMailProxy/i.test(agent)) return { kind: 'machine', reason: 'yahoo-proxy' };
  if (!agent) return { kind: 'machine', reason: 'no-user-agent' };
  const machine = agentReason(agent);
  if (machine) return { kind: 'machine', reason: machine };
  if (tooSoon(context, options.tooSoonMs ?? DEFAULT_TOO_SOON_MS))
    return { kind: 'machine', reason: 'too-soon' };
  return { kind: 'human', reason: 'person' };
}

export function classifyClick(
  request: TrackedRequest,
  context: ClickContext,
  options: ClickOptions = {},
): ClickVerdict {
  const method = methodVerdict(request.method);
  if (method) return { kind: 'ignored', reason: method };
  if (isPrefetch(request.headers)) return { kind: 'ignored', reason: 'prefetch' };
  // Nobody sees the trap link; whatever follows it follows every link.
  if (context.trap) return { kind: 'scanner', reason: 'trap' };

  const agent = request.headers['user-agent']?.trim() ?? '';
  if (!agent) return { kind: 'scanner', reason: 'no-user-agent' };
  const machine = agentReason(agent);
  if (machine) return { kind: 'scanner', reason: machine };
  const network = scannerNetworks.find((n) => n.networks.has(request.ip));
  if (network) return { kind: 'scanner', reason: network.reason };

  // A scanner walks all links of a mail within a second or two; a person reads between clicks.
  const window = options.burstWindowMs ?? DEFAULT_BURST_WINDOW_MS;
  let burst = context.inBurst;
  if (burst === undefined) {
    const links = new Set([context.link]);
    for (const click of context.earlier ?? [])
      if (Math.abs(context.now - click.at) <= window) links.add(click.link);
    burst = links.size >= (options.burstLinks ?? DEFAULT_BURST_LINKS);
  }
  if (burst) return { kind: 'scanner', reason: 'burst' };

  if (tooSoon(context, options.tooSoonMs ?? DEFAULT_TOO_SOON_MS))
    return { kind: 'scanner', reason: 'too-soon' };
  return { kind: 'human', reason: 'person' };
}
