import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  classifyClick,
  classifyOpen,
  Networks,
  SCANNER_NETWORKS,
  type ClickVerdict,
  type OpenVerdict,
  type TrackedRequest,
} from '../../../../server/services/tracking/rules.js';

const fixture = <T>(name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../../fixtures/tracking/${name}`, import.meta.url), 'utf8'),
  ) as T;

interface OpenPattern {
  name: string;
  request: TrackedRequest;
  afterDeliveryMs: number;
  expected: OpenVerdict;
}
interface ClickPattern {
  name: string;
  clicks: {
    request: TrackedRequest;
    afterDeliveryMs: number;
    link: number;
    trap?: boolean;
    expected: ClickVerdict;
  }[];
}

const opens = fixture<{ patterns: OpenPattern[] }>('opens.json').patterns;
const clicks = fixture<{ patterns: ClickPattern[] }>('clicks.json').patterns;

const deliveredAt = Date.UTC(2026, 10, 30, 8, 0, 0);
const chrome =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const iphoneMail =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';

const get = (
  agent: string | undefined,
  headers: Record<string, string> = {},
  ip = '192.0.2.1',
): TrackedRequest => ({ method: 'GET', ip, headers: { 'user-agent': agent, ...headers } });

/** An open that would count: 4 minutes after delivery. */
const open = (request: TrackedRequest, afterMs = 240_000) =>
  classifyOpen(request, { now: deliveredAt + afterMs, deliveredAt });
/** A single click that would count: 4 minutes after delivery, no earlier clicks. */
const click = (request: TrackedRequest, afterMs = 240_000, extra: { trap?: boolean } = {}) =>
  classifyClick(request, { now: deliveredAt + afterMs, deliveredAt, link: 0, ...extra });

describe('recorded open patterns', () => {
  it.each(opens.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    expect(classifyOpen(p.request, { now: deliveredAt + p.afterDeliveryMs, deliveredAt })).toEqual(
      p.expected,
    );
  });

  it('cover every kind', () => {
    expect(new Set(opens.map((p) => p.expected.kind))).toEqual(
      new Set(['ignored', 'machine', 'human']),
    );
  });
});

describe('recorded click patterns', () => {
  it.each(clicks.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    const earlier: { at: number; link: number }[] = [];
    const verdicts = p.clicks.map((c) => {
      const now = deliveredAt + c.afterDeliveryMs;
      const verdict = classifyClick(c.request, {
        now,
        deliveredAt,
        link: c.link,
        earlier: [...earlier],
        trap: c.trap,
      });
      earlier.push({ at: now, link: c.link });
      return verdict;
    });
    expect(verdicts).toEqual(p.clicks.map((c) => c.expected));
  });
});

describe('open rules', () => {
  it('ignores HEAD and any method but GET', () => {
    expect(open({ ...get(iphoneMail), method: 'HEAD' })).toEqual({
      kind: 'ignored',
      reason: 'head',
    });
    expect(open({ ...get(iphoneMail), method: 'head' }).reason).toBe('head');
    expect(open({ ...get(iphoneMail), method: 'POST' })).toEqual({
      kind: 'ignored',
      reason: 'method',
    });
    expect(open(get(iphoneMail)).kind).toBe('human');
  });

  it.each([
    ['purpose', 'prefetch'],
    ['sec-purpose', 'prefetch'],
    ['sec-purpose', 'prefetch;prerender'],
    ['sec-purpose', 'prefetch;anonymous-client-ip'],
    ['x-moz', 'prefetch'],
    ['x-purpose', 'preview'],
  ])('ignores a prefetch marked %s: %s', (header, value) => {
    expect(open(get(iphoneMail, { [header]: value }))).toEqual({
      kind: 'ignored',
      reason: 'prefetch',
    });
  });

  it('does not take other purposes for a prefetch', () => {
    expect(open(get(iphoneMail, { 'sec-purpose': 'other', 'x-purpose': 'print' })).kind).toBe(
      'human',
    );
  });

  it("counts Apple Privacy Protection's bare agent as a machine, however late", () => {
    expect(open(get('Mozilla/5.0'), 86_400_000)).toEqual({
      kind: 'machine',
      reason: 'apple-mpp',
    });
    // Apple Mail with Privacy Protection off, on iOS and macOS, is a reader.
    expect(open(get(iphoneMail)).kind).toBe('human');
    expect(
      open(
        get(
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
        ),
      ).kind,
    ).toBe('human');
  });

  it('counts the Gmail and Yahoo image proxies as machines', () => {
    expect(open(get('Mozilla/5.0 (via ggpht.com)'))).toEqual({
      kind: 'machine',
      reason: 'google-proxy',
    });
    expect(open(get('GoogleImageProxy')).reason).toBe('google-proxy');
    expect(open(get('Mozilla/5.0 (compatible; YahooMailProxy)'))).toEqual({
      kind: 'machine',
      reason: 'yahoo-proxy',
    });
  });

  it('counts an open without an agent as a machine', () => {
    expect(open(get(undefined))).toEqual({ kind: 'machine', reason: 'no-user-agent' });
    expect(open(get('  '))).toEqual({ kind: 'machine', reason: 'no-user-agent' });
  });

  it('counts fetchers that name themselves as machines', () => {
    expect(open(get('Mozilla/5.0 (compatible; Mimecast URL Protect)'))).toEqual({
      kind: 'machine',
      reason: 'mimecast',
    });
    expect(open(get('python-requests/2.31.0')).reason).toBe('http-client');
  });

  it('counts an open within 10 seconds of delivery as a machine, the limit a parameter', () => {
    expect(open(get(iphoneMail), 9_999)).toEqual({ kind: 'machine', reason: 'too-soon' });
    expect(open(get(iphoneMail), 10_000).kind).toBe('human');
    const request = get(iphoneMail);
    const context = { now: deliveredAt + 20_000, deliveredAt };
    expect(classifyOpen(request, context, { tooSoonMs: 30_000 }).reason).toBe('too-soon');
    expect(classifyOpen(request, context).kind).toBe('human');
    // Without a delivery time there is nothing to be too soon after.
    expect(classifyOpen(request, { now: deliveredAt }).kind).toBe('human');
  });

  it('lets Microsoft addresses open: Outlook.com loads images through them for readers', () => {
    expect(open(get(chrome, {}, '40.107.1.1')).kind).toBe('human');
  });
});

describe('click rules', () => {
  it('ignores HEAD, other methods and prefetches', () => {
    expect(click({ ...get(chrome), method: 'HEAD' })).toEqual({ kind: 'ignored', reason: 'head' });
    expect(click({ ...get(chrome), method: 'OPTIONS' }).reason).toBe('method');
    expect(click(get(chrome, { purpose: 'prefetch' }))).toEqual({
      kind: 'ignored',
      reason: 'prefetch',
    });
    expect(click(get(chrome, { 'x-moz': 'prefetch' })).reason).toBe('prefetch');
    expect(click(get(chrome)).kind).toBe('human');
  });

  it('counts the hidden trap link as a scanner', () => {
    expect(click(get(chrome), 240_000, { trap: true })).toEqual({
      kind: 'scanner',
      reason: 'trap',
    });
    expect(click(get(chrome), 240_000, { trap: false }).kind).toBe('human');
  });

  // Recorded agents (device-detector's fixtures, see MACHINE_AGENTS) where there are any; the
  // vendor-name rows have made-up agents that carry the name.
  it.each([
    ['Microsoft Office Existence Discovery', 'microsoft-office'],
    ['Barracuda Sentinel (EE)', 'barracuda'],
    ['Mimecast URL Protect', 'mimecast'],
    ['Proofpoint URL Defense', 'proofpoint'],
    ['Cisco IronPort', 'cisco'],
    ['TrendMicro TMUFE', 'trend-micro'],
    ['Sophos', 'sophos'],
    ['Symantec MessageLabs', 'symantec'],
    ['Google-Safety', 'google-safety'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/121.0.6167.57 Safari/537.36 Elastic/Synthetics',
      'headless-browser',
    ],
    [
      'curl/7.21.0 (i386-redhat-linux-gnu) libcurl/7.21.0 NSS/3.12.10.0 zlib/1.2.5 libidn/1.18 libssh2/1.2.4',
      'http-client',
    ],
    ['Wget/1.11.4 Red Hat modified', 'http-client'],
    ['python-requests/1.2.0 CPython/2.7.3 Linux/3.8.0-33-generic', 'http-client'],
    ['Python-urllib/2.6', 'http-client'],
    ['Go-http-client/2.0', 'http-client'],
    ['Java/1.7.0_51', 'http-client'],
    ['okhttp/2.7.5', 'http-client'],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'crawler'],
    ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'crawler'],
  ])('counts %s as a scanner', (agent, reason) => {
    expect(click(get(agent))).toEqual({ kind: 'scanner', reason });
  });

  it('does not take phones and browsers for scanners', () => {
    for (const agent of [
      chrome,
      iphoneMail,
      'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0',
      'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
    ])
      expect(click(get(agent)), agent).toEqual({ kind: 'human', reason: 'person' });
  });

  it('counts a click without an agent as a scanner', () => {
    expect(click(get(undefined))).toEqual({ kind: 'scanner', reason: 'no-user-agent' });
  });

  it("counts clicks from Microsoft's Safe Links networks as a scanner, IPv4, IPv6 and mapped", () => {
    for (const ip of [
      '40.92.3.4',
      '40.93.255.255',
      '40.94.29.84',
      '40.107.218.12',
      '52.103.1.1',
      '104.47.127.254',
      '::ffff:40.107.218.12',
      '2a01:111:f400:fe1f::1',
      '2a01:111:f403:c000::12',
    ])
      expect(click(get(chrome, {}, ip)), ip).toEqual({
        kind: 'scanner',
        reason: 'microsoft-safe-links',
      });
    for (const ip of ['40.91.255.255', '40.95.0.1', '104.47.128.1', '2a01:111:f401::1', 'x'])
      expect(click(get(chrome, {}, ip)).kind, ip).toBe('human');
  });

  it('counts a second distinct link within 5 seconds as a scanner walking the mail', () => {
    const context = (earlier: { at: number; link: number }[], link = 1) => ({
      now: deliveredAt + 600_000,
      deliveredAt,
      link,
      earlier,
    });
    const now = deliveredAt + 600_000;
    expect(classifyClick(get(chrome), context([{ at: now - 4_000, link: 0 }]))).toEqual({
      kind: 'scanner',
      reason: 'burst',
    });
    expect(classifyClick(get(chrome), context([{ at: now - 5_000, link: 0 }])).reason).toBe(
      'burst',
    );
    // Outside the window, or the same link again (a double tap): a person.
    expect(classifyClick(get(chrome), context([{ at: now - 5_001, link: 0 }])).kind).toBe('human');
    expect(classifyClick(get(chrome), context([{ at: now - 1_000, link: 1 }])).kind).toBe('human');
    // Both limits are parameters.
    const two = context([{ at: now - 1_000, link: 0 }]);
    expect(classifyClick(get(chrome), two, { burstLinks: 3 }).kind).toBe('human');
    expect(
      classifyClick(
        get(chrome),
        context([
          { at: now - 1_000, link: 0 },
          { at: now - 500, link: 2 },
        ]),
        {
          burstLinks: 3,
        },
      ).reason,
    ).toBe('burst');
    expect(
      classifyClick(get(chrome), context([{ at: now - 8_000, link: 0 }]), { burstWindowMs: 10_000 })
        .reason,
    ).toBe('burst');
  });

  it('counts a click within 10 seconds of delivery as a scanner, the limit a parameter', () => {
    expect(click(get(chrome), 9_999)).toEqual({ kind: 'scanner', reason: 'too-soon' });
    expect(click(get(chrome), 10_000).kind).toBe('human');
    const context = { now: deliveredAt + 20_000, deliveredAt, link: 0 };
    expect(classifyClick(get(chrome), context, { tooSoonMs: 30_000 }).reason).toBe('too-soon');
  });
});

describe('the network table', () => {
  it('has a source for every entry and only valid networks', () => {
    for (const entry of SCANNER_NETWORKS) {
      expect(entry.source.length).toBeGreaterThan(20);
      expect(() => new Networks(entry.cidrs)).not.toThrow();
    }
  });

  it('refuses what is not a network', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', 'fe80::/129', 'x/8', '1.2.3.4/8/1'])
      expect(() => new Networks([bad]), bad).toThrow();
  });

  it('matches by prefix', () => {
    const networks = new Networks(['10.1.0.0/16', '2001:db8:1::/48', '0.0.0.0/0']);
    expect(networks.has('10.1.200.3')).toBe(true);
    expect(networks.has('2001:db8:1:ffff::1')).toBe(true);
    expect(networks.has('2001:db8:2::1')).toBe(false);
    expect(new Networks(['10.1.0.0/16']).has('10.2.0.1')).toBe(false);
  });
});
