/** The audit log names who did it, and reads back newest first, page by page. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as apiTokens from '../../../../db/queries/api-tokens.js';
import { AuditService } from '../../../../server/services/audit/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let audit: AuditService;

beforeAll(() => {
  ctx = serviceTestContext();
  audit = new AuditService(ctx);
});
afterAll(() => ctx?.close());

describe('audit service', () => {
  it('records each kind of actor in the log columns', () => {
    const token = apiTokens.createApiToken(
      { name: 'crm', role: 'editor', tokenHash: 'hash', prefix: 'lp_abcdef' },
      ctx.db,
    );
    audit.record({ kind: 'cli' }, 'create', 'user', 7, { role: 'admin' });
    audit.record(
      { kind: 'api-token', tokenId: token.id, name: 'crm', ip: '192.0.2.9' },
      'update',
      'list',
      'x',
    );
    audit.record({ kind: 'system', task: 'purge' }, 'erase', 'subscriber', null);
    const rows = ctx.sql<Record<string, unknown>>(
      'select user_id, api_token_id, actor, action, entity, entity_id, details, ip from audit_log order by id',
    );
    expect(rows).toEqual([
      {
        user_id: null,
        api_token_id: null,
        actor: 'cli',
        action: 'create',
        entity: 'user',
        entity_id: '7',
        details: '{"role":"admin"}',
        ip: null,
      },
      {
        user_id: null,
        api_token_id: token.id,
        actor: 'api:crm',
        action: 'update',
        entity: 'list',
        entity_id: 'x',
        details: null,
        ip: '192.0.2.9',
      },
      {
        user_id: null,
        api_token_id: null,
        actor: 'system:purge',
        action: 'erase',
        entity: 'subscriber',
        entity_id: null,
        details: null,
        ip: null,
      },
    ]);
  });

  it('pages newest first, filtered by record', () => {
    for (let i = 1; i <= 5; i++) audit.record({ kind: 'cli' }, 'update', 'segment', 42, { i });
    audit.record({ kind: 'cli' }, 'update', 'segment', 43);
    const first = audit.page({ entity: 'segment', entityId: '42' }, 2);
    expect(first.entries.map((e) => e.details)).toEqual([{ i: 5 }, { i: 4 }]);
    expect(first.nextBefore).toBe(first.entries[1]!.id);
    const rest = audit.page({ entity: 'segment', entityId: '42', beforeId: first.nextBefore }, 10);
    expect(rest.entries.map((e) => e.details)).toEqual([{ i: 3 }, { i: 2 }, { i: 1 }]);
    expect(rest.nextBefore).toBeUndefined();
  });
});
