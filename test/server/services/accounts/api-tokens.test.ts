/** API tokens against a real SQLite file: shown once, stored hashed, verified, revoked, audited. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../../../server/services/accounts/index.js';
import type { Actor } from '../../../../server/services/context.js';
import { sha256 } from '../../../../server/infra/security.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

const cli: Actor = { kind: 'cli' };
let ctx: ServiceTestContext;
let tokens: ApiTokenService;

beforeAll(() => {
  ctx = serviceTestContext();
  tokens = new ApiTokenService(ctx);
});
afterAll(() => ctx?.close());

describe('API tokens', () => {
  it('a new token is returned once and stored only as its hash; its creation is audited', () => {
    const result = tokens.create({ name: ' reporting ', role: 'viewer' }, cli);
    if (result.kind !== 'created') throw new Error(JSON.stringify(result.errors));
    expect(result.token).toMatch(/^lp_[A-Za-z0-9_-]{43}$/);
    const [row] = ctx.sql<Record<string, unknown>>(
      'select name, role, token_hash, prefix from api_tokens where id = ?',
      result.apiToken.id,
    );
    expect(row).toEqual({
      name: 'reporting',
      role: 'viewer',
      token_hash: sha256(result.token),
      prefix: result.token.slice(0, 9),
    });
    expect(
      ctx.sql(
        "select actor, action, details from audit_log where entity = 'api-token' and entity_id = ?",
        String(result.apiToken.id),
      ),
    ).toEqual([
      { actor: 'cli', action: 'create', details: '{"name":"reporting","role":"viewer"}' },
    ]);
  });

  it('refuses a missing or marked-up name and an unknown role', () => {
    expect(tokens.create({ name: '  ', role: 'viewer' }, cli)).toMatchObject({
      kind: 'invalid',
      errors: { name: 'tokens.nameInvalid' },
    });
    expect(tokens.create({ name: '<script>', role: 'root' }, cli)).toMatchObject({
      kind: 'invalid',
      errors: { name: 'tokens.nameInvalid', role: 'users.roleInvalid' },
    });
  });

  it('verifies a live token and marks it used; a revoked one no longer works', () => {
    const result = tokens.create({ name: 'crm', role: 'editor' }, cli);
    if (result.kind !== 'created') throw new Error('not created');
    const now = Date.now();
    expect(tokens.verify(result.token, now)?.name).toBe('crm');
    expect(tokens.list().find((t) => t.id === result.apiToken.id)?.lastUsedAt).toBe(now);
    expect(tokens.verify(`${result.token}x`)).toBeUndefined();

    const admin: Actor = { kind: 'api-token', tokenId: result.apiToken.id, name: 'crm' };
    expect(tokens.revoke(result.apiToken.id, admin)).toBe(true);
    expect(tokens.verify(result.token)).toBeUndefined();
    expect(tokens.revoke(result.apiToken.id, admin)).toBe(false);
    expect(
      ctx.sql(
        "select actor, api_token_id from audit_log where action = 'revoke' and entity_id = ?",
        String(result.apiToken.id),
      ),
    ).toEqual([{ actor: 'api:crm', api_token_id: result.apiToken.id }]);
  });
});
