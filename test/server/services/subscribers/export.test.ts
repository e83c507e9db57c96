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
