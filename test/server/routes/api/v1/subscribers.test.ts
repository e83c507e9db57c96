/**
 * Subscribers in the JSON API: list with filters and cursor pages, create with a confirmation
 * mail or paper consent, change, block, erase — with roles, validation and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeToken as makeRoleToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';
import { seedSubscribers } from '../../../../helpers/admin-segments.js';

let t: TestApp;
let editor: string;
let viewer: string;

const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];

const makeToken = (name: string, role: 'editor' | 'viewer') => makeRoleToken(t, name, role);
const api = apiClient(() => t);

beforeAll(async () => {
  t = await startTestApp();
  editor = makeToken('crm', 'editor');
  viewer = makeToken('report', 'viewer');
  seedSubscribers(t, [
    { email: 'harz1@example.org', region: '15085', roles: ['volunteer'] },
    { email: 'harz2@example.org', region: '15085', roles: ['staff'] },
    { email: 'halle@example.org', region: '15002', roles: ['volunteer'] },
    { email: 'harz3@example.org', region: '15085', roles: ['volunteer'] },
  ]);
});
afterAll(async () => {
  await t?.close();
});

describe('GET /api/v1/subscribers', () => {
  it('filters by region and role and pages with a cursor, without gaps or repeats', async () => {
    const first = await api('GET', '/subscribers?region=15085&role=volunteer&limit=1', viewer);
    expect(first.statusCode).toBe(200);
    const page1 = first.json<{ items: { email: string }[]; total: number; next: string | null }>();
    expect(page1.total).toBe(2);
    expect(page1.items).toHaveLength(1);
    expect(page1.next).toBeTruthy();
    const second = await api(
      'GET',
      `/subscribers?region=15085&role=volunteer&limit=1&after=${page1.next}`,
      viewer,
    );
    const page2 = second.json<{ items: { email: string }[]; next: string | null }>();
    expect(page2.items).toHaveLength(1);
    expect(new Set([...page1.items, ...page2.items].map((i) => i.email))).toEqual(
      new Set(['harz1@example.org', 'harz3@example.org']),
    );
  });

  it('refuses unknown query fields and bad statuses with 400', async () => {
    expect((await api('GET', '/subscribers?regoin=15085', viewer)).statusCode).toBe(400);
    const bad = await api('GET', '/subscribers?status=gone', viewer);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'Bad Request', statusCode: 400 });
  });

  it('refuses a cursor that is not one it gave out with a 400 naming after', async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad = [
      cursor({ key: { a: 1 }, id: 1 }),
      cursor({ key: true, id: 1 }),
      cursor({ id: 5 }),
      cursor({ key: 'yesterday', id: 1 }),
      cursor({ key: 1.5, id: 1 }),
      cursor({ key: Date.now(), id: '1' }),
      cursor({ key: Date.now(), id: -1 }),
      cursor({ key: null, id: 1 }),
      cursor([1, 2]),
      cursor(null),
      cursor('x'),
      Buffer.from('{"key":1,').toString('base64url'),
      'garbage!',
      '%00',
    ];
    for (const after of bad) {
      const res = await api('GET', `/subscribers?after=${after}`, viewer);
      expect(res.statusCode, after).toBe(400);
      expect(res.json(), after).toMatchObject({
        error: 'Bad Request',
        message: 'after is not a cursor this API gave out (use next from a previous page)',
      });
    }
    const first = (await api('GET', '/subscribers?limit=1', viewer)).json<{ next: string }>();
    expect((await api('GET', `/subscribers?after=${first.next}`, viewer)).statusCode).toBe(200);
  });

  it('refuses unknown and non-numeric list ids with a 400 naming list', async () => {
    const [{ id }] = sql<{ id: number }>('select id from lists order by id limit 1') as [
      { id: number },
    ];
    for (const [list, message] of [
      ['999', 'unknown list 999'],
      ['abc', 'unknown list abc'],
      [`${id},1.5`, 'unknown list 1.5'],
      [`${id},0x1`, 'unknown list 0x1'],
    ]) {
      const res = await api('GET', `/subscribers?list=${list}`, viewer);
      expect(res.statusCode, list).toBe(400);
      expect(res.json(), list).toMatchObject({ error: 'Bad Request', message });
    }
    const fine = await api('GET', `/subscribers?list=${id}`, viewer);
    expect(fine.statusCode).toBe(200);
  });

  it('refuses control characters in the search with a 400 naming q', async () => {
    for (const q of ['%00%00%00', 'harz%00', '%1B%1B%1B', 'ha%0Arz', '%E2%80%AEharz']) {
      const res = await api('GET', `/subscribers?q=${q}`, viewer);
      expect(res.statusCode, q).toBe(400);
      expect(res.json(), q).toMatchObject({
        error: 'Bad Request',
        message: 'q must not contain control characters',
        statusCode: 400,
      });
    }
    const fine = await api('GET', '/subscribers?q=harz', viewer);
    expect(fine.statusCode).toBe(200);
    expect(fine.json<{ total: number }>().total).toBe(3);
  });
});

describe('POST /api/v1/subscribers', () => {
  it('with mode confirmation: 202, unconfirmed, a confirmation mail goes out, audited under the token', async () => {
    const res = await api('POST', '/subscribers', editor, {
      email: 'New.Person@Example.org',
      name: 'New Person',
      regionKey: '15085',
      roleKeys: ['volunteer'],
      consent: { mode: 'confirmation' },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      email: 'new.person@example.org',
      status: 'unconfirmed',
      regionKey: '15085',
    });
    const mail = await t.smtp.waitFor((m) => m.to.includes('new.person@example.org'));
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    const [audit] = sql<{ actor: string; action: string }>(
      "select actor, action from audit_log where entity = 'subscriber' and entity_id = ?",
      String(res.json<{ id: number }>().id),
    );
    expect(audit).toEqual({ actor: 'api:crm', action: 'create' });
  });

  it('with mode paper: 201, confirmed at once, with the event in the consent log; a second time 409', async () => {
    const body = {
      email: 'paper@example.org',
      consent: { mode: 'paper', event: 'Fachtag Halle', eventDate: '2026-11-12' },
    };
    const res = await api('POST', '/subscribers', editor, body);
    expect(res.statusCode).toBe(201);
    const id = res.json<{ id: number; status: string }>().id;
    expect(res.json<{ status: string }>().status).toBe('confirmed');
    const events = sql<{ kind: string; channel: string; details: string }>(
      'select kind, channel, details from consent_events where subscriber_id = ? order by id',
      id,
    );
    expect(events.map((e) => e.kind)).toEqual(['signup', 'confirmed']);
    expect(events[0]!.details).toContain('Fachtag Halle');
    const [created] = sql<{ action: string; details: string }>(
      "select action, details from audit_log where entity = 'subscriber' and entity_id = ?",
      String(id),
    );
    expect(created!.action).toBe('create');
    expect(JSON.parse(created!.details)).toEqual({
      consent: 'paper',
      event: 'Fachtag Halle',
      eventDate: '2026-11-12',
    });
    expect((await api('POST', '/subscribers', editor, body)).statusCode).toBe(409);
  });

  it('rejects bad input with a clear 400 and stores nothing', async () => {
    const cases = [
      { email: 'not an address', consent: { mode: 'confirmation' } },
      { email: 'x1@example.org', regionKey: 'atlantis', consent: { mode: 'confirmation' } },
      { email: 'x2@example.org', roleKeys: ['wizard'], consent: { mode: 'confirmation' } },
      { email: 'x3@example.org', name: 'Evil\r\nBcc: a@b.c', consent: { mode: 'confirmation' } },
      { email: 'x4@example.org', consent: { mode: 'paper', event: 'x' } },
      { email: 'x5@example.org', consent: { mode: 'confirmation' }, nmae: 'typo' },
      { email: 'x6@example.org' },
      // The paper-consent event follows the admin form's rule: plain text, no markup.
      {
        email: 'x7@example.org',
        consent: { mode: 'paper', event: '<b>Fachtag</b>', eventDate: '2026-11-12' },
      },
      {
        email: 'x8@example.org',
        consent: { mode: 'paper', event: 'Fachtag\nHalle', eventDate: '2026-11-12' },
      },
    ];
    for (const body of cases) {
      const res = await api('POST', '/subscribers', editor, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json<{ message: string }>().message.length).toBeGreaterThan(0);
    }
    expect(sql("select * from subscribers where email like 'x_@example.org'")).toHaveLength(0);
  });

  it('a viewer token may read but not create (403)', async () => {
    const res = await api('POST', '/subscribers', viewer, {
      email: 'v@example.org',
      consent: { mode: 'confirmation' },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('PATCH and DELETE /api/v1/subscribers/:id', () => {
  it('changes only the given fields, records the change, blocks, and erases', async () => {
    const [row] = sql<{ id: number }>(
      "select id from subscribers where email = 'halle@example.org'",
    );
    const id = row!.id;
    const patched = await api('PATCH', `/subscribers/${id}`, editor, {
      roleKeys: ['staff', 'volunteer'],
      trackingConsent: true,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ regionKey: '15002', trackingConsent: true });
    expect(patched.json<{ roleKeys: string[] }>().roleKeys.sort()).toEqual(['staff', 'volunteer']);
    const kinds = sql<{ kind: string }>(
      'select kind from consent_events where subscriber_id = ? order by id',
      id,
    ).map((e) => e.kind);
    expect(kinds).toContain('preferences_changed');
    expect(kinds).toContain('tracking_granted');

    expect(
      (await api('PATCH', `/subscribers/${id}`, editor, { regionKey: 'nowhere' })).statusCode,
    ).toBe(400);
    expect((await api('PATCH', `/subscribers/${id}`, viewer, { name: 'x' })).statusCode).toBe(403);
    expect((await api('PATCH', '/subscribers/999999', editor, { name: 'x' })).statusCode).toBe(404);

    const blocked = await api('PATCH', `/subscribers/${id}`, editor, { status: 'blocked' });
    expect(blocked.json()).toMatchObject({ status: 'blocked' });
    // The audit log reads as it does for the same changes made in the admin UI.
    const entries = sql<{ action: string; details: string }>(
      "select action, details from audit_log where entity = 'subscriber' and entity_id = ? order by id",
      String(id),
    );
    expect(entries.map((e) => e.action)).toEqual(['update', 'block']);
    expect(JSON.parse(entries[0]!.details)).toEqual({
      changed: ['roles', 'tracking'],
      listsAdded: [],
      listsRemoved: [],
    });
    expect(JSON.parse(entries[1]!.details)).toEqual({ statusBefore: 'confirmed' });

    expect((await api('DELETE', `/subscribers/${id}`, viewer)).statusCode).toBe(403);
    const gone = await api('DELETE', `/subscribers/${id}`, editor);
    expect(gone.statusCode).toBe(204);
    expect(sql('select * from subscribers where id = ?', id)).toHaveLength(0);
    expect(
      sql("select * from consent_events where subscriber_id = ? and kind = 'erased'", id),
    ).toHaveLength(1);
    // The same erasure reads the same in the audit log, whether from the API or the admin UI.
    expect(
      sql<{ action: string; actor: string }>(
        "select action, actor from audit_log where entity = 'subscriber' and entity_id = ? and action in ('erase', 'delete')",
        String(id),
      ),
    ).toEqual([{ action: 'erase', actor: 'api:crm' }]);
    expect((await api('DELETE', `/subscribers/${id}`, editor)).statusCode).toBe(404);
  });
});

describe('a full page', () => {
  it('lists 200 subscribers with the roles, topics and lists the database holds', async () => {
    const lists = sql<{ id: number }>('select id from lists order by id').map((l) => l.id);
    const roles = ['volunteer', 'staff', 'other'];
    const ids = seedSubscribers(
      t,
      Array.from({ length: 210 }, (_, i) => ({
        email: `page${i}@example.org`,
        region: i % 2 ? '15085' : null,
        roles: roles.slice(0, i % 4),
        lists: lists.slice(0, 1 + (i % lists.length)),
      })),
    );
    const topic = t.runtime.database.sqlite.prepare(
      "insert into subscriber_topics (subscriber_id, topic_key) values (?, 'funding')",
    );
    for (const [, id] of [...ids].filter((_, i) => i % 3 === 0)) topic.run(id);

    const res = await api('GET', '/subscribers?limit=200', viewer);
    expect(res.statusCode).toBe(200);
    const items = res.json<{
      items: {
        id: number;
        email: string;
        regionKey: string | null;
        roleKeys: string[];
        topicKeys: string[];
        listIds: number[];
      }[];
    }>().items;
    expect(items).toHaveLength(200);
    const column = <T>(query: string, id: number) =>
      sql<{ v: T }>(query, id)
        .map((r) => r.v)
        .sort();
    for (const item of items) {
      const [row] = sql<{ email: string; region_key: string | null }>(
        'select email, region_key from subscribers where id = ?',
        item.id,
      );
      expect([item.email, item.regionKey]).toEqual([row!.email, row!.region_key]);
      expect(item.roleKeys.slice().sort()).toEqual(
        column('select role_key as v from subscriber_roles where subscriber_id = ?', item.id),
      );
      expect(item.topicKeys.slice().sort()).toEqual(
        column('select topic_key as v from subscriber_topics where subscriber_id = ?', item.id),
      );
      expect(item.listIds.slice().sort()).toEqual(
        column(
          "select list_id as v from subscriptions where subscriber_id = ? and status in ('unconfirmed', 'confirmed')",
          item.id,
        ),
      );
    }
  });
});

describe('OpenAPI', () => {
  it('describes every subscriber operation', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(Object.keys(doc.paths['/api/v1/subscribers'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/subscribers/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
  });
});

describe('POST /api/v1/subscribers with a source', () => {
  it('keeps a campaign code for a sign-up by confirmation mail; refuses it otherwise', async () => {
    const res = await api('POST', '/subscribers', editor, {
      email: 'partnerform@example.org',
      consent: { mode: 'confirmation' },
      source: { kind: 'code', code: 'Partner-Halle' },
    });
    expect(res.statusCode).toBe(202);
    const [row] = sql<{ source_kind: string; source_code: string }>(
      'select source_kind, source_code from subscribers where email = ?',
      'partnerform@example.org',
    );
    expect(row).toEqual({ source_kind: 'code', source_code: 'partner-halle' });

    const refused = [
      { consent: { mode: 'confirmation' }, source: { kind: 'code', code: 'a b' } },
      { consent: { mode: 'confirmation' }, source: { kind: 'code' } },
      { consent: { mode: 'confirmation' }, source: { kind: 'referral', code: 'x' } },
      {
        consent: { mode: 'paper', event: 'Fachtag', eventDate: '2026-11-12' },
        source: { kind: 'code', code: 'flyer' },
      },
    ];
    for (const [i, body] of refused.entries()) {
      const email = `refused-source-${i}@example.org`;
      const answer = await api('POST', '/subscribers', editor, { email, ...body });
      expect(answer.statusCode, JSON.stringify(body)).toBe(400);
      expect(sql('select id from subscribers where email = ?', email)).toEqual([]);
    }
  });
});
