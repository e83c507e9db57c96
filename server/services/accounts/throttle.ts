import { isIPv4, isIPv6 } from 'node:net';

/** Wrong passwords one client address may enter for one account before it has to wait. */
export const FREE_FAILURES = 5;
/** The first wait; each further wrong password doubles it, up to MAX_WAIT_MS. */
export const FIRST_WAIT_MS = 60_000;
export const MAX_WAIT_MS = 60 * 60_000;
/** Failures this long ago are forgotten. */
export const FORGET_FAILURES_MS = 24 * 3600_000;

/** The wait after a pair's `failures`-th wrong password in a row: none, then 1, 2, 4 … minutes. */
export function waitAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(FIRST_WAIT_MS * 2 ** (failures - FREE_FAILURES), MAX_WAIT_MS);
}

/**
 * The client as the throttle counts it: an IPv4 address, or an IPv6 client's /64 network (one
 * connection usually has a whole /64, so single addresses would cost an attacker nothing).
 */
export function clientNetwork(ip: string | null | undefined): string {
  if (!ip) return '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  // A zone and a dotted IPv4 tail (::ffff:…, 64:ff9b::…) become plain hex groups first.
  const hex = ip
    .toLowerCase()
    .replace(/%.*$/, '')
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
      [Number(a) * 256 + Number(b), Number(c) * 256 + Number(d)]
        .map((n) => n.toString(16))
        .join(':'),
    );
  const [head = '', tail = ''] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
