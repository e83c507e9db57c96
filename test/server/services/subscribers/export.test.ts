/**
 * Downloads of personal data: the CSV of the filtered subscribers, the consent log, one
 * person's JSON — what they contain, and that each one is in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Origin } from '../../../../server/services/subscribers/index.js';
import { startServiceTest, type ServiceTest } from './_service.js';

let t: ServiceTest;
let by: Origin;

const text = async (rows: AsyncIterable<string>) => {
  let all = '';
  for await (const chunk of rows) all += chunk;
  return all
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\r\n');
};
const exportsAudited = () =>
  t.sql<{ action: string; entity: string; entity_id: string | null }>(
    "select action, entity, entity_id from audit_log where action = 'export' order by id",
  );

beforeAll(async () => {
  t = await startServiceTest();
  by = { actor: t.editor };
  const paper = { mode: 'paper', event: 'Fachtag', eventDate: '2026-03-14' };
  await t.service.manage.add(by, {
    email: 'harz@example.org',
    name: '=HYPERLINK("http://evil.example")',
    regionKey: '15085',
    roleKeys: ['volunteer', 'staff'],
    topicKeys: ['funding'],
    consent: paper,
  });
  await t.service.manage.add(by, {
    email: 'elsewhere@example.org',
    regionKey: '15003',
    consent: paper,
  });
});
afterAll(async () => {
  await t?.close();
});

describe('exports', () => {
  it('subscribers: the filtered rows, formulas neutralised, audited', async () => {
    const lines = await text(t.service.exports.subscriberCsv(t.editor, { regions: ['15085'] }));
    expect(lines[0]).toBe('email,name,status,region,roles,topics,language,lists,created,confirmed');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^harz@example\.org,"'=HYPERLINK\(""http:\/\/evil\.example""\)",confirmed,Harz,"(volunteer; staff|staff; volunteer)",funding,de,Newsletter,2026-\d\d-\d\dT.*Z,20\d\d-/,
    );
    expect(exportsAudited().at(-1)).toEqual({
      action: 'export',
      entity: 'subscribers',
      entity_id: null,
    });
  });

  it('more rows than one chunk all arrive, once each, in id order', async () => {
    const sqlite = t.database.sqlite;
    const insert = sqlite.prepare(
      "insert into subscribers (email, status, region_key) values (?, 'confirmed', '15090')",
    );
    sqlite.transaction(() => {
      for (let i = 0; i < 1234; i++) insert.run(`bulk${String(i).padStart(4, '0')}@example.org`);
    })();
    const lines = await text(t.service.exports.subscriberCsv(t.editor, { regions: ['15090'] }));
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(
      Array.from({ length: 1234 }, (_, i) => `bulk${String(i).padStart(4, '0')}@example.org`),
    );
  });

  it('the consent log: the address only while the person exists', async () => {
    const [{ id }] = t.sql<{ id: number }>(
      "select id from subscribers where email = 'elsewhere@example.org'",
    ) as [{ id: number }];
    t.service.manage.erase(by, id);
    const lines = await text(t.service.exports.consentCsv(t.editor));
    expect(lines[0]).toContain('id,at,kind,subscriber_id,email,email_hash');
    const erased = lines.find((l) => l.includes(`,erased,${id},`))!;
    expect(erased).toMatch(new RegExp(`,erased,${id},,[0-9a-f]{16,}`));
    expect(lines.some((l) => l.includes(',signup,') && l.includes('harz@example.org'))).toBe(true);
    expect(exportsAudited().at(-1)).toEqual({
      action: 'export',
      entity: 'consent',
      entity_id: null,
    });
  });

  it("one person's data as JSON, audited; nothing for an unknown id", () => {
    const [{ id }] = t.sql<{ id: number }>(
      "select id from subscribers where email = 'harz@example.org'",
    ) as [{ id: number }];
    const data = t.service.exports.personData(t.editor, id);
    expect(data?.subscriber).toMatchObject({ email: 'harz@example.org', regionKey: '15085' });
    expect(data?.consent.map((c) => c.kind)).toEqual(['signup', 'confirmed']);
    expect(exportsAudited().at(-1)).toEqual({
      action: 'export',
      entity: 'subscriber',
      entity_id: String(id),
    });
    expect(t.service.exports.personData(t.editor, 999_999)).toBeUndefined();
  });
});

describe('the subscriber CSV, column by column', () => {
  let f: ServiceTest;

  beforeAll(async () => {
    f = await startServiceTest();
  });
  afterAll(async () => {
    await f?.close();
  });

  /** Each cell as the database holds it: names for region and lists, "; "-joined sets sorted. */
  function expectedRows(): string[][] {
    const people = f.sql<{
      id: number;
      email: string;
      name: string;
      status: string;
      region: string | null;
      language: string;
      created_at: number;
      confirmed_at: number | null;
    }>(
      `select s.id, s.email, s.name, s.status, r.name as region, s.language, s.created_at, s.confirmed_at
       from subscribers s left join regions r on r.key = s.region_key order by s.id`,
    );
    const set = (query: string, id: number) =>
      f
        .sql<{ v: string }>(query, id)
        .map((x) => x.v)
        .sort()
        .join('; ');
    return people.map((p) => [
      p.email,
      p.name,
      p.status,
      p.region ?? '',
      set('select role_key as v from subscriber_roles where subscriber_id = ?', p.id),
      set('select topic_key as v from subscriber_topics where subscriber_id = ?', p.id),
      p.language,
      set(
        `select l.name as v from subscriptions s join lists l on l.id = s.list_id
         where s.subscriber_id = ? and s.status in ('unconfirmed', 'confirmed')`,
        p.id,
      ),
      new Date(p.created_at).toISOString(),
      p.confirmed_at ? new Date(p.confirmed_at).toISOString() : '',
    ]);
  }

  /** The export's cells, with the "; "-joined sets sorted (their order is not promised). */
  async function exportedRows(): Promise<string[][]> {
    const lines = await text(f.service.exports.subscriberCsv(f.editor, {}));
    expect(lines[0]).toBe('email,name,status,region,roles,topics,language,lists,created,confirmed');
    return lines.slice(1).map((line) => {
      const cells = [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)]
        .map((m) => m[1]!)
        .slice(0, 10)
        .map((c) => (c.startsWith('"') ? c.slice(1, -1).replace(/""/g, '"') : c));
      for (const i of [4, 5, 7]) cells[i] = cells[i]!.split('; ').filter(Boolean).sort().join('; ');
      return cells;
    });
  }

  it('every column of every row is what the database holds, also after an erasure', async () => {
    const byFirst = { actor: f.editor };
    const paper = { mode: 'paper', event: 'Fachtag', eventDate: '2026-03-14' };
    const [newsletter] = f.sql<{ id: number }>('select id from lists order by id limit 1');
    f.run("insert into lists (key, name) values ('events', 'Veranstaltungen')");
    f.run("insert into lists (key, name) values ('press', 'Presse')");
    const list = (key: string) =>
      f.sql<{ id: number }>('select id from lists where key = ?', key)[0]!.id;
    const add = async (email: string, fields: Record<string, unknown>) => {
      const result = await f.service.manage.add(byFirst, { email, consent: paper, ...fields });
      expect(result.kind).toBe('created');
      return result.kind === 'created' ? result.subscriber.id : 0;
    };
    const first = await add('first@example.org', { listIds: [newsletter!.id] });
    await add('anna@example.org', {
      name: 'Anna Zwei',
      regionKey: '15085',
      roleKeys: ['volunteer', 'staff'],
      topicKeys: ['funding'],
      listIds: [newsletter!.id, list('events')],
    });
    await add('bert@example.org', {
      name: 'Bert Presse',
      regionKey: '15003',
      listIds: [list('press')],
    });
    await add('carla@example.org', {
      language: 'en',
      listIds: [list('events'), list('press')],
    });
    const dora = await add('dora@example.org', { listIds: [newsletter!.id, list('press')] });
    // Dora leaves the press list: only the lists a person is still on are exported.
    f.service.manage.update(byFirst, dora, { listIds: [newsletter!.id] });
    const before = await exportedRows();
    expect(before).toEqual(expectedRows());
    expect(before.find((r) => r[0] === 'anna@example.org')![7]).toBe('Newsletter; Veranstaltungen');

    expect(first).toBe(1);
    f.service.manage.erase(byFirst, first);
    const after = await exportedRows();
    expect(after).toEqual(expectedRows());
    expect(after.map((r) => [r[0], r[7]])).toEqual([
      ['anna@example.org', 'Newsletter; Veranstaltungen'],
      ['bert@example.org', 'Presse'],
      ['carla@example.org', 'Presse; Veranstaltungen'],
      ['dora@example.org', 'Newsletter'],
    ]);
    expect(after.find((r) => r[0] === 'anna@example.org')).toEqual(
      expect.arrayContaining(['Anna Zwei', 'confirmed', 'Harz', 'staff; volunteer', 'funding']),
    );
  });
});
