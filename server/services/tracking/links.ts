import { timingSafeEqual } from 'node:crypto';
import type { MacPurpose, Secrets } from '../../infra/security.js';

/**
 * Signed tracking links: the open pixel and the click redirect of one mail. The token names the
 * campaign, the delivery (none for people without tracking consent: then only the campaign and
 * the variant they got) and, for clicks, the link's index in the edition. The target URL is not
 * in the token: the redirect looks the index up in the edition's stored links, so only links
 * that were in the edition are ever redirected to — never an open redirect.
 *
 * Tokens are bytes, not JSON, because they sit in every link of every mail: a header byte, the
 * numbers as unsigned LEB128 varints, the variant's keys length-prefixed, then the first
 * TAG_BYTES of the HMAC under the kind's key. They do not expire: links in old mails keep
 * working, and they carry nothing but ids.
 */

export type TrackedKind = 'open' | 'click';

export interface TrackedVariant {
  language: string;
  region: string | null;
  role: string | null;
}

export interface TrackedLinkInput {
  campaignId: number;
  /** Null for people without tracking consent: the token then names only campaign and variant. */
  deliveryId: number | null;
  variant: TrackedVariant;
}

export interface TrackedClickInput extends TrackedLinkInput {
  /** The link's index in the edition (its variant's stored links). */
  link: number;
}

export interface TrackedPayload {
  kind: TrackedKind;
  campaignId: number;
  deliveryId: number | null;
  /** Only in tokens without a delivery: with one, the delivery row knows the variant. */
  variant: TrackedVariant | null;
  /** The link's index for clicks; null for opens. */
  link: number | null;
}

/** 96 bits: a forger must guess it online, one request at a time. */
const TAG_BYTES = 12;
const VERSION = 1;
const MAX_KEY_BYTES = 64;
/** Longer than any token we write (ids up to 2^53, keys of 64 bytes): refused unread. */
const MAX_TOKEN_CHARS = 400;

const FLAG_CLICK = 1;
const FLAG_DELIVERY = 2;
const FLAG_REGION = 4;
const FLAG_ROLE = 8;

const purposeOf = (kind: TrackedKind): MacPurpose =>
  kind === 'click' ? 'tracking-click' : 'tracking-open';

export function openPixelUrl(secrets: Secrets, publicUrl: string, input: TrackedLinkInput): string {
  return `${publicUrl}/t/o/${trackedToken(secrets, { ...input, kind: 'open', link: null })}`;
}

export function trackedClickUrl(
  secrets: Secrets,
  publicUrl: string,
  input: TrackedClickInput,
): string {
  return `${publicUrl}/t/c/${trackedToken(secrets, { ...input, kind: 'click' })}`;
}

/** The token of a tracking link (what follows /t/o/ or /t/c/). */
export function trackedToken(
  secrets: Secrets,
  input: TrackedLinkInput & { kind: TrackedKind; link: number | null },
): string {
  const payload: TrackedPayload = {
    kind: input.kind,
    campaignId: input.campaignId,
    deliveryId: input.deliveryId,
    variant: input.deliveryId === null ? { ...input.variant } : null,
    link: input.kind === 'click' ? input.link : null,
  };
  const problem = invalid(payload);
  if (problem) throw new TypeError(`tracking link: ${problem}`);
  const body = encode(payload);
  const tag = secrets.mac(purposeOf(payload.kind), body).subarray(0, TAG_BYTES);
  return Buffer.concat([body, tag]).toString('base64url');
}

/**
 * The payload of a token we signed, or null for anything else: tampered, truncated, extended,
 * not canonical base64url, with a NUL or another foreign character, signed for another purpose,
 * or — when `expected` is given — of the other kind.
 */
export function readTracked(
  secrets: Secrets,
  token: string,
  expected?: TrackedKind,
): TrackedPayload | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return null;
  const bytes = Buffer.from(token, 'base64url');
  // Only the canonical encoding: Buffer skips characters outside the alphabet (a NUL, "=", "."),
  // and the last character has unused bits; either way the token is not what we wrote.
  if (bytes.toString('base64url') !== token || bytes.length <= TAG_BYTES + 1) return null;
  const body = bytes.subarray(0, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const kind: TrackedKind = (body[0]! & FLAG_CLICK) !== 0 ? 'click' : 'open';
  if (expected && kind !== expected) return null;
  const wanted = secrets.mac(purposeOf(kind), body).subarray(0, TAG_BYTES);
  if (!timingSafeEqual(tag, wanted)) return null;
  // Signed by us, so well-formed unless the format changed: check anyway. The reader takes only
  // the one encoding `encode` writes, so a payload has one token.
  const payload = decode(body);
  if (!payload || invalid(payload)) return null;
  return payload;
}

const isId = (n: number | null) => n !== null && Number.isSafeInteger(n) && n > 0;

function invalid(p: TrackedPayload): string | undefined {
  if (!isId(p.campaignId)) return 'campaignId must be a positive integer';
  if (p.deliveryId !== null && !isId(p.deliveryId)) return 'deliveryId must be a positive integer';
  if (p.kind === 'click' && !(Number.isSafeInteger(p.link) && p.link! >= 0))
    return 'link must be an index';
  if (p.kind === 'open' && p.link !== null) return 'an open has no link';
  if ((p.deliveryId === null) !== (p.variant !== null)) return 'variant only without delivery';
  if (p.variant) {
    for (const key of [p.variant.language, p.variant.region, p.variant.role]) {
      if (key === null) continue;
      if (typeof key !== 'string' || !/^[\p{L}\p{N}_.-]+$/u.test(key))
        return 'variant keys are letters, digits, _ . -';
      if (Buffer.byteLength(key) > MAX_KEY_BYTES) return 'variant key too long';
    }
  }
  return undefined;
}

function encode(p: TrackedPayload): Buffer {
  const out: number[] = [];
  const flags =
    (p.kind === 'click' ? FLAG_CLICK : 0) |
    (p.deliveryId !== null ? FLAG_DELIVERY : 0) |
    (p.variant?.region != null ? FLAG_REGION : 0) |
    (p.variant?.role != null ? FLAG_ROLE : 0);
  out.push((VERSION << 4) | flags);
  varint(out, p.campaignId);
  if (p.deliveryId !== null) varint(out, p.deliveryId);
  if (p.variant) {
    for (const key of [p.variant.language, p.variant.region, p.variant.role]) {
      if (key === null) continue;
      const bytes = Buffer.from(key, 'utf8');
      varint(out, bytes.length);
      out.push(...bytes);
    }
  }
  if (p.link !== null) varint(out, p.link);
  return Buffer.from(out);
}

/** Reads a token's body from the front; null at anything we would not have written. */
class BodyReader {
  at = 0;
  constructor(private readonly body: Buffer) {}

  get done(): boolean {
    return this.at === this.body.length;
  }

  byte(): number | null {
    return this.at < this.body.length ? this.body[this.at++]! : null;
  }

  /** A varint in its shortest form (no trailing zero group): the one `varint` writes. */
  varint(): number | null {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.at >= this.body.length || scale > 2 ** 49) return null;
      const byte = this.body[this.at++]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && scale > 1) return null;
        return Number.isSafeInteger(value) ? value : null;
      }
      scale *= 128;
    }
  }

  /** A variant key: its length, then UTF-8 (the fatal decoder refuses overlong forms). */
  key(): string | null {
    const length = this.varint();
    if (length === null || length === 0 || this.at + length > this.body.length) return null;
    const bytes = this.body.subarray(this.at, (this.at += length));
    try {
      return utf8.decode(bytes);
    } catch {
      return null;
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(body: Buffer): TrackedPayload | null {
  const read = new BodyReader(body);
  const header = read.byte();
  if (header === null || header >> 4 !== VERSION) return null;
  const campaignId = read.varint();
  if (campaignId === null) return null;
  let deliveryId: number | null = null;
  let variant: TrackedVariant | null = null;
  if (header & FLAG_DELIVERY) {
    deliveryId = read.varint();
    if (deliveryId === null || header & (FLAG_REGION | FLAG_ROLE)) return null;
  } else {
    const language = read.key();
    const region = header & FLAG_REGION ? read.key() : null;
    const role = header & FLAG_ROLE ? read.key() : null;
    if (language === null) return null;
    if (header & FLAG_REGION && region === null) return null;
    if (header & FLAG_ROLE && role === null) return null;
    variant = { language, region, role };
  }
  const kind: TrackedKind = header & FLAG_CLICK ? 'click' : 'open';
  let link: number | null = null;
  if (kind === 'click') {
    link = read.varint();
    if (link === null) return null;
  }
  if (!read.done) return null;
  return { kind, campaignId, deliveryId, variant, link };
}

function varint(out: number[], n: number): void {
  let rest = n;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}
