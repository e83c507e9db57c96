/**
 * Campaigns in the JSON API on the real runtime: an editor token creates and sends, the mail
 * arrives once per person, the ledger reads in cursor pages; a second send is a 409; viewer
 * tokens read but do not send; odd input is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../../server/services/context.js';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';
import { sendCampaignTo, setUpSender } from '../../../../helpers/campaign.js';
import { boerde, harz } from '../../../../helpers/edition.js';

let t: TestApp;
let editor: string;
let viewer: string;
let editionId: number;
let listId: number;
const api = apiClient(() => t);
const cli: Actor = { kind: 'cli' };

interface CampaignBody {
  id: number;
  status: string;
  audience: number;
  counts: Record<string, number>;
}

beforeAll(async () => {
  t = await startTestApp();
  editor = makeToken(t, 'crm', 'editor');
  viewer = makeToken(t, 'board', 'viewer');
  t.runtime.services.organisation.update(
    {
      imprint: 'Landnetz e. V.\nMarkt 1, 06108 Halle',
      funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung',
    },
    cli,
  );
  const item = t.runtime.services.items.create({ type: 'support', title: 'Hilfe vor Ort' }, cli);
  if (item.kind !== 'saved') throw new Error('item');
  const edition = t.runtime.services.editions.create(
    { title: 'Nr. 1', subject: 'Landnetz Nr. 1', items: [item.item.id] },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error('edition');
  editionId = edition.edition.id;
  const list = t.runtime.services.reference.lists.create(
    {
      name: 'Rundbrief',
      description: '',
      isPublic: true,
      doubleOptIn: true,
      defaultLanguage: 'de',
    },
    cli,
  );
  if (list.kind !== 'saved') throw new Error(JSON.stringify(list));
  listId = list.list.id;
  const sql = t.runtime.database.sqlite;
  for (let i = 0; i < 12; i++) {
    const id = sql
      .prepare(
        "insert into subscribers (email, region_key, status, confirmed_at) values (?, ?, 'confirmed', ?)",
      )
      .run(`reader${i}@example.org`, i % 3 ? harz : boerde, Date.now()).lastInsertRowid;
    sql
      .prepare('insert into subscriptions (subscriber_id, list_id, status) values (?, ?, ?)')
      .run(id, listId, i < 10 ? 'confirmed' : 'unsubscribed');
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('campaigns API', () => {
  let id: number;

  it('creates a campaign: 201 with its draft state; a viewer token may not', async () => {
    expect(
      (await api('POST', '/campaigns', viewer, { editionId, listIds: [listId] })).statusCode,
    ).toBe(403);
    const res = await api('POST', '/campaigns', editor, { editionId, listIds: [listId] });
    expect(res.statusCode).toBe(201);
    const body = res.json<CampaignBody>();
    id = body.id;
    expect(res.headers.location).toBe(`/api/v1/campaigns/${id}`);
    expect(body).toMatchObject({ status: 'draft', audience: 0, counts: { queued: 0, sent: 0 } });
  });

  it('counts the audience per region before it starts', async () => {
    const res = await api('GET', `/campaigns/${id}/audience`, viewer);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ total: number; byRegion: { key: string; count: number }[] }>();
    expect(body.total).toBe(10);
    expect(Object.fromEntries(body.byRegion.map((r) => [r.key, r.count]))).toEqual({
      [harz]: 6,
      [boerde]: 4,
    });
  });

  it('sends: 202, every confirmed list member gets it once; a second send is a 409', async () => {
    t.smtp.clear();
    const res = await api('POST', `/campaigns/${id}/send`, editor);
    expect(res.statusCode).toBe(202);
    expect(res.json<CampaignBody>()).toMatchObject({ status: 'sending', audience: 10 });
    expect((await api('POST', `/campaigns/${id}/send`, editor)).statusCode).toBe(409);
    await expect
      .poll(
        async () => (await api('GET', `/campaigns/${id}`, viewer)).json<CampaignBody>().status,
        {
          timeout: 20_000,
        },
      )
      .toBe('sent');
    const mails = await t.smtp.waitForCount(10);
    expect(new Set(mails.flatMap((m) => m.envelopeTo)).size).toBe(10);
    expect(mails.flatMap((m) => m.envelopeTo)).not.toContain('reader10@example.org');
    const body = (await api('GET', `/campaigns/${id}`, viewer)).json<CampaignBody>();
    expect(body.counts).toMatchObject({ sent: 10, queued: 0, failed: 0 });
    expect((await api('POST', `/campaigns/${id}/pause`, editor)).statusCode).toBe(409);
  }, 30_000);

  it('reads the ledger in cursor pages', async () => {
    const first = await api('GET', `/campaigns/${id}/deliveries?limit=4&status=sent`, viewer);
    expect(first.statusCode).toBe(200);
    const page1 = first.json<{
      deliveries: { id: number; status: string; messageId: string }[];
      next: number;
    }>();
    expect(page1.deliveries).toHaveLength(4);
    expect(page1.deliveries[0]!.messageId).toMatch(/^<lp\./);
    const seen = [...page1.deliveries.map((d) => d.id)];
    let next: number | null = page1.next;
    while (next !== null) {
      const res = await api('GET', `/campaigns/${id}/deliveries?limit=4&after=${next}`, viewer);
      const page: { deliveries: { id: number }[]; next: number | null } = res.json();
      seen.push(...page.deliveries.map((d) => d.id));
      next = page.next;
    }
    expect(new Set(seen).size).toBe(10);
  });

  it('names in the ledger the relay that took each message', async () => {
    setUpSender(t.runtime);
    const emails = ['relay1@example.org', 'relay2@example.org'];
    const campaign = await sendCampaignTo(t.runtime, emails);
    const res = await api('GET', `/campaigns/${campaign}/deliveries?status=sent`, viewer);
    expect(res.statusCode).toBe(200);
    const { deliveries } = res.json<{
      deliveries: { email: string; relay: string | null }[];
    }>();
    const relay = new URL(t.smtp.url).host;
    expect(relay).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(deliveries.filter((d) => emails.includes(d.email))).toEqual(
      emails.map((email) => expect.objectContaining({ email, relay })),
    );
    expect(deliveries.every((d) => d.relay === relay)).toBe(true);
  }, 40_000);

  it('answers odd input with 400 and unknown campaigns with 404', async () => {
    for (const [method, url, body] of [
      ['GET', `/campaigns/${id}/deliveries?after=abc`, undefined],
      ['GET', `/campaigns/${id}/deliveries?status=lost`, undefined],
      ['POST', '/campaigns', { editionId: 'one' }],
      ['POST', '/campaigns', { editionId, listIds: [listId], colour: 'red' }],
      ['POST', '/campaigns', { editionId, segmentIds: ['\u0000'] }],
      ['POST', '/campaigns', { editionId }],
    ] as const) {
      const res = await api(method, url, editor, body);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
    }
    expect((await api('GET', '/campaigns/999999', viewer)).statusCode).toBe(404);
    expect((await api('POST', '/campaigns/999999/send', editor)).statusCode).toBe(404);
  });

  it('describes the campaign routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    for (const path of [
      '/campaigns',
      '/campaigns/{id}',
      '/campaigns/{id}/send',
      '/campaigns/{id}/pause',
      '/campaigns/{id}/resume',
      '/campaigns/{id}/cancel',
      '/campaigns/{id}/retry-failed',
      '/campaigns/{id}/deliveries',
      '/campaigns/{id}/audience',
    ])
      expect(doc.paths).toHaveProperty([`/api/v1${path}`]);
    // The ledger's items name the relay.
    expect(doc.paths).toHaveProperty(
      [
        '/api/v1/campaigns/{id}/deliveries',
        'get',
        'responses',
        '200',
        'content',
        'application/json',
        'schema',
        'properties',
        'deliveries',
        'items',
        'properties',
        'relay',
      ],
      expect.objectContaining({ type: 'string', nullable: true }),
    );
  });
});
