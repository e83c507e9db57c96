/**
 * Opens and clicks on the real runtime: a campaign goes to a person with tracking consent and
 * one without; their mails carry the pixel and tracked links; real request patterns (a person
 * on a phone, Apple's and Google's proxies, Microsoft's link scanner) are counted apart; tampered
 * or foreign tokens are 404s that count nothing; tracking can be switched off; the archive
 * never tracks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secrets } from '../../../../server/infra/security.js';
import type { Actor } from '../../../../server/services/context.js';
import { readSource } from '../../../../server/services/sources/index.js';
import { HOLD_MS, type CampaignStats } from '../../../../server/services/tracking/index.js';
import { readTracked, trackedToken } from '../../../../server/services/tracking/links.js';
import { apiClient, makeToken } from '../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { setUpSender } from '../../../helpers/campaign.js';
import { harz } from '../../../helpers/edition.js';
import type { ReceivedMail } from '../../../helpers/smtp-sink.js';

const cli: Actor = { kind: 'cli' };
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1';
const PHONE_MAIL =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const DEFENDER =
  'Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.79 Safari/537.36';
const GOOGLE_PROXY =
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const FUNDING_URL = 'https://foerderung.example/programm?land=st&jahr=2027';

let t: TestApp;
const secrets = () => new Secrets(t.runtime.config.secretKey);
let viewer: string;
let publicUrl: string;
const api = apiClient(() => t);

interface Sent {
  campaignId: number;
  mails: Map<string, ReceivedMail>;
}

/** A new edition with links of every kind, sent to these people; their mails by address. */
async function send(people: { email: string; consent: boolean }[]): Promise<Sent> {
  const sql = t.runtime.database.sqlite;
  const { items, editions, reference, campaigns } = t.runtime.services;
  const list = reference.lists.create(
    {
      name: `Liste ${Date.now()}`,
      description: '',
      isPublic: false,
      doubleOptIn: true,
      defaultLanguage: 'de',
    },
    cli,
  );
  if (list.kind !== 'saved') throw new Error(JSON.stringify(list));
  for (const p of people) {
    const id = sql
      .prepare(
        "insert into subscribers (email, name, language, region_key, status, confirmed_at, tracking_consent) values (?, 'Alex', 'de', ?, 'confirmed', ?, ?)",
      )
      .run(p.email, harz, Date.now(), p.consent ? 1 : 0).lastInsertRowid;
    sql
      .prepare(
        "insert into subscriptions (subscriber_id, list_id, status) values (?, ?, 'confirmed')",
      )
      .run(id, list.list.id);
  }
  const ids: number[] = [];
  for (const input of [
    {
      type: 'funding' as const,
      title: 'Förderprogramm Land',
      description: 'Mehr unter [Richtlinie](https://foerderung.example/richtlinie).',
      fields: { url: FUNDING_URL },
    },
  ]) {
    const item = items.create({ ...input, regions: [] }, cli);
    if (item.kind !== 'saved') throw new Error(JSON.stringify(item));
    ids.push(item.item.id);
  }
  const edition = editions.create(
    { title: 'Ausgabe', subject: 'Landnetz aktuell', items: ids },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error(JSON.stringify(edition));
  const created = campaigns.create({ editionId: edition.edition.id, listIds: [list.list.id] }, cli);
  if (created.kind !== 'saved') throw new Error(JSON.stringify(created));
  const before = t.smtp.messages.length;
  const started = await campaigns.start(created.campaign.id, cli);
  if (started.kind !== 'started') throw new Error(JSON.stringify(started));
  for (let waited = 0; campaigns.find(created.campaign.id)?.status !== 'sent'; waited += 100) {
    if (waited > 30_000) throw new Error('campaign not sent within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const arrived = await t.smtp.waitForCount(before + people.length);
  const mails = new Map<string, ReceivedMail>();
  for (const mail of arrived.slice(before)) mails.set(mail.envelopeTo[0]!, mail);
  // Delivered a minute ago: nothing below counts as "too soon after delivery".
  sql
    .prepare('update deliveries set sent_at = ? where campaign_id = ?')
    .run(Date.now() - 60_000, created.campaign.id);
  return { campaignId: created.campaign.id, mails };
}

const tokens = (html: string, kind: 'o' | 'c') =>
  [...html.matchAll(new RegExp(`${publicUrl}/t/${kind}/([A-Za-z0-9_-]+)`, 'g'))].map((m) => m[1]!);

async function hit(
  path: string,
  opts: {
    agent?: string;
    ip?: string;
    method?: 'GET' | 'HEAD';
    headers?: Record<string, string>;
  } = {},
) {
  return t.app.inject({
    method: opts.method ?? 'GET',
    url: path,
    remoteAddress: opts.ip ?? '198.51.100.23',
    headers: { ...(opts.agent ? { 'user-agent': opts.agent } : {}), ...opts.headers },
  });
}

/** Where each tracked link of a mail goes, by target URL (asked with HEAD: counts nothing). */
async function linksOf(mail: ReceivedMail): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const token of tokens(mail.html ?? '', 'c')) {
    const res = await hit(`/t/c/${token}`, { method: 'HEAD', agent: PHONE });
    if (res.statusCode === 302)
      out.set(
        new URL(res.headers.location as string).pathname === '/signup'
          ? 'signup'
          : (res.headers.location as string),
        token,
      );
  }
  return out;
}

const flush = () => t.runtime.services.tracking.flush(Date.now() + HOLD_MS + 1);
const eventRows = (campaignId: number) =>
  t.runtime.database.sqlite
    .prepare(
      'select kind, class, reason, delivery_id as deliveryId, region_key as region, device from tracking_events where campaign_id = ? order by id',
    )
    .all(campaignId) as {
    kind: string;
    class: string;
    reason: string;
    deliveryId: number | null;
    region: string;
    device: string | null;
  }[];

beforeAll(async () => {
  t = await startTestApp();
  publicUrl = t.runtime.config.publicUrl;
  setUpSender(t.runtime);
  viewer = makeToken(t, 'board', 'viewer');
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('open and click tracking', () => {
  let sent: Sent;
  let withConsent: ReceivedMail;
  let without: ReceivedMail;

  beforeAll(async () => {
    sent = await send([
      { email: 'mit@example.org', consent: true },
      { email: 'ohne@example.org', consent: false },
    ]);
    withConsent = sent.mails.get('mit@example.org')!;
    without = sent.mails.get('ohne@example.org')!;
  }, 60_000);

  it('puts a pixel and tracked links in every mail, naming the person only with consent', () => {
    for (const mail of [withConsent, without]) {
      expect(tokens(mail.html!, 'o')).toHaveLength(1);
      expect(tokens(mail.html!, 'c').length).toBeGreaterThanOrEqual(3);
      // No target is linked directly, in the HTML or in the text part.
      expect(mail.html).not.toContain('foerderung.example');
      expect(mail.text).not.toContain('foerderung.example');
      expect(mail.text).toContain(`${publicUrl}/t/c/`);
    }
    const mine = readTracked(secrets(), tokens(withConsent.html!, 'o')[0]!, 'open');
    const anonymous = readTracked(secrets(), tokens(without.html!, 'o')[0]!, 'open');
    expect(mine).toMatchObject({ campaignId: sent.campaignId, variant: null });
    expect(mine!.deliveryId).toBeGreaterThan(0);
    expect(anonymous).toMatchObject({
      campaignId: sent.campaignId,
      deliveryId: null,
      variant: { language: 'de', region: harz, role: null },
    });
    // Unsubscribe and preferences links stay direct.
    expect(without.html).toContain(`${publicUrl}/u/`);
  });

  it('redirects to the link as it was in the edition, and writes nothing until the batch', async () => {
    const links = await linksOf(without);
    const token = links.get(FUNDING_URL)!;
    expect(token).toBeDefined();
    const res = await hit(`/t/c/${token}`, { agent: PHONE });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(FUNDING_URL);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(eventRows(sent.campaignId)).toHaveLength(0);
    expect(flush()).toBe(1);
    expect(eventRows(sent.campaignId)).toEqual([
      {
        kind: 'click',
        class: 'human',
        reason: 'person',
        deliveryId: null,
        region: harz,
        device: 'mobile',
      },
    ]);
  });

  it('tells people, proxies and scanners apart and never sums them', async () => {
    const pixel = (mail: ReceivedMail) => `/t/o/${tokens(mail.html!, 'o')[0]}`;
    const gif = await hit(pixel(withConsent), { agent: PHONE_MAIL });
    expect(gif.statusCode).toBe(200);
    expect(gif.headers['content-type']).toBe('image/gif');
    await hit(pixel(withConsent), { agent: PHONE_MAIL }); // read again: one person
    await hit(pixel(withConsent), { agent: 'Mozilla/5.0', ip: '172.224.224.5' }); // Apple MPP
    await hit(pixel(without), { agent: GOOGLE_PROXY, ip: '66.249.84.13' });
    await hit(pixel(without), { agent: PHONE_MAIL, method: 'HEAD' }); // never counts
    await hit(pixel(without), { agent: PHONE_MAIL, headers: { purpose: 'prefetch' } });
    // Microsoft's Safe Links opens every link of the mail within a second.
    const links = await linksOf(withConsent);
    for (const token of links.values())
      await hit(`/t/c/${token}`, { agent: DEFENDER, ip: '40.107.218.12' });
    await hit(`/t/c/${links.get(FUNDING_URL)}`, { agent: PHONE });
    flush();
    const res = await api('GET', `/campaigns/${sent.campaignId}/stats`, viewer);
    expect(res.statusCode).toBe(200);
    const stats = res.json<CampaignStats>();
    expect(stats.delivered).toBe(2);
    expect(stats.opens).toEqual({ human: 2, machine: 2, unique_human: 1 });
    expect(stats.clicks.human).toBe(2);
    expect(stats.clicks.scanner).toBe(links.size);
    expect(stats.clicks.unique_human).toBe(1);
    expect(stats.clicks.by_link.find((l) => l.url === FUNDING_URL)).toEqual({
      url: FUNDING_URL,
      human: 2,
      scanner: 1,
    });
    const reasons = eventRows(sent.campaignId).map((r) => `${r.kind}:${r.class}:${r.reason}`);
    expect(reasons).toContain('open:machine:apple-mpp');
    expect(reasons).toContain('open:machine:google-proxy');
  });

  it('counts the hidden trap link as a scanner and sends it home', async () => {
    const trap = /<a href="([^"]+)"[^>]*aria-hidden="true"/.exec(without.html!)?.[1];
    expect(trap).toMatch(/\/t\/c\//);
    const res = await hit(new URL(trap!).pathname, { agent: PHONE });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`${publicUrl}/`);
    flush();
    expect(eventRows(sent.campaignId).at(-1)).toMatchObject({
      kind: 'click',
      class: 'scanner',
      reason: 'trap',
    });
  });

  it('answers tampered and foreign tokens with a 404 page: no redirect, nothing counted', async () => {
    const before = eventRows(sent.campaignId).length;
    const token = [...(await linksOf(without)).values()][0]!;
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    const bad = [
      `/t/c/${flipped}`,
      `/t/c/${token}x`,
      `/t/c/${token.slice(0, -3)}`,
      `/t/c/${encodeURIComponent(token + '\u0000')}`,
      `/t/o/${token}`, // a click token is no pixel
      `/t/c/${tokens(without.html!, 'o')[0]}`, // nor a pixel token a click
      // A link of this campaign in a token of another: signed, but never in that campaign's mails.
      `/t/c/${trackedToken(secrets(), {
        kind: 'click',
        campaignId: sent.campaignId + 1000,
        deliveryId: null,
        variant: { language: 'de', region: null, role: null },
        link: readTracked(secrets(), token, 'click')!.link,
      })}`,
    ];
    for (const path of bad) {
      const res = await hit(path, { agent: PHONE, headers: { accept: 'text/html' } });
      expect(res.statusCode, path).toBe(404);
      expect(res.headers.location, path).toBeUndefined();
    }
    const page = await hit(`/t/c/${flipped}`, { agent: PHONE, headers: { accept: 'text/html' } });
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Link unbekannt');
    flush();
    expect(eventRows(sent.campaignId)).toHaveLength(before);
  });

  it("turns the recommendation link into the person's own, only with their consent", async () => {
    const mine = (await linksOf(withConsent)).get('signup')!;
    const res = await hit(`/t/c/${mine}`, { agent: PHONE });
    const target = new URL(res.headers.location as string);
    expect(target.searchParams.get('recommend')).toBeNull();
    const source = readSource(secrets(), Object.fromEntries(target.searchParams));
    const subscriberId = t.runtime.database.sqlite
      .prepare("select id from subscribers where email = 'mit@example.org'")
      .pluck()
      .get();
    expect(source).toMatchObject({
      kind: 'referral',
      referredBy: subscriberId,
      campaignId: sent.campaignId,
    });
    expect(target.searchParams.get('cp')).toBe(String(sent.campaignId));
    const theirs = (await linksOf(without)).get('signup')!;
    const plain = new URL(
      (await hit(`/t/c/${theirs}`, { agent: PHONE })).headers.location as string,
    );
    // The generic link of the edition: its campaign, no person.
    expect(plain.searchParams.get('recommend')).toBe('1');
    expect(plain.searchParams.get('cp')).toBe(String(sent.campaignId));
    expect(plain.searchParams.get('ref')).toBeNull();
    expect(readSource(secrets(), Object.fromEntries(plain.searchParams))).toMatchObject({
      kind: 'edition',
      campaignId: sent.campaignId,
      referredBy: null,
    });
  });

  it('stops naming a person whose consent was withdrawn after the send', async () => {
    t.runtime.database.sqlite
      .prepare("update subscribers set tracking_consent = 0 where email = 'mit@example.org'")
      .run();
    await hit(`/t/o/${tokens(withConsent.html!, 'o')[0]}`, { agent: PHONE_MAIL });
    flush();
    expect(
      eventRows(sent.campaignId)
        .filter((r) => r.kind === 'open')
        .at(-1),
    ).toMatchObject({ kind: 'open', class: 'human', deliveryId: null });
  });

  it('never tracks the archive', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/archive' });
    const slug = /href="\/archive\/(\d+-[^"?]+)/.exec(list.body)?.[1];
    expect(slug).toBeDefined();
    const page = await t.app.inject({ method: 'GET', url: `/archive/${slug}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('foerderung.example');
    expect(page.body).not.toContain('/t/o/');
    expect(page.body).not.toContain('/t/c/');
  });

  it('sends plain links and no pixel once tracking is switched off', async () => {
    t.runtime.services.tracking.setEnabled(false, cli);
    try {
      const off = await send([{ email: 'aus@example.org', consent: true }]);
      const mail = off.mails.get('aus@example.org')!;
      expect(mail.html).not.toContain('/t/o/');
      expect(mail.html).not.toContain('/t/c/');
      expect(mail.text).not.toContain('/t/c/');
      expect(mail.html).toContain(FUNDING_URL.replace(/&/g, '&amp;'));
    } finally {
      t.runtime.services.tracking.setEnabled(true, cli);
    }
  });

  it('answers stats for an unknown campaign with a 404 and without a token with a 401', async () => {
    expect((await api('GET', '/campaigns/999999/stats', viewer)).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${sent.campaignId}/stats` }))
        .statusCode,
    ).toBe(401);
  });
});
