import { describe, expect, it } from 'vitest';
import { Secrets } from '../../../../server/infra/security.js';
import {
  openPixelUrl,
  readTracked,
  trackedClickUrl,
  trackedToken,
} from '../../../../server/services/tracking/links.js';

const secrets = new Secrets('a-test-secret-key-of-enough-length-0123456789');
const publicUrl = 'https://news.example.org';
const variant = { language: 'de', region: 'nord-ost', role: 'ehrenamt' };

/** The token of a URL under /t/o/ or /t/c/. */
const tokenOf = (url: string, kind: 'o' | 'c') => {
  const prefix = `${publicUrl}/t/${kind}/`;
  expect(url.startsWith(prefix), url).toBe(true);
  return url.slice(prefix.length);
};

describe('tracking links', () => {
  it('round-trip a click of a delivery: campaign, delivery and link index, no variant', () => {
    const url = trackedClickUrl(secrets, publicUrl, {
      campaignId: 42,
      deliveryId: 123_456,
      variant,
      link: 7,
    });
    expect(readTracked(secrets, tokenOf(url, 'c'))).toEqual({
      kind: 'click',
      campaignId: 42,
      deliveryId: 123_456,
      variant: null,
      link: 7,
    });
    expect(readTracked(secrets, tokenOf(url, 'c'), 'click')?.link).toBe(7);
  });

  it('round-trip the open pixel of a delivery', () => {
    const url = openPixelUrl(secrets, publicUrl, { campaignId: 42, deliveryId: 9, variant });
    expect(readTracked(secrets, tokenOf(url, 'o'), 'open')).toEqual({
      kind: 'open',
      campaignId: 42,
      deliveryId: 9,
      variant: null,
      link: null,
    });
  });

  it('carry only campaign and variant for people without tracking consent', () => {
    const click = trackedClickUrl(secrets, publicUrl, {
      campaignId: 3,
      deliveryId: null,
      variant,
      link: 0,
    });
    expect(readTracked(secrets, tokenOf(click, 'c'))).toEqual({
      kind: 'click',
      campaignId: 3,
      deliveryId: null,
      variant,
      link: 0,
    });
    const plain = { language: 'uk', region: null, role: null };
    const open = openPixelUrl(secrets, publicUrl, {
      campaignId: 3,
      deliveryId: null,
      variant: plain,
    });
    expect(readTracked(secrets, tokenOf(open, 'o'))).toEqual({
      kind: 'open',
      campaignId: 3,
      deliveryId: null,
      variant: plain,
      link: null,
    });
    const roleOnly = { language: 'ar', region: null, role: 'fachkraft' };
    const token = trackedToken(secrets, {
      kind: 'click',
      campaignId: 3,
      deliveryId: null,
      variant: roleOnly,
      link: 2,
    });
    expect(readTracked(secrets, token)?.variant).toEqual(roleOnly);
    // Two people without consent who got the same variant get the same link: nothing in it
    // tells them apart.
    expect(
      trackedClickUrl(secrets, publicUrl, { campaignId: 3, deliveryId: null, variant, link: 0 }),
    ).toBe(click);
  });

  it('keep large ids exact', () => {
    const token = trackedToken(secrets, {
      kind: 'click',
      campaignId: Number.MAX_SAFE_INTEGER,
      deliveryId: 2 ** 40 + 1,
      variant,
      link: 65_536,
    });
    expect(readTracked(secrets, token)).toMatchObject({
      campaignId: Number.MAX_SAFE_INTEGER,
      deliveryId: 2 ** 40 + 1,
      link: 65_536,
    });
  });

  it('refuse to make a link of nonsense', () => {
    const base = { campaignId: 1, deliveryId: 1, variant, link: 0 };
    for (const bad of [
      { ...base, campaignId: 0 },
      { ...base, campaignId: 1.5 },
      { ...base, deliveryId: -1 },
      { ...base, link: -1 },
      { ...base, link: Number.NaN },
      { ...base, deliveryId: null, variant: { ...variant, language: 'd\u0000e' } },
      { ...base, deliveryId: null, variant: { ...variant, region: '' } },
      { ...base, deliveryId: null, variant: { ...variant, role: 'x'.repeat(65) } },
    ])
      expect(() => trackedClickUrl(secrets, publicUrl, bad), JSON.stringify(bad)).toThrow();
  });

  it('stay short: a click of a delivery fits in 28 characters, with a variant in 56', () => {
    // A large installation: campaign 5,000, delivery 20 million, link 150.
    const click = trackedToken(secrets, {
      kind: 'click',
      campaignId: 5_000,
      deliveryId: 20_000_000,
      variant,
      link: 150,
    });
    expect(click.length).toBeLessThanOrEqual(28);
    const anonymous = trackedToken(secrets, {
      kind: 'click',
      campaignId: 5_000,
      deliveryId: null,
      variant,
      link: 150,
    });
    expect(anonymous.length).toBeLessThanOrEqual(56);
    const worst = trackedToken(secrets, {
      kind: 'click',
      campaignId: Number.MAX_SAFE_INTEGER,
      deliveryId: Number.MAX_SAFE_INTEGER,
      variant,
      link: Number.MAX_SAFE_INTEGER,
    });
    expect(worst.length).toBeLessThanOrEqual(56);
    // An unsubscribe link's JSON token, for comparison, is about 90 characters.
    expect(
      secrets.sign('unsubscribe', { s: 20_000_000, l: 3, e: 2_000_000_000 }).length,
    ).toBeGreaterThan(2 * click.length);
  });
});

describe('reading a tracking token', () => {
  const token = trackedToken(secrets, {
    kind: 'click',
    campaignId: 42,
    deliveryId: 123_456,
    variant,
    link: 7,
  });
  const bytes = Buffer.from(token, 'base64url');

  it('refuses any changed byte', () => {
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [1, 0x80]) {
        const changed = Buffer.from(bytes);
        changed[i] = changed[i]! ^ flip;
        expect(readTracked(secrets, changed.toString('base64url')), `byte ${i}`).toBeNull();
      }
    }
  });

  it('refuses truncated and extended tokens', () => {
    for (let n = 0; n < token.length; n++)
      expect(readTracked(secrets, token.slice(0, n))).toBeNull();
    expect(readTracked(secrets, `${token}A`)).toBeNull();
    expect(
      readTracked(secrets, Buffer.concat([bytes, Buffer.from([0])]).toString('base64url')),
    ).toBeNull();
    expect(readTracked(secrets, `${token}.x`)).toBeNull();
  });

  it('refuses NULs, padding, other alphabets and overlong input', () => {
    expect(readTracked(secrets, `${token}\u0000`)).toBeNull();
    expect(readTracked(secrets, `${token.slice(0, 5)}\u0000${token.slice(5)}`)).toBeNull();
    expect(readTracked(secrets, `${token}=`)).toBeNull();
    expect(readTracked(secrets, bytes.toString('base64'))).toBeNull();
    expect(readTracked(secrets, ` ${token}`)).toBeNull();
    expect(readTracked(secrets, 'A'.repeat(10_000))).toBeNull();
    expect(readTracked(secrets, '')).toBeNull();
    expect(readTracked(secrets, undefined as unknown as string)).toBeNull();
  });

  it('refuses a second spelling of the same bytes', () => {
    // The last base64url character carries unused bits when the length is not a multiple of 3;
    // setting them gives another string that decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spellings = alphabet
      .split('')
      .map((c) => token.slice(0, -1) + c)
      .filter((t) => t !== token && Buffer.from(t, 'base64url').equals(bytes));
    if (bytes.length % 3 !== 0) expect(spellings.length).toBeGreaterThan(0);
    for (const t of spellings) expect(readTracked(secrets, t)).toBeNull();
  });

  it('refuses a second encoding of the same payload, even when signed', () => {
    const signed = (body: number[]) => {
      const b = Buffer.from(body);
      return Buffer.concat([b, secrets.mac('tracking-click', b).subarray(0, 12)]).toString(
        'base64url',
      );
    };
    // Version 1, a click with a delivery: campaign 42, delivery 5, link 7.
    expect(readTracked(secrets, signed([0x13, 42, 5, 7]))).toEqual({
      kind: 'click',
      campaignId: 42,
      deliveryId: 5,
      variant: null,
      link: 7,
    });
    // 42 as two varint bytes, with an empty last group.
    expect(readTracked(secrets, signed([0x13, 42 | 0x80, 0, 5, 7]))).toBeNull();
    expect(readTracked(secrets, signed([0x13, 42, 5, 7 | 0x80, 0x80, 0]))).toBeNull();
    // Trailing bytes, a missing link.
    expect(readTracked(secrets, signed([0x13, 42, 5, 7, 0]))).toBeNull();
    expect(readTracked(secrets, signed([0x13, 42, 5]))).toBeNull();
  });

  it('refuses tokens signed under another key', () => {
    const foreign = new Secrets('another-installation-secret-key-0123456789');
    expect(readTracked(foreign, token)).toBeNull();
    expect(
      readTracked(
        secrets,
        trackedToken(foreign, {
          kind: 'click',
          campaignId: 42,
          deliveryId: 123_456,
          variant,
          link: 7,
        }),
      ),
    ).toBeNull();
  });

  it('refuses tokens signed for another purpose', () => {
    // An open token relabelled as a click: the click key does not verify it.
    const open = Buffer.from(
      trackedToken(secrets, {
        kind: 'open',
        campaignId: 42,
        deliveryId: 123_456,
        variant,
        link: null,
      }),
      'base64url',
    );
    const asClick = Buffer.from(open);
    asClick[0] = asClick[0]! | 1;
    expect(readTracked(secrets, asClick.toString('base64url'))).toBeNull();
    // An open token where a click is expected, and the other way round.
    expect(readTracked(secrets, open.toString('base64url'), 'click')).toBeNull();
    expect(readTracked(secrets, token, 'open')).toBeNull();
    // The click's bytes tagged with the open key; and an unsubscribe token.
    const body = bytes.subarray(0, bytes.length - 12);
    expect(
      readTracked(
        secrets,
        Buffer.concat([body, secrets.mac('tracking-open', body).subarray(0, 12)]).toString(
          'base64url',
        ),
      ),
    ).toBeNull();
    expect(
      readTracked(secrets, secrets.sign('unsubscribe', { s: 1, e: 2_000_000_000 })),
    ).toBeNull();
  });
});
