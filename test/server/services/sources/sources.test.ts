import { describe, expect, it } from 'vitest';
import { Secrets } from '../../../../server/infra/security.js';
import {
  attributionToken,
  DIRECT_SOURCE,
  knownSource,
  readSource,
  referralToken,
  sourceParams,
} from '../../../../server/services/sources/index.js';

const secrets = new Secrets('a-test-secret-key-of-enough-length-0123456789');
const other = new Secrets('another-secret-key-of-enough-length-987654321');

describe('readSource', () => {
  it('reads a newsletter link as the edition and its campaign', () => {
    expect(readSource(secrets, { ed: '4', cp: '9' })).toEqual({
      ...DIRECT_SOURCE,
      kind: 'edition',
      editionId: 4,
      campaignId: 9,
    });
  });

  it('reads the archive page, an event page and a flyer code', () => {
    expect(readSource(secrets, { ed: '4', from: 'archive' })).toMatchObject({
      kind: 'archive',
      editionId: 4,
      campaignId: null,
    });
    expect(readSource(secrets, { ev: '12' })).toMatchObject({ kind: 'event', eventId: 12 });
    expect(readSource(secrets, { src: 'Flyer-Harz' })).toMatchObject({
      kind: 'code',
      code: 'flyer-harz',
    });
  });

  it('reads a recommendation as the recommending subscriber, with the campaign it came in', () => {
    const ref = referralToken(secrets, 31);
    expect(readSource(secrets, { ref, ed: '4', cp: '9' })).toMatchObject({
      kind: 'referral',
      referredBy: 31,
      editionId: 4,
      campaignId: 9,
    });
    // From the archive or passed on by hand: no campaign.
    expect(readSource(secrets, { ref, ed: '4', from: 'archive' }).campaignId).toBeNull();
    expect(readSource(secrets, { ref, cp: '9' }).campaignId).toBeNull();
  });

  it('drops a tampered or foreign recommendation and attribution, and odd ids and codes', () => {
    const ref = referralToken(other, 31);
    const who = attributionToken(secrets, 31);
    expect(readSource(secrets, { ref, who: who.slice(0, -2) + 'xx' })).toEqual(DIRECT_SOURCE);
    // A referral token is not an attribution token, nor the other way round.
    expect(readSource(secrets, { who: referralToken(secrets, 31) }).subscriberId).toBeNull();
    expect(readSource(secrets, { ref: who }).kind).toBe('direct');
    expect(readSource(secrets, { ed: '4x', ev: '-1', src: '<script>' })).toEqual(DIRECT_SOURCE);
    expect(readSource(secrets, { ed: ['5', '6'] }).editionId).toBe(5);
    expect(readSource(secrets, { ed: 5 })).toEqual(DIRECT_SOURCE);
    expect(readSource(secrets, null)).toEqual(DIRECT_SOURCE);
  });

  it('refuses a recommendation link after two years', () => {
    const issued = Date.UTC(2026, 0, 1);
    const ref = referralToken(secrets, 31, issued);
    expect(readSource(secrets, { ref }, issued + 700 * 86_400_000).referredBy).toBe(31);
    expect(readSource(secrets, { ref }, issued + 731 * 86_400_000).referredBy).toBeNull();
  });

  it('carries a source on through its parameters unchanged', () => {
    const source = readSource(secrets, {
      ref: referralToken(secrets, 31),
      who: attributionToken(secrets, 7),
      ed: '4',
      src: 'flyer',
    });
    expect(readSource(secrets, sourceParams(source, secrets))).toEqual(source);
  });

  it('keeps what still exists, and the campaign only where the source names one', () => {
    const ref = referralToken(secrets, 31);
    const all = {
      edition: () => true,
      campaign: () => true,
      event: () => true,
      subscriber: () => true,
    };
    const fromMail = readSource(secrets, { ref, ed: '4', cp: '9' });
    expect(knownSource(fromMail, all)).toMatchObject({ kind: 'referral', campaignId: 9 });
    // The recommending person erased since: an edition link, still of its campaign.
    expect(knownSource(fromMail, { ...all, subscriber: () => false })).toMatchObject({
      kind: 'edition',
      referredBy: null,
      campaignId: 9,
    });
    // The edition deleted: neither it nor its campaign.
    expect(knownSource(fromMail, { ...all, edition: () => false })).toMatchObject({
      kind: 'referral',
      editionId: null,
      campaignId: null,
    });
  });
});
