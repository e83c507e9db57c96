/**
 * Editions on a real SQLite file: every change is one transaction with an audit entry naming
 * who made it; a refused edition leaves no row; the items keep their order; a sent edition
 * stays as it was sent; the series plan follows the seeded target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import { EditionService, LOCK_TTL_MS } from '../../../../server/services/editions/index.js';
import { ItemService } from '../../../../server/services/items/index.js';
import { MailOutbox, OUTBOX_GRACE_MS } from '../../../../server/services/mail-outbox/index.js';
import { OrganisationService } from '../../../../server/services/organisation/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';
import { createQueues, type Queues } from '../../../../workers/queues.js';

let ctx: ServiceTestContext;
let editions: EditionService;
let queues: Queues;
let editor: Actor;
let token: Actor;
const itemIds: number[] = [];

interface AuditRow {
  user_id: number | null;
  api_token_id: number | null;
  actor: string;
  action: string;
  details: string;
  ip: string | null;
}
const audit = (id: number) =>
  ctx.sql<AuditRow>(
    "select user_id, api_token_id, actor, action, details, ip from audit_log where entity = 'edition' and entity_id = ? order by id",
    String(id),
  );
const count = (table: string) => ctx.sql<{ n: number }>(`select count(*) n from ${table}`)[0]!.n;

beforeAll(() => {
  ctx = serviceTestContext();
  queues = createQueues(ctx.config.redisUrl!, ctx.config.queuePrefix, () => {});
  editions = new EditionService({ ...ctx, queues }, new OrganisationService(ctx));
  const userId = Number(
    ctx.database.sqlite
      .prepare("insert into users (email, password_hash) values ('editor@example.org', 'x')")
      .run().lastInsertRowid,
  );
  const tokenId = Number(
    ctx.database.sqlite
      .prepare(
        "insert into api_tokens (name, role, token_hash, prefix) values ('crm', 'editor', 'h', 'p')",
      )
      .run().lastInsertRowid,
  );
  editor = { kind: 'user', userId, email: 'editor@example.org', ip: '203.0.113.5' };
  token = { kind: 'api-token', tokenId, name: 'crm', ip: '198.51.100.7' };
  const library = new ItemService(ctx);
  for (const [type, title, fields] of [
    ['funding', 'Förderprogramm', { deadline: '2020-01-31' }],
    ['counselling', 'Beratung', {}],
    ['text', 'Grußwort', {}],
  ] as const) {
    const r = library.create({ type, title, fields }, editor);
    if (r.kind !== 'saved') throw new Error('item not saved');
    itemIds.push(r.item.id);
  }
});

afterAll(async () => {
  await queues?.close();
  ctx?.close();
});

describe('EditionService', () => {
  let id: number;

  it('creates a draft with the next number, its items in order, audited under the editor', () => {
    const [funding, counselling, text] = itemIds as [number, number, number];
    const result = editions.create(
      { title: 'Frühjahr', subject: 'Landpost Nr. 1', items: [text, funding, counselling] },
      editor,
    );
    expect(result.kind).toBe('saved');
    if (result.kind !== 'saved') return;
    id = result.edition.id;
    expect(result.edition).toMatchObject({
      number: 1,
      status: 'draft',
      slug: '1-fruehjahr',
      inArchive: true,
      updatedBy: (editor as { userId: number }).userId,
      warnings: [],
    });
    expect(result.edition.items.map((i) => i.id)).toEqual([text, funding, counselling]);
    expect(result.edition.items[1]!.itemWarnings).toEqual([
      { code: 'deadline-past', message: 'The application deadline (2020-01-31) has passed.' },
    ]);
    expect(result.edition.sections.map((s) => s.heading)[0]).toBe('Fördermöglichkeiten');
    expect(
      ctx.sql(
        'select item_id, position from edition_items where edition_id = ? order by position',
        id,
      ),
    ).toEqual([
      { item_id: text, position: 0 },
      { item_id: funding, position: 1 },
      { item_id: counselling, position: 2 },
    ]);
    expect(audit(id)).toEqual([
      expect.objectContaining({
        user_id: (editor as { userId: number }).userId,
        api_token_id: null,
        actor: 'editor@example.org',
        action: 'create',
        ip: '203.0.113.5',
      }),
    ]);
    expect(JSON.parse(audit(id)[0]!.details)).toMatchObject({
      number: 1,
      items: [text, funding, counselling],
    });

    const second = editions.create({ title: 'Sommer', subject: 'Landpost Nr. 2' }, token);
    expect(second).toMatchObject({
      kind: 'saved',
      edition: {
        number: 2,
        items: [],
        warnings: [{ code: 'no-items', message: 'The edition has no items yet.' }],
      },
    });
  });

  it('refuses an invalid edition or a taken number without writing anything', () => {
    const before = [count('editions'), count('edition_items'), count('audit_log')];
    expect(
      editions.create({ title: 'Neu', subject: '', items: [itemIds[0]!, 9999] }, editor),
    ).toEqual({
      kind: 'invalid',
      errors: { subject: 'editions.errors.subject', 'items.9999': 'editions.errors.unknownItem' },
    });
    expect(editions.create({ number: 1, title: 'Doppelt', subject: 'Nr. 1' }, editor)).toEqual({
      kind: 'conflict',
      errors: { number: 'editions.errors.numberTaken' },
    });
    expect([count('editions'), count('edition_items'), count('audit_log')]).toEqual(before);
  });

  it('changes only the given properties; the item list is replaced as a whole', () => {
    const [funding, , text] = itemIds as [number, number, number];
    const result = editions.update(id, { subject: 'Landpost Nr. 1: Förderung' }, token);
    expect(result).toMatchObject({
      kind: 'saved',
      edition: { title: 'Frühjahr', subject: 'Landpost Nr. 1: Förderung', number: 1 },
    });
    expect(editions.find(id)!.items).toHaveLength(3);
    expect(audit(id)[1]).toMatchObject({
      user_id: null,
      api_token_id: (token as { tokenId: number }).tokenId,
      actor: 'api:crm',
      action: 'update',
      ip: '198.51.100.7',
    });
    expect(JSON.parse(audit(id)[1]!.details)).toMatchObject({ changed: ['subject'] });

    expect(editions.update(id, { items: [funding, text] }, editor).kind).toBe('saved');
    expect(editions.find(id)!.items.map((i) => i.id)).toEqual([funding, text]);

    expect(editions.update(id, { number: 2 }, editor)).toEqual({
      kind: 'conflict',
      errors: { number: 'editions.errors.numberTaken' },
    });
    expect(editions.update(id, { number: 5 }, editor).kind).toBe('saved');
    expect(editions.update(id, { number: 1 }, editor).kind).toBe('saved');
    expect(editions.update(9999, { title: 'x' }, editor)).toEqual({ kind: 'missing' });
  });

  it('keeps an item deleted from the library since it was picked', () => {
    const library = new ItemService(ctx);
    expect(library.delete(itemIds[2]!, editor)).toBe(true);
    expect(editions.update(id, { title: 'Frühjahr im Landkreis' }, editor).kind).toBe('saved');
    expect(editions.find(id)!.items.map((i) => i.title)).toEqual(['Förderprogramm', 'Grußwort']);
    expect(editions.create({ title: 'Neu', subject: 'Neu', items: [itemIds[2]!] }, editor)).toEqual(
      {
        kind: 'invalid',
        errors: { [`items.${itemIds[2]}`]: 'editions.errors.unknownItem' },
      },
    );
  });

  it('gives a new edition the first number no edition holds', () => {
    const fourth = editions.create({ number: 4, title: 'Herbst', subject: 'Nr. 4' }, editor);
    const third = editions.create({ title: 'Sommerende', subject: 'Nr. 3' }, editor);
    const fifth = editions.create({ title: 'Winter', subject: 'Nr. 5' }, editor);
    expect([fourth, third, fifth].map((r) => r.kind === 'saved' && r.edition.number)).toEqual([
      4, 3, 5,
    ]);
    ctx.database.sqlite.prepare('delete from editions where number > 2').run();
  });

  it('lists the series in order with item counts', () => {
    expect(editions.list().map((e) => [e.number, e.itemCount])).toEqual([
      [1, 2],
      [2, 0],
    ]);
  });

  it('plans the seeded seven editions over the period; an edition sets its own state and date', () => {
    const second = editions.list().find((e) => e.number === 2)!;
    expect(editions.update(second.id, { targetDate: '2017-05-15' }, editor).kind).toBe('saved');
    const plan = editions.plan();
    expect(plan.target).toBe(7);
    expect(plan.period).toEqual({ from: '2017-03-01', to: '2017-12-31' });
    expect(plan.editions.map((e) => [e.number, e.status, e.targetDate, e.dateSet])).toEqual([
      [1, 'draft', '2017-04-14', false],
      [2, 'draft', '2017-05-15', true],
      [3, 'planned', '2017-07-10', false],
      [4, 'planned', '2017-08-22', false],
      [5, 'planned', '2017-10-05', false],
      [6, 'planned', '2017-11-17', false],
      [7, 'planned', '2017-12-31', false],
    ]);
    expect(plan.editions[0]).toMatchObject({ editionId: id, title: 'Frühjahr im Landkreis' });
    expect(plan.editions[2]).toMatchObject({ editionId: null, title: null });
  });

  it('refuses to change a sent edition', () => {
    ctx.database.sqlite.prepare("update editions set status = 'sent' where id = ?").run(id);
    const auditBefore = count('audit_log');
    expect(editions.update(id, { title: 'Nachträglich' }, editor)).toEqual({ kind: 'sent' });
    expect(editions.find(id)!.title).toBe('Frühjahr im Landkreis');
    expect(count('audit_log')).toBe(auditBefore);
    expect(editions.plan().editions[0]!.status).toBe('sent');
  });
});

describe('EditionService: revisions, soft lock and test sends', () => {
  let id: number;
  let second: Actor;

  beforeAll(() => {
    const userId = Number(
      ctx.database.sqlite
        .prepare(
          "insert into users (email, name, password_hash) values ('anna@example.org', 'Anna Berg', 'x')",
        )
        .run().lastInsertRowid,
    );
    second = { kind: 'user', userId, email: 'anna@example.org' };
    const saved = editions.create(
      { number: 80, title: 'Revisionen', subject: 'Erster Betreff', items: [itemIds[1]!] },
      editor,
    );
    if (saved.kind !== 'saved') throw new Error('not saved');
    id = saved.edition.id;
  });

  const revisionNumbers = () => editions.revisions(id)!.map((r) => [r.number, r.autosave]);

  it('keeps the first save as revision 1 and every explicit save as a new one', () => {
    expect(editions.revisions(id)).toMatchObject([
      { number: 1, subject: 'Erster Betreff', savedBy: 'editor@example.org', autosave: false },
    ]);
    expect(editions.update(id, { subject: 'Zweiter Betreff' }, editor).kind).toBe('saved');
    expect(revisionNumbers()).toEqual([
      [2, false],
      [1, false],
    ]);
    expect(editions.revisions(999_999)).toBeUndefined();
  });

  it('folds an editor’s autosaves into one revision and leaves them out of the audit log', () => {
    const audited = audit(id).length;
    for (const subject of ['Dritter', 'Dritter Be', 'Dritter Betreff'])
      expect(editions.update(id, { subject }, editor, { autosave: true }).kind).toBe('saved');
    expect(revisionNumbers()).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect(editions.revisions(id)![0]!.subject).toBe('Dritter Betreff');
    expect(audit(id)).toHaveLength(audited);
    // Another editor's autosave is a revision of its own.
    expect(editions.update(id, { subject: 'Annas Betreff' }, second, { autosave: true }).kind).toBe(
      'saved',
    );
    expect(editions.revisions(id)![0]).toMatchObject({ number: 4, savedBy: 'anna@example.org' });
  });

  it('refuses a save over somebody else’s newer save (stale) and changes nothing', () => {
    const loaded = editions.find(id)!.updatedAt;
    expect(editions.update(id, { subject: 'Von Anna' }, second, { basedOn: loaded }).kind).toBe(
      'saved',
    );
    const stale = editions.update(id, { subject: 'Vom Editor' }, editor, { basedOn: loaded });
    expect(stale).toMatchObject({ kind: 'stale', by: 'anna@example.org' });
    expect(editions.find(id)!.subject).toBe('Von Anna');
  });

  it('restores an old revision as a new one, audited', () => {
    const before = editions.revisions(id)![0]!.number;
    const restored = editions.restore(id, 1, editor);
    expect(restored.kind).toBe('saved');
    expect(editions.find(id)).toMatchObject({ subject: 'Erster Betreff' });
    expect(editions.revisions(id)![0]).toMatchObject({
      number: before + 1,
      subject: 'Erster Betreff',
    });
    expect(audit(id).at(-1)).toMatchObject({ action: 'restore', details: '{"revision":1}' });
    expect(editions.restore(id, 999, editor).kind).toBe('missing');
  });

  it('tells a second editor who holds the soft lock, until it runs out', () => {
    const t0 = 1_800_000_000_000;
    expect(editions.lock(id, editor, t0)).toEqual({
      holder: 'editor@example.org',
      since: t0,
      mine: true,
    });
    expect(editions.lock(id, second, t0 + 30_000)).toEqual({
      holder: 'editor@example.org',
      since: t0,
      mine: false,
    });
    // Renewed by its holder, it keeps its start.
    expect(editions.lock(id, editor, t0 + 60_000)).toMatchObject({ since: t0, mine: true });
    // Not renewed for two minutes, it is free; Anna is shown by her name.
    expect(editions.lock(id, second, t0 + 60_000 + LOCK_TTL_MS)).toEqual({
      holder: 'anna@example.org',
      since: t0 + 60_000 + LOCK_TTL_MS,
      mine: true,
    });
    expect(editions.lock(id, editor, t0 + 60_000 + LOCK_TTL_MS + 1)).toMatchObject({
      holder: 'Anna Berg',
      mine: false,
    });
    editions.unlock(id, second);
    expect(editions.lock(id, editor, t0 + 200_000)).toMatchObject({ mine: true });
    expect(editions.lock(id, token)).toBeUndefined();
  });

  it('owes a test mail per address in the outbox and queues it under its own job id', async () => {
    const result = await editions.testSend(
      id,
      { emails: 'a@example.org\nb@example.org, a@example.org' },
      editor,
    );
    expect(result).toEqual({ kind: 'queued', count: 2 });
    const rows = ctx.sql<{ id: number; email: string }>(
      'select id, email from test_sends where edition_id = ? order by id',
      id,
    );
    expect(rows.map((r) => r.email)).toEqual(['a@example.org', 'b@example.org']);
    const jobs = await queues.mail.getJobs(['waiting', 'delayed']);
    const ours = jobs.filter((j) => j.name === 'edition-test').map((j) => [j.id, j.data]);
    expect(ours).toEqual(
      expect.arrayContaining(rows.map((r) => [`edition-test-${r.id}`, { testSendId: r.id }])),
    );
    expect(audit(id).at(-1)).toMatchObject({ action: 'test-send' });
  });

  it('keeps a test mail owed while Redis is down; the outbox sweep queues it later', async () => {
    // Redis down: queues whose connection was closed.
    const deadQueues = createQueues(ctx.config.redisUrl!, ctx.config.queuePrefix, () => {});
    await deadQueues.mail.waitUntilReady();
    deadQueues.connection.disconnect();
    try {
      const offline = new EditionService(
        { ...ctx, queues: deadQueues },
        new OrganisationService(ctx),
      );
      const result = await offline.testSend(id, { emails: ['offline@example.org'] }, editor);
      expect(result).toEqual({ kind: 'queued', count: 1 });
    } finally {
      await deadQueues.close();
    }
    const [owed] = ctx.sql<{ job_id: string; queued_at: number | null }>(
      "select o.job_id, o.queued_at from mail_outbox o join test_sends t on t.id = o.test_send_id where t.email = 'offline@example.org'",
    );
    expect(owed).toMatchObject({
      job_id: expect.stringMatching(/^edition-test-\d+$/),
      queued_at: null,
    });
    const outbox = new MailOutbox({ ...ctx, queues });
    expect(await outbox.sweep(Date.now() + OUTBOX_GRACE_MS + 1)).toBeGreaterThanOrEqual(1);
    expect(await queues.mail.getJob(owed!.job_id)).toBeDefined();
  });

  it('allows at most 50 test mails per edition and hour', async () => {
    const now = Date.now();
    let sent = 2; // the two of the test before
    while (sent + 10 <= 50) {
      const emails = Array.from({ length: 10 }, (_, i) => `r${sent + i}@example.org`);
      expect((await editions.testSend(id, { emails }, editor, now)).kind).toBe('queued');
      sent += 10;
    }
    const over = await editions.testSend(
      id,
      { emails: Array.from({ length: 9 }, (_, i) => `x${i}@example.org`) },
      editor,
      now,
    );
    expect(over).toEqual({ kind: 'invalid', errors: { emails: 'editions.errors.testThrottled' } });
    // An hour later there is room again.
    expect(
      (await editions.testSend(id, { emails: ['later@example.org'] }, editor, now + 3_600_001))
        .kind,
    ).toBe('queued');
  });

  it('composes the test mail: the asked variant, "[Test]" subject, sample links', async () => {
    const [row] = ctx.sql<{ id: number }>(
      "select id from test_sends where email = 'a@example.org' and edition_id = ?",
      id,
    );
    const composed = await editions.composeTestMail(row!.id);
    expect(composed?.message).toMatchObject({
      to: 'a@example.org',
      subject: '[Test] Erster Betreff',
    });
    expect(composed?.message.text).toContain('/u/preview');
    composed!.onSent({ messageId: '<t1@example.org>' });
    expect(ctx.sql('select message_id from test_sends where id = ?', row!.id)).toEqual([
      { message_id: '<t1@example.org>' },
    ]);
    // Sent once: a second attempt of the same job sends nothing.
    expect(await editions.composeTestMail(row!.id)).toBeNull();
  });
});
