/**
 * A campaign end to end on the real runtime (web and workers in one process, the run's
 * redis-server, a fresh SQLite file, a recording SMTP server): the audience is fixed once,
 * every person gets the edition once with the headers COMPLIANCE.md asks for, in their
 * variant; nobody gets the same edition from a second campaign; pause, resume and cancel
 * take effect; two clicks on "send" start one campaign.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../server/cli.js';
import type { Actor } from '../../../../server/services/context.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { setUpSender } from '../../../helpers/campaign.js';
import { boerde, harz } from '../../../helpers/edition.js';

let t: TestApp;
const cli: Actor = { kind: 'cli' };
let editionId: number;
let segmentAll: number;
let segmentHarz: number;

const sql = () => t.runtime.database.sqlite;
const campaigns = () => t.runtime.services.campaigns;

function addSubscribers(
  n: number,
  from: number,
  extra: { region?: string; language?: string; status?: string } = {},
) {
  const insert = sql().prepare(
    'insert into subscribers (email, name, region_key, language, status, confirmed_at) values (?, ?, ?, ?, ?, ?)',
  );
  const ids: number[] = [];
  for (let i = from; i < from + n; i++) {
    const status = extra.status ?? 'confirmed';
    ids.push(
      Number(
        insert.run(
          `person${i}@example.org`,
          `Person ${i}`,
          extra.region ?? (i % 2 ? harz : boerde),
          extra.language ?? 'de',
          status,
          status === 'confirmed' ? Date.now() : null,
        ).lastInsertRowid,
      ),
    );
  }
  return ids;
}

/** A draft campaign of a new edition (the first edition's items) to one segment. */
function newCampaign(title: string, subject: string, segmentId: number): number {
  const edition = t.runtime.services.editions.create(
    {
      title,
      subject,
      items: t.runtime.services.editions.find(editionId)!.items.map((i) => i.id),
    },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error(JSON.stringify(edition));
  const created = campaigns().create(
    { editionId: edition.edition.id, segmentIds: [segmentId] },
    cli,
  );
  if (created.kind !== 'saved') throw new Error(JSON.stringify(created));
  return created.campaign.id;
}

async function waitForStatus(id: number, status: string, timeout = 30_000) {
  await expect.poll(() => campaigns().find(id)?.status, { timeout, interval: 100 }).toBe(status);
}

beforeAll(async () => {
  // Temporary failures are retried after 0.2 s, 0.4 s … instead of 10 s, 20 s …
  t = await startTestApp({ env: { SEND_RETRY_DELAY_MS: '200' } });
  setUpSender(t.runtime);
  const items = t.runtime.services.items;
  const ids: number[] = [];
  for (const [type, title, regions] of [
    ['funding', 'Förderprogramm Land', []],
    ['counselling', 'Beratung Harz', [harz]],
    ['counselling', 'Beratung Börde', [boerde]],
  ] as const) {
    const r = items.create({ type, title, regions: [...regions] }, cli);
    if (r.kind !== 'saved') throw new Error('item');
    ids.push(r.item.id);
  }
  const edition = t.runtime.services.editions.create(
    {
      title: 'Erste Ausgabe',
      subject: 'Landnetz Nr. 1',
      items: ids,
      translations: { ar: { subject: 'النشرة رقم 1' } },
    },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error(JSON.stringify(edition));
  editionId = edition.edition.id;
  const segs = t.runtime.services.reference.segments;
  const all = segs.create({ name: 'Alle', description: '', match: 'all', rules: [] }, cli);
  const inHarz = segs.create(
    { name: 'Harz', description: '', match: 'all', rules: [{ field: 'region', values: [harz] }] },
    cli,
  );
  if (all.kind !== 'saved' || inHarz.kind !== 'saved') throw new Error('segment');
  segmentAll = all.segment.id;
  segmentHarz = inHarz.segment.id;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('a campaign', () => {
  let first: number;
  let people: number[];

  it('sends the edition to its audience once each, in their variant, with the list headers', async () => {
    people = addSubscribers(40, 1);
    const [arabic] = addSubscribers(1, 100, { region: harz, language: 'ar' });
    addSubscribers(3, 200, { status: 'unconfirmed' });
    addSubscribers(2, 300, { status: 'unsubscribed' });
    people.push(arabic!);
    t.smtp.clear();
    const created = campaigns().create({ editionId, segmentIds: [segmentAll, segmentHarz] }, cli);
    if (created.kind !== 'saved') throw new Error(JSON.stringify(created));
    first = created.campaign.id;
    expect(campaigns().audience(first)).toMatchObject({ total: 41, alreadyReceived: 0 });

    // Two clicks at once start one campaign.
    const [a, b] = await Promise.all([
      campaigns().start(first, cli),
      campaigns().start(first, cli),
    ]);
    expect([a.kind, b.kind].sort()).toEqual(['started', 'state']);
    await waitForStatus(first, 'sent');

    const mails = await t.smtp.waitForCount(41);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.smtp.messages).toHaveLength(41);
    const recipients = mails.flatMap((m) => m.envelopeTo);
    expect(new Set(recipients).size).toBe(41);
    expect(campaigns().find(first)?.counts).toMatchObject({ sent: 41, queued: 0, failed: 0 });

    const harzMail = mails.find((m) => m.envelopeTo[0] === 'person1@example.org')!;
    const boerdeMail = mails.find((m) => m.envelopeTo[0] === 'person2@example.org')!;
    const arabicMail = mails.find((m) => m.envelopeTo[0] === 'person100@example.org')!;
    expect(harzMail.subject).toBe('Landnetz Nr. 1');
    expect(arabicMail.subject).toBe('النشرة رقم 1');
    expect(arabicMail.html).toContain('dir="rtl"');
    expect(harzMail.html).not.toBe(boerdeMail.html!.replace(/Person 2/g, 'Person 1'));
    expect(harzMail.text).toContain('Person 1');

    const h = harzMail.headers;
    expect(harzMail.from).toBe('"Landnetz Newsletter" <newsletter@landnetz.example>');
    expect(h.get('list-unsubscribe')).toMatch(
      /^<http:\/\/[^>]+\/u\/[A-Za-z0-9_.-]+>, <mailto:unsubscribe\+\d+\.[0-9a-f]{12}@landnetz\.example>$/,
    );
    expect(harzMail.rawHeaders).toMatch(/^List-Unsubscribe: <[^\r\n]+>, <mailto:[^\r\n]+>\r?$/m);
    expect(h.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(h.get('list-id')).toBe('Landnetz Sachsen-Anhalt <newsletter.landnetz.example>');
    expect(h.get('precedence')).toBe('bulk');
    expect(h.get('feedback-id')).toMatch(/^\d+:\d+:newsletter:landnetz\.example$/);
    expect(h.get('message-id')).toMatch(/^<lp\.\d+\.\d+\.[0-9a-f]{12}@landnetz\.example>$/);
    expect(harzMail.envelopeFrom).toMatch(/^bounces\+\d+\.[0-9a-f]{12}@landnetz\.example$/);
    // Valid RFC 5322 for every variant: CRLF only, no line over 998 octets, headers in ASCII
    // (the Arabic subject as an encoded word), a text part beside the HTML.
    for (const mail of [harzMail, boerdeMail, arabicMail]) {
      expect(mail.raw).not.toMatch(/[^\r]\n/);
      expect(
        Math.max(...mail.raw.split('\r\n').map((l) => Buffer.byteLength(l))),
      ).toBeLessThanOrEqual(998);
      expect(mail.rawHeaders).not.toMatch(/[^\t\r\n -~]/);
      for (const name of ['message-id', 'date', 'mime-version'])
        expect(mail.headers.has(name), name).toBe(true);
      expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative/);
      expect(mail.text).toBeTruthy();
    }

    // The ledger: one sent row per person, with the Message-ID that went out.
    const rows = sql()
      .prepare(
        'select subscriber_id, status, message_id, smtp_response from deliveries where campaign_id = ?',
      )
      .all(first) as {
      subscriber_id: number;
      status: string;
      message_id: string;
      smtp_response: string;
    }[];
    expect(rows.map((r) => r.subscriber_id).sort((x, y) => x - y)).toEqual(
      [...people].sort((x, y) => x - y),
    );
    expect(rows.every((r) => r.status === 'sent' && /^250/.test(r.smtp_response))).toBe(true);
    const sentIds = new Set(mails.map((m) => m.headers.get('message-id')));
    expect(rows.every((r) => sentIds.has(r.message_id))).toBe(true);
    expect(sql().prepare('select status from editions where id = ?').get(editionId)).toEqual({
      status: 'sent',
    });
  }, 60_000);

  it('a second campaign of the same edition reaches only the newcomers', async () => {
    const newcomers = addSubscribers(3, 400);
    t.smtp.clear();
    const created = campaigns().create({ editionId, segmentIds: [segmentAll] }, cli);
    if (created.kind !== 'saved') throw new Error('not created');
    expect(campaigns().audience(created.campaign.id)).toMatchObject({
      total: 3,
      alreadyReceived: 41,
    });
    expect(await campaigns().start(created.campaign.id, cli)).toEqual({
      kind: 'started',
      audience: 3,
    });
    await waitForStatus(created.campaign.id, 'sent');
    const mails = await t.smtp.waitForCount(3);
    expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual(
      newcomers.map((_, i) => `person${400 + i}@example.org`).sort(),
    );
  }, 60_000);

  it('pauses, resumes and cancels; a cancelled campaign skips what is still queued', async () => {
    // A fresh edition so that everybody is in the audience again.
    const id = newCampaign('Zweite Ausgabe', 'Landnetz Nr. 2', segmentAll);
    t.smtp.clear();
    // Paused before its fan-out runs: nothing goes out.
    await campaigns()
      .pause(id, cli)
      .catch(() => undefined);
    expect((await campaigns().start(id, cli)).kind).toBe('started');
    expect((await campaigns().pause(id, cli)).kind).toBe('saved');
    await new Promise((r) => setTimeout(r, 1_500));
    const whilePaused = t.smtp.messages.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(t.smtp.messages.length).toBe(whilePaused);
    expect(campaigns().find(id)?.status).toBe('paused');

    expect((await campaigns().resume(id, cli)).kind).toBe('saved');
    await waitForStatus(id, 'sent');
    const total = campaigns().find(id)!.counts.sent;
    expect(total).toBe(campaigns().find(id)!.audienceCount);
    expect(new Set(t.smtp.messages.flatMap((m) => m.envelopeTo)).size).toBe(total);
    expect(t.smtp.messages).toHaveLength(total);

    // Cancel: a draft campaign can be cancelled; a sent one cannot.
    expect((await campaigns().cancel(id, cli)).kind).toBe('state');
  }, 60_000);

  it('skips people who unsubscribe, are blocked or erased while it sends', async () => {
    const id = newCampaign('Vierte Ausgabe', 'Landnetz Nr. 4', segmentAll);
    t.smtp.clear();
    expect((await campaigns().start(id, cli)).kind).toBe('started');
    expect((await campaigns().pause(id, cli)).kind).toBe('saved');
    // Fanned out while paused: the batches are in the send queue, waiting.
    await expect
      .poll(() => campaigns().find(id)!.fanoutCursor, { timeout: 10_000 })
      .toBeGreaterThan(0);
    const origin = { actor: cli };
    const id3 = (
      sql().prepare("select id from subscribers where email = 'person3@example.org'").get() as {
        id: number;
      }
    ).id;
    const id4 = (
      sql().prepare("select id from subscribers where email = 'person4@example.org'").get() as {
        id: number;
      }
    ).id;
    const manage = t.runtime.services.subscribers.manage;
    expect(manage.block(origin, id3)).toBe(true);
    expect(manage.erase(origin, id4)).toBe(true);
    await campaigns().tick();
    expect((await campaigns().resume(id, cli)).kind).toBe('saved');
    await waitForStatus(id, 'sent');
    const got = t.smtp.messages.flatMap((m) => m.envelopeTo);
    expect(got).not.toContain('person3@example.org');
    expect(got).not.toContain('person4@example.org');
    const detail = campaigns().find(id)!;
    expect(detail.counts.skipped).toBe(2);
    expect(detail.counts.sent).toBe(detail.audienceCount - 2);
    expect(got).toHaveLength(detail.audienceCount - 2);
    const erased = sql()
      .prepare(
        'select subscriber_id, status, reason from deliveries where campaign_id = ? and subscriber_id is null',
      )
      .all(id);
    expect(erased).toEqual([
      {
        subscriber_id: null,
        status: 'skipped',
        reason: 'unsubscribed, blocked or erased meanwhile',
      },
    ]);
  }, 60_000);

  it('records recipients the relay refuses (550) as failed, sends the rest, and retries them', async () => {
    const id = newCampaign('Fünfte Ausgabe', 'Landnetz Nr. 5', segmentHarz);
    t.smtp.clear();
    t.smtp.failNext(550, '550 5.1.1 No such user');
    t.smtp.failNext(550, '550 5.1.1 No such user');
    expect((await campaigns().start(id, cli)).kind).toBe('started');
    await waitForStatus(id, 'sent');
    const audience = campaigns().find(id)!.audienceCount;
    expect(campaigns().find(id)!.counts).toMatchObject({ failed: 2, sent: audience - 2 });
    const failed = sql()
      .prepare("select reason from deliveries where campaign_id = ? and status = 'failed'")
      .all(id) as { reason: string }[];
    expect(failed).toHaveLength(2);
    expect(failed[0]!.reason).toMatch(/550/);
    expect(t.smtp.messages).toHaveLength(audience - 2);

    const retried = await campaigns().retryFailed(id, cli);
    expect(retried).toMatchObject({ kind: 'saved', requeued: 2 });
    await waitForStatus(id, 'sent');
    await t.smtp.waitForCount(audience);
    expect(campaigns().find(id)!.counts).toMatchObject({ failed: 0, sent: audience });
    expect(new Set(t.smtp.messages.flatMap((m) => m.envelopeTo)).size).toBe(audience);
  }, 60_000);

  it('retries temporary failures (451, 421) until the relay recovers: each person once', async () => {
    const id = newCampaign('Sechste Ausgabe', 'Landnetz Nr. 6', segmentAll);
    t.smtp.clear();
    t.smtp.failNext(451, '451 4.3.0 Try again later');
    t.smtp.failNext(451, '451 4.3.0 Try again later');
    t.smtp.failNext(421, '421 4.7.0 Too busy', 'data');
    expect((await campaigns().start(id, cli)).kind).toBe('started');
    await waitForStatus(id, 'sent');
    const detail = campaigns().find(id)!;
    expect(detail.counts).toMatchObject({ sent: detail.audienceCount, failed: 0, uncertain: 0 });
    const got = t.smtp.messages.flatMap((m) => m.envelopeTo);
    expect(got).toHaveLength(detail.audienceCount);
    expect(new Set(got).size).toBe(detail.audienceCount);
    const retried = sql()
      .prepare('select count(*) n from deliveries where campaign_id = ? and attempts > 1')
      .get(id) as { n: number };
    expect(retried.n).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a campaign without an audience or with unknown segments, and saves nothing', () => {
    const before = (sql().prepare('select count(*) n from campaigns').get() as { n: number }).n;
    expect(campaigns().create({ editionId, segmentIds: [] }, cli)).toEqual({
      kind: 'invalid',
      errors: { audience: 'campaigns.errors.audience' },
    });
    expect(campaigns().create({ editionId, segmentIds: [99_999] }, cli)).toMatchObject({
      kind: 'invalid',
      errors: { segmentIds: 'campaigns.errors.segments' },
    });
    expect(campaigns().create({ editionId: 'x', listIds: ['1'] }, cli)).toMatchObject({
      kind: 'invalid',
      errors: { editionId: 'campaigns.errors.edition', listIds: 'campaigns.errors.lists' },
    });
    expect((sql().prepare('select count(*) n from campaigns').get() as { n: number }).n).toBe(
      before,
    );
  });

  it('pauses itself when failures pile up, and says why', async () => {
    // Enough people that the ledger records them over several rounds.
    addSubscribers(300, 1000);
    const id = newCampaign('Siebte Ausgabe', 'Landnetz Nr. 7', segmentAll);
    t.smtp.clear();
    for (let i = 0; i < 30; i++) t.smtp.failNext(550, '550 5.7.1 Rejected by policy');
    expect((await campaigns().start(id, cli)).kind).toBe('started');
    await waitForStatus(id, 'paused');
    const paused = campaigns().find(id)!;
    expect(paused.pauseReason).toMatch(/^\d+ of \d+ deliveries failed$/);
    expect(paused.counts.failed).toBeGreaterThanOrEqual(20);
    expect(paused.counts.queued).toBeGreaterThan(0);
    // Resumed, it counts only new failures: the relay has recovered, so it finishes.
    expect((await campaigns().resume(id, cli)).kind).toBe('saved');
    await waitForStatus(id, 'sent');
    expect(campaigns().find(id)!.counts).toMatchObject({ failed: paused.counts.failed, queued: 0 });
    const got = t.smtp.messages.flatMap((m) => m.envelopeTo);
    expect(got).toHaveLength(campaigns().find(id)!.counts.sent);
    expect(new Set(got).size).toBe(got.length);
  }, 60_000);
});

describe('npx landpost campaign', () => {
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = savedEnv;
  });

  async function landpost(...argv: string[]) {
    // The CLI reads the environment: the same data directory, Redis and queues as the app.
    Object.assign(process.env, {
      DATA_DIR: t.config.dataDir,
      REDIS_URL: t.config.redisUrl,
      QUEUE_PREFIX: t.config.queuePrefix,
      SECRET_KEY: t.config.secretKey,
      PUBLIC_URL: t.config.publicUrl,
      LOG_LEVEL: 'silent',
    });
    const lines: string[] = [];
    const code = await runCli(argv, (line) => lines.push(line));
    return { code, lines };
  }

  it('send starts a campaign and prints its progress until it is sent; status prints it', async () => {
    const id = newCampaign('Dritte Ausgabe', 'Landnetz Nr. 3', segmentHarz);
    const audience = campaigns().audience(id)!.total;
    t.smtp.clear();
    const sent = await landpost('campaign', 'send', String(id), '--poll-ms', '100');
    expect(sent.code).toBe(0);
    expect(sent.lines[0]).toBe(`campaign #${id} started: ${audience} deliveries`);
    expect(sent.lines.at(-1)).toMatch(
      new RegExp(`^campaign #${id} sent: \\[#{24}\\] 100% ${audience}/${audience} sent, 0 failed`),
    );
    expect(t.smtp.messages).toHaveLength(audience);

    const status = await landpost('campaign', 'status', String(id));
    expect(status).toEqual({ code: 0, lines: [sent.lines.at(-1)] });
    // Sending it again starts nothing: it says what it is.
    const again = await landpost('campaign', 'send', String(id));
    expect(again.lines[0]).toBe(`campaign #${id} is sent: showing its progress`);
    expect(t.smtp.messages).toHaveLength(audience);
  }, 60_000);

  it('names a wrong or unknown id', async () => {
    expect(await landpost('campaign', 'status', 'abc')).toEqual({
      code: 2,
      lines: ['campaign status needs a campaign id: npx landpost campaign status ID'],
    });
    expect(await landpost('campaign', 'status', '99999')).toEqual({
      code: 1,
      lines: ['no campaign #99999'],
    });
  });
});
