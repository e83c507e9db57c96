/**
 * What editors do, through the admin UI or the API alike: add (paper consent or mail), change
 * profile and lists, block, unsubscribe, erase — each with its consent record and audit entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Origin } from '../../../../server/services/subscribers/index.js';
import { startServiceTest, type ServiceTest } from './_service.js';

let t: ServiceTest;
let by: Origin;
let firstList: number;
let secondList: number;

const person = (email: string) =>
  t.sql<{ id: number; status: string; name: string; language: string; region_key: string | null }>(
    'select id, status, name, language, region_key from subscribers where email = ?',
    email,
  )[0];
const consent = (id: number) =>
  t.sql<{ kind: string; channel: string; source: string; details: string | null }>(
    'select kind, channel, source, details from consent_events where subscriber_id = ? order by id',
    id,
  );
const auditOf = (id: number) =>
  t
    .sql<{ action: string; actor: string; details: string | null }>(
      "select action, actor, details from audit_log where entity = 'subscriber' and entity_id = ? order by id",
      String(id),
    )
    .map((a) => ({ ...a, details: a.details ? JSON.parse(a.details) : null }));

const paper = { mode: 'paper', event: 'Fachtag Halle', eventDate: '2026-03-14' };

beforeAll(async () => {
  t = await startServiceTest();
  by = { actor: t.editor, userAgent: 'Firefox' };
  firstList = t.sql<{ id: number }>('select id from lists order by id limit 1')[0]!.id;
  t.run("insert into lists (key, name, default_language) values ('english', 'English', 'en')");
  secondList = t.sql<{ id: number }>("select id from lists where key = 'english'")[0]!.id;
});
afterAll(async () => {
  await t?.close();
});

describe('add', () => {
  it('with paper consent: confirmed at once, the proof names the event; audited', async () => {
    const result = await t.service.manage.add(by, {
      email: 'Paula@Example.org',
      name: 'Paula Papier',
      regionKey: '15085',
      listIds: [firstList],
      consent: paper,
    });
    expect(result).toMatchObject({ kind: 'created', subscriber: { status: 'confirmed' } });
    const { id } = person('paula@example.org')!;
    const events = consent(id);
    expect(events.map((e) => `${e.kind}/${e.channel}`)).toEqual([
      'signup/admin',
      'confirmed/paper',
    ]);
    expect(events[0]!.source).toBe('admin:editor@landpost.test');
    expect(JSON.parse(events[0]!.details!)).toMatchObject({
      paperConsent: true,
      event: 'Fachtag Halle',
      eventDate: '2026-03-14',
      enteredBy: 'editor@landpost.test',
    });
    expect(auditOf(id)).toEqual([
      {
        action: 'create',
        actor: 'editor@landpost.test',
        details: { consent: 'paper', event: 'Fachtag Halle', eventDate: '2026-03-14' },
      },
    ]);
    expect(await t.queuedMails()).toEqual([]);
  });

  it('a known address is a conflict that names the person; nothing changes', async () => {
    const { id } = person('paula@example.org')!;
    const again = await t.service.manage.add(by, { email: 'PAULA@example.org', consent: paper });
    expect(again).toMatchObject({ kind: 'conflict', existingId: id });
    expect(auditOf(id)).toHaveLength(1);
  });

  it("by mail: unconfirmed, a confirmation mail queued, the list's language when none is given", async () => {
    const result = await t.service.manage.add(
      { actor: t.apiToken },
      { email: 'mail@example.org', listIds: [secondList], consent: { mode: 'mail' } },
    );
    expect(result).toMatchObject({ kind: 'created', outcome: 'confirmation' });
    const row = person('mail@example.org')!;
    expect(row).toMatchObject({ status: 'unconfirmed', language: 'en' });
    expect(consent(row.id).map((e) => `${e.kind}/${e.channel}/${e.source}`)).toEqual([
      'signup/api/api:crm',
    ]);
    expect(auditOf(row.id)).toEqual([
      { action: 'create', actor: 'api:crm', details: { consent: 'mail', outcome: 'confirmation' } },
    ]);
    expect(await t.queuedMails()).toEqual([{ name: 'confirmation', subscriberId: row.id }]);
  });

  it('refuses bad input field by field and stores nothing', async () => {
    const result = await t.service.manage.add(
      by,
      {
        email: 'not an address',
        name: 'Bad\nName',
        regionKey: 'atlantis',
        listIds: [],
        consent: { mode: 'paper', event: '', eventDate: '2999-01-01' },
      },
      { listsRequired: true },
    );
    expect(result.kind).toBe('invalid');
    expect(Object.keys(result.kind === 'invalid' ? result.errors : {}).sort()).toEqual([
      'email',
      'event',
      'eventDate',
      'lists',
      'name',
      'region',
    ]);
    if (result.kind === 'invalid') {
      expect(result.errors.lists?.key).toBe('subscribers.listsInvalid');
      expect(result.errors.eventDate?.message).toBe('eventDate lies in the future');
    }
    expect(t.sql('select id from subscribers where email = ?', 'not an address')).toEqual([]);
  });
});

describe('change, block, unsubscribe, erase', () => {
  let id: number;

  beforeAll(async () => {
    await t.service.manage.add(by, {
      email: 'edit@example.org',
      name: 'Old Name',
      regionKey: '15003',
      roleKeys: ['staff'],
      listIds: [firstList],
      consent: paper,
    });
    id = person('edit@example.org')!.id;
  });

  it('updates profile and lists in one go: consent records and one audit entry naming the fields', () => {
    const result = t.service.manage.update(
      by,
      id,
      {
        name: 'New Name',
        regionKey: '15085',
        roleKeys: ['volunteer'],
        topicKeys: [],
        language: 'de',
        trackingConsent: true,
        listIds: [secondList],
      },
      { listsRequired: true },
    );
    expect(result).toMatchObject({
      kind: 'updated',
      subscriber: {
        name: 'New Name',
        regionKey: '15085',
        roleKeys: ['volunteer'],
        listIds: [secondList],
      },
    });
    expect(consent(id).map((e) => e.kind)).toEqual([
      'signup',
      'confirmed',
      'preferences_changed',
      'tracking_granted',
      'preferences_changed',
    ]);
    expect(auditOf(id).at(-1)).toEqual({
      action: 'update',
      actor: 'editor@landpost.test',
      details: {
        changed: ['name', 'region', 'roles', 'tracking', 'listsAdded', 'listsRemoved'],
        listsAdded: [secondList],
        listsRemoved: [firstList],
      },
    });
  });

  it('changes only the given fields (the API way) and refuses unknown keys', () => {
    const result = t.service.manage.update(by, id, { topicKeys: ['funding'] });
    expect(result).toMatchObject({
      kind: 'updated',
      subscriber: {
        name: 'New Name',
        roleKeys: ['volunteer'],
        topicKeys: ['funding'],
        listIds: [secondList],
      },
    });
    const refused = t.service.manage.update(by, id, { roleKeys: ['wizard'] });
    expect(refused.kind).toBe('invalid');
    expect(t.service.manage.update(by, 999_999, { name: 'x' })).toEqual({ kind: 'not-found' });
  });

  it('blocks: status blocked, audited with the status before', () => {
    expect(t.service.manage.block(by, id)).toBe(true);
    expect(person('edit@example.org')!.status).toBe('blocked');
    expect(auditOf(id).at(-1)).toEqual({
      action: 'block',
      actor: 'editor@landpost.test',
      details: { statusBefore: 'confirmed' },
    });
  });

  it('erases: the row goes, the consent log keeps an erasure record; audited as erase', () => {
    expect(t.service.manage.erase(by, id)).toBe(true);
    expect(person('edit@example.org')).toBeUndefined();
    expect(consent(id).at(-1)).toMatchObject({ kind: 'erased', channel: 'admin' });
    expect(auditOf(id).at(-1)).toMatchObject({ action: 'erase', actor: 'editor@landpost.test' });
    expect(t.service.manage.erase(by, id)).toBe(false);
  });

  it('unsubscribes from every list: a person left on none is erased', async () => {
    await t.service.manage.add(by, {
      email: 'off@example.org',
      listIds: [firstList],
      consent: paper,
    });
    const off = person('off@example.org')!.id;
    expect(t.service.manage.unsubscribeAll(by, off)).toEqual({ erased: true });
    expect(person('off@example.org')).toBeUndefined();
    expect(auditOf(off).at(-1)).toMatchObject({
      action: 'unsubscribe',
      details: { lists: 'all', erased: true },
    });
  });
});
