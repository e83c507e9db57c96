/**
 * The item library on a real SQLite file: every change is one transaction with an audit entry
 * naming who made it; a refused item leaves no row; pages follow the id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import { ItemService } from '../../../../server/services/items/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let items: ItemService;
let editor: Actor;
let token: Actor;

interface AuditRow {
  user_id: number | null;
  api_token_id: number | null;
  actor: string;
  action: string;
  entity_id: string;
  details: string;
  ip: string | null;
}
const audit = (id: number) =>
  ctx.sql<AuditRow>(
    "select user_id, api_token_id, actor, action, entity_id, details, ip from audit_log where entity = 'item' and entity_id = ? order by id",
    String(id),
  );

beforeAll(() => {
  ctx = serviceTestContext();
  items = new ItemService(ctx);
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
});

afterAll(() => ctx?.close());

describe('ItemService', () => {
  let id: number;

  it('saves an item with its JSON columns and audits it under the editor', () => {
    const result = items.create(
      {
        type: 'training',
        title: 'Fördermittel beantragen',
        description: 'Ein **Workshop**.',
        regions: ['15085'],
        roles: ['volunteer'],
        fields: { startsAt: '2026-09-01T10:00', endsAt: '2026-09-01T16:00', place: 'Halle' },
        translations: { en: { title: 'Applying for funding' } },
      },
      editor,
    );
    expect(result.kind).toBe('saved');
    if (result.kind !== 'saved') return;
    id = result.item.id;
    expect(items.find(id)).toMatchObject({
      type: 'training',
      regions: ['15085'],
      roles: ['volunteer'],
      fields: { startsAt: '2026-09-01T10:00', endsAt: '2026-09-01T16:00', place: 'Halle' },
      translations: { en: { title: 'Applying for funding' } },
    });
    const [row] = ctx.sql<{ created_by: number; fields: string }>(
      'select created_by, fields from items where id = ?',
      id,
    );
    expect(row!.created_by).toBe((editor as { userId: number }).userId);
    expect(JSON.parse(row!.fields)).toEqual({
      startsAt: '2026-09-01T10:00',
      endsAt: '2026-09-01T16:00',
      place: 'Halle',
    });
    expect(audit(id)).toEqual([
      expect.objectContaining({
        user_id: (editor as { userId: number }).userId,
        api_token_id: null,
        actor: 'editor@example.org',
        action: 'create',
        ip: '203.0.113.5',
      }),
    ]);
    expect(JSON.parse(audit(id)[0]!.details)).toMatchObject({ title: 'Fördermittel beantragen' });
  });

  it('refuses an invalid item without writing a row or an audit entry', () => {
    const before = ctx.sql<{ n: number }>('select count(*) n from items')[0]!.n;
    const auditBefore = ctx.sql<{ n: number }>('select count(*) n from audit_log')[0]!.n;
    const result = items.create(
      { type: 'text', title: 'Bild', fields: { imageUrl: 'https://example.org/a.png' } },
      editor,
    );
    expect(result).toEqual({
      kind: 'invalid',
      errors: { 'fields.imageAlt': 'items.errors.imageAlt' },
    });
    expect(ctx.sql<{ n: number }>('select count(*) n from items')[0]!.n).toBe(before);
    expect(ctx.sql<{ n: number }>('select count(*) n from audit_log')[0]!.n).toBe(auditBefore);
  });

  it('changes only the given properties, checks the whole item, audits under the token', () => {
    const result = items.update(id, { title: 'Fördermittel sicher beantragen' }, token);
    expect(result.kind).toBe('saved');
    expect(items.find(id)).toMatchObject({
      title: 'Fördermittel sicher beantragen',
      description: 'Ein **Workshop**.',
      regions: ['15085'],
      fields: { place: 'Halle' },
    });
    expect(audit(id)[1]).toMatchObject({
      user_id: null,
      api_token_id: (token as { tokenId: number }).tokenId,
      actor: 'api:crm',
      action: 'update',
      ip: '198.51.100.7',
    });
    expect(JSON.parse(audit(id)[1]!.details)).toMatchObject({ changed: ['title'] });

    // The type changes, the training's fields do not fit a funding item.
    expect(items.update(id, { type: 'funding' }, token)).toEqual({
      kind: 'invalid',
      errors: {
        'fields.startsAt': 'items.errors.unknownField',
        'fields.endsAt': 'items.errors.unknownField',
        'fields.place': 'items.errors.unknownField',
      },
    });
    expect(items.find(id)!.type).toBe('training');
    expect(items.update(9999, { title: 'x' }, token)).toEqual({ kind: 'missing' });
  });

  it('keeps a region that was switched off after the item named it', () => {
    ctx.database.sqlite.prepare("update regions set active = 0 where key = '15085'").run();
    try {
      expect(items.update(id, { description: 'Neu.' }, editor).kind).toBe('saved');
      expect(
        items.create({ type: 'text', title: 'Neu', regions: ['15085'] }, editor),
      ).toMatchObject({ kind: 'invalid', errors: { regions: 'items.errors.regions' } });
    } finally {
      ctx.database.sqlite.prepare("update regions set active = 1 where key = '15085'").run();
    }
  });

  it('pages newest first by id, filtered by type', () => {
    const made = ['Eins', 'Zwei', 'Drei'].map((title) => {
      const r = items.create({ type: 'support', title }, token);
      if (r.kind !== 'saved') throw new Error('not saved');
      return r.item.id;
    });
    const first = items.list({ type: 'support', limit: 2 });
    expect(first.items.map((i) => i.title)).toEqual(['Drei', 'Zwei']);
    expect(first.next).toBe(made[1]);
    const second = items.list({ type: 'support', limit: 2, after: first.next! });
    expect(second.items.map((i) => i.title)).toEqual(['Eins']);
    expect(second.next).toBeNull();
    expect(items.list().items.map((i) => i.id)).toEqual([...made].reverse().concat(id));
  });

  it('deletes softly: gone from the library, the row and an audit entry stay', () => {
    expect(items.delete(id, editor)).toBe(true);
    expect(items.find(id)).toBeUndefined();
    expect(items.list().items.map((i) => i.id)).not.toContain(id);
    expect(items.delete(id, editor)).toBe(false);
    expect(items.update(id, { title: 'x' }, editor)).toEqual({ kind: 'missing' });
    expect(
      ctx.sql<{ deleted_at: number | null }>('select deleted_at from items where id = ?', id)[0]!
        .deleted_at,
    ).toBeGreaterThan(0);
    expect(audit(id).map((r) => r.action)).toEqual(['create', 'update', 'update', 'delete']);
  });
});
