/**
 * Bounce reports by webhook on the real runtime: an editor token reports a hard bounce, a soft
 * one or a complaint (by Message-ID or by address) or passes on the whole returned mail; the
 * person is blocked or unsubscribed as COMPLIANCE.md says, soft bounces count over the last
 * deliveries; odd input is a 4xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordResults } from '../../../../../db/queries/campaigns.js';
import { Secrets } from '../../../../../server/infra/security.js';
import { deliveryMessageId, verpAddress } from '../../../../../workers/send.js';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';

let t: TestApp;
let editor: string;
let viewer: string;
let secrets: Secrets;
const api = apiClient(() => t);
const sql = () => t.runtime.database.sqlite;
const row = <T>(query: string, ...params: unknown[]) =>
  sql()
    .prepare(query)
    .get(...params) as T | undefined;

let editionNumber = 0;
/** One sent edition per call (the ledger allows one delivery per person and edition). */
function sentCampaign(app: TestApp): { campaignId: number; editionId: number } {
  editionNumber++;
  const editionId = Number(
    app.runtime.database.sqlite
      .prepare(
        "insert into editions (number, title, subject, slug, sections, translations) values (?, 'Nr.', 'Nr.', ?, '[]', '{}')",
      )
      .run(editionNumber, `nr-${editionNumber}`).lastInsertRowid,
  );
  const campaignId = Number(
    app.runtime.database.sqlite
      .prepare(
        "insert into campaigns (edition_id, status, segment_ids, list_ids) values (?, 'sent', '[]', '[]')",
      )
      .run(editionId).lastInsertRowid,
  );
  return { campaignId, editionId };
}

/** A confirmed person who got `n` editions; their deliveries oldest first with Message-IDs. */
function personWithDeliveries(email: string, n = 1, app = t) {
  const sql = () => app.runtime.database.sqlite;
  const secrets = new Secrets(app.config.secretKey);
  const id = Number(
    sql()
      .prepare("insert into subscribers (email, status, confirmed_at) values (?, 'confirmed', ?)")
      .run(email, Date.now()).lastInsertRowid,
  );
  const deliveries: { id: number; messageId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const { campaignId, editionId } = sentCampaign(app);
    const delivery = Number(
      sql()
        .prepare(
          "insert into deliveries (campaign_id, edition_id, subscriber_id, status, language, sent_at) values (?, ?, ?, 'sent', 'de', ?)",
        )
        .run(campaignId, editionId, id, Date.now()).lastInsertRowid,
    );
    const messageId = deliveryMessageId(
      secrets,
      { campaignId, senderDomain: 'landpost.test' },
      delivery,
    );
    sql().prepare('update deliveries set message_id = ? where id = ?').run(messageId, delivery);
    deliveries.push({ id: delivery, messageId });
  }
  return { id, deliveries };
}

const statusOf = (id: number) =>
  row<{ status: string }>('select status from subscribers where id = ?', id)?.status;
const deliveryOf = (id: number) =>
  row<{ status: string; reason: string | null }>(
    'select status, reason from deliveries where id = ?',
    id,
  );

beforeAll(async () => {
  t = await startTestApp();
  editor = makeToken(t, 'relay', 'editor');
  viewer = makeToken(t, 'board', 'viewer');
  secrets = new Secrets(t.config.secretKey);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('POST /api/v1/bounces with a report', () => {
  it('a hard bounce by Message-ID blocks the person and marks that delivery bounced', async () => {
    const p = personWithDeliveries('hart@example.org', 2);
    const res = await api('POST', '/bounces', editor, {
      recipient: 'hart@example.org',
      kind: 'hard',
      reason: 'mailbox does not exist',
      status: '5.1.1',
      messageId: p.deliveries[0]!.messageId,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      kind: 'hard',
      action: 'blocked',
      reason: 'mailbox does not exist',
      status: '5.1.1',
      deliveryId: p.deliveries[0]!.id,
      subscriberId: p.id,
    });
    expect(statusOf(p.id)).toBe('blocked');
    expect(deliveryOf(p.deliveries[0]!.id)).toEqual({
      status: 'bounced',
      reason: 'hard bounce: mailbox does not exist: 5.1.1',
    });
    expect(deliveryOf(p.deliveries[1]!.id)?.status).toBe('sent');
    expect(
      row(
        "select actor, action from audit_log where entity = 'subscriber' and entity_id = ?",
        String(p.id),
      ),
    ).toEqual({ actor: 'system:bounces', action: 'block' });
  });

  it('a person blocked by a bounce gets nothing more from a campaign that is still sending', async () => {
    const p = personWithDeliveries('laufend@example.org');
    const running = sentCampaign(t);
    sql().prepare("update campaigns set status = 'paused' where id = ?").run(running.campaignId);
    const queued = Number(
      sql()
        .prepare(
          "insert into deliveries (campaign_id, edition_id, subscriber_id, status, language) values (?, ?, ?, 'queued', 'de')",
        )
        .run(running.campaignId, running.editionId, p.id).lastInsertRowid,
    );
    const res = await api('POST', '/bounces', editor, {
      recipient: 'laufend@example.org',
      kind: 'hard',
      messageId: p.deliveries[0]!.messageId,
    });
    expect(res.json()).toMatchObject({ action: 'blocked' });
    // The campaign tick (every minute) skips everyone no longer confirmed.
    await t.runtime.services.campaigns.tick();
    expect(deliveryOf(queued)).toEqual({
      status: 'skipped',
      reason: 'unsubscribed, blocked or erased meanwhile',
    });
  });

  it('without a Message-ID finds the person by address and bounces their newest delivery', async () => {
    const p = personWithDeliveries('adresse@example.org', 2);
    const res = await api('POST', '/bounces', editor, {
      recipient: 'adresse@example.ORG',
      kind: 'hard',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ action: 'blocked', deliveryId: p.deliveries[1]!.id });
    expect(statusOf(p.id)).toBe('blocked');
    expect(deliveryOf(p.deliveries[1]!.id)?.status).toBe('bounced');
  });

  it('a complaint unsubscribes the person from everything at once', async () => {
    const p = personWithDeliveries('beschwerde@example.org');
    const listId = Number(
      sql()
        .prepare(
          "insert into lists (key, name, description, is_public, double_opt_in, default_language) values ('rundbrief', 'Rundbrief', '', 1, 1, 'de')",
        )
        .run().lastInsertRowid,
    );
    sql()
      .prepare(
        "insert into subscriptions (subscriber_id, list_id, status) values (?, ?, 'confirmed')",
      )
      .run(p.id, listId);
    const res = await api('POST', '/bounces', editor, {
      recipient: 'beschwerde@example.org',
      kind: 'complaint',
      messageId: p.deliveries[0]!.messageId.replace(/^<|>$/g, ''),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'complaint', action: 'unsubscribed' });
    // On no list any more: erased; the consent log keeps the proof.
    expect(statusOf(p.id)).toBeUndefined();
    expect(
      row('select kind, channel, list_ids from consent_events where subscriber_id = ?', p.id),
    ).toEqual({ kind: 'unsubscribed', channel: 'complaint', list_ids: `[${listId}]` });
    // The mail was delivered: the ledger says so still.
    expect(deliveryOf(p.deliveries[0]!.id)?.status).toBe('sent');
  });

  it('soft bounces suppress once 3 of the last 5 deliveries bounced soft', async () => {
    const p = personWithDeliveries('voll@example.org', 6);
    const soft = async (i: number) => {
      const res = await api('POST', '/bounces', editor, {
        recipient: 'voll@example.org',
        kind: 'soft',
        reason: 'mailbox full',
        status: '4.2.2',
        messageId: p.deliveries[i]!.messageId,
      });
      expect(res.statusCode).toBe(200);
      return res.json<{ action: string }>().action;
    };
    // The two oldest fall out of the window of the last five.
    expect(await soft(0)).toBe('none');
    expect(await soft(1)).toBe('none');
    expect(await soft(5)).toBe('none');
    expect(statusOf(p.id)).toBe('confirmed');
    expect(deliveryOf(p.deliveries[5]!.id)).toEqual({
      status: 'bounced',
      reason: 'soft bounce: mailbox full: 4.2.2',
    });
    expect(await soft(4)).toBe('blocked');
    expect(statusOf(p.id)).toBe('blocked');
  });

  it('with BOUNCE_SOFT_LIMIT=1 one soft bounce suppresses', async () => {
    const other = await startTestApp({ env: { BOUNCE_SOFT_LIMIT: '1', BOUNCE_SOFT_WINDOW: '2' } });
    try {
      const p = personWithDeliveries('eins@example.org', 1, other);
      const res = await apiClient(() => other)(
        'POST',
        '/bounces',
        makeToken(other, 'r', 'editor'),
        {
          recipient: 'eins@example.org',
          kind: 'soft',
        },
      );
      expect(res.json()).toMatchObject({
        action: 'blocked',
        deliveryId: p.deliveries[0]!.id,
        subscriberId: p.id,
      });
    } finally {
      await other.close();
    }
  }, 60_000);
});

describe('POST /api/v1/bounces with the raw mail', () => {
  const bounceTo = (envelopeTo: string, recipient: string, original = '') =>
    [
      'From: MAILER-DAEMON@mx.example.net',
      `To: ${envelopeTo}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
      '',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      original,
      '--b1--',
      '',
    ].join('\r\n');

  it('finds the delivery by the VERP address the bounce went to', async () => {
    const p = personWithDeliveries('verp@example.org', 2);
    const verp = verpAddress(secrets, 'landpost.test', p.deliveries[0]!.id);
    const res = await api('POST', '/bounces', editor, {
      raw: bounceTo(verp, 'anders@example.net'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
      action: 'blocked',
      deliveryId: p.deliveries[0]!.id,
    });
    expect(statusOf(p.id)).toBe('blocked');
  });

  it('finds the delivery by our Message-ID in the returned headers', async () => {
    const p = personWithDeliveries('mid@example.org', 2);
    const res = await api('POST', '/bounces', editor, {
      raw: bounceTo(
        'relay@example.net',
        'umgeleitet@example.net',
        `Message-ID: ${p.deliveries[1]!.messageId}\r\nSubject: Nr.\r\n`,
      ),
    });
    expect(res.json()).toMatchObject({ action: 'blocked', deliveryId: p.deliveries[1]!.id });
    expect(deliveryOf(p.deliveries[1]!.id)?.status).toBe('bounced');
  });

  it('a bounce that beats the send result to the ledger stays bounced', async () => {
    const p = personWithDeliveries('schnell@example.org');
    const delivery = p.deliveries[0]!;
    sql()
      .prepare("update deliveries set status = 'queued', message_id = null where id = ?")
      .run(delivery.id);
    const verp = verpAddress(secrets, 'landpost.test', delivery.id);
    const res = await api('POST', '/bounces', editor, { raw: bounceTo(verp, 'x@example.net') });
    expect(res.json()).toMatchObject({ action: 'blocked', deliveryId: delivery.id });
    // The send worker's result is recorded afterwards, as the campaign ledger does it.
    recordResults(
      [
        {
          deliveryId: delivery.id,
          status: 'sent',
          messageId: delivery.messageId,
          smtpResponse: '250 2.0.0 Ok',
          reason: null,
          at: Date.now(),
        },
      ],
      t.runtime.database.db,
    );
    expect(
      row('select status, reason, message_id from deliveries where id = ?', delivery.id),
    ).toEqual({
      status: 'bounced',
      reason: 'hard bounce: user-unknown: 5.1.1',
      message_id: delivery.messageId,
    });
  });

  it('an auto-reply is logged and changes nothing', async () => {
    const p = personWithDeliveries('urlaub@example.org');
    const res = await api('POST', '/bounces', editor, {
      raw: 'From: urlaub@example.org\r\nTo: newsletter@landpost.test\r\nSubject: Abwesenheitsnotiz\r\nAuto-Submitted: auto-replied\r\n\r\nIch bin bis Montag nicht im Büro.\r\n',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'auto-reply', action: 'none', subscriberId: p.id });
    expect(statusOf(p.id)).toBe('confirmed');
    expect(deliveryOf(p.deliveries[0]!.id)?.status).toBe('sent');
    expect(row('select kind, action from bounces where subscriber_id = ?', p.id)).toEqual({
      kind: 'auto-reply',
      action: 'none',
    });
  });
});

describe('POST /api/v1/bounces refuses', () => {
  it('odd input with a 400, unknown people with a 404', async () => {
    personWithDeliveries('odd@example.org');
    for (const body of [
      {},
      { recipient: 'odd@example.org' },
      { recipient: 'odd@example.org', kind: 'bogus' },
      { recipient: 'odd@example.org', kind: 'hard', colour: 'red' },
      { recipient: 'odd@example.org', kind: 'hard', status: 'kaputt' },
      { recipient: 'odd@example.org', kind: 'hard', raw: 'From: x' },
      { raw: '' },
      { raw: {} },
      { raw: 'x', messageId: '<lp.1.1.aaaaaaaaaaaa@landpost.test>' },
    ]) {
      const res = await api('POST', '/bounces', editor, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'Bad Request', statusCode: 400 });
    }
    expect(
      statusOf(
        row<{ id: number }>("select id from subscribers where email = 'odd@example.org'")!.id,
      ),
    ).toBe('confirmed');
    const unknown = await api('POST', '/bounces', editor, {
      recipient: 'niemand@example.org',
      kind: 'hard',
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('a mail over 10 MB with a 400', async () => {
    const res = await api('POST', '/bounces', editor, { raw: 'x'.repeat(10 * 1024 * 1024 + 1) });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/raw/);
  });

  it('without a token (401) and with a viewer token (403)', async () => {
    const body = { recipient: 'odd@example.org', kind: 'hard' };
    expect((await api('POST', '/bounces', null, body)).statusCode).toBe(401);
    expect((await api('POST', '/bounces', viewer, body)).statusCode).toBe(403);
    expect(row("select status from subscribers where email = 'odd@example.org'")).toEqual({
      status: 'confirmed',
    });
  });

  it('is in the OpenAPI document with both forms of the body', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody: {
              content: Record<string, { schema: { oneOf: { required: string[] }[] } }>;
            };
          }
        >
      >;
    }>();
    const body =
      doc.paths['/api/v1/bounces']!.post!.requestBody.content['application/json']!.schema;
    expect(body.oneOf.map((s) => s.required)).toEqual([['recipient', 'kind'], ['raw']]);
  });
});
