import { transaction, type Db } from '../../../db/client.js';
import * as apiTokens from '../../../db/queries/api-tokens.js';
import { recordAction } from '../../../db/queries/audit.js';
import type { UserRole } from '../../../db/schema.js';
import { randomToken, sha256 } from '../../infra/security.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { apiTokenProblems, type Problems } from './validation.js';

export type ApiToken = apiTokens.ApiToken;

/**
 * Bearer tokens for the JSON API, created in the admin UI or with `npx landpost token create`.
 * A token is shown once and stored only as its SHA-256.
 */
export class ApiTokenService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  list(): ApiToken[] {
    return apiTokens.listApiTokens(this.db);
  }

  create(
    input: { name: string; role: string },
    actor: Actor,
  ):
    | { kind: 'created'; token: string; apiToken: ApiToken }
    | { kind: 'invalid'; errors: Problems; values: { name: string; role: string } } {
    const values = { name: input.name.trim(), role: input.role };
    const errors = apiTokenProblems(values);
    if (Object.keys(errors).length) return { kind: 'invalid', errors, values };
    const token = `lp_${randomToken()}`;
    const role = values.role as UserRole;
    const apiToken = transaction(this.db, (tx) => {
      const row = apiTokens.createApiToken(
        { name: values.name, role, tokenHash: sha256(token), prefix: token.slice(0, 9) },
        tx,
      );
      recordAction(auditWho(actor), 'create', 'api-token', row.id, { name: row.name, role }, tx);
      return row;
    });
    return { kind: 'created', token, apiToken };
  }

  /** False when there is no such token or it was revoked before. */
  revoke(id: number, actor: Actor, now = Date.now()): boolean {
    return transaction(this.db, (tx) => {
      if (!apiTokens.revokeApiToken(id, now, tx)) return false;
      recordAction(auditWho(actor), 'revoke', 'api-token', id, undefined, tx);
      return true;
    });
  }

  /** The live token a bearer secret belongs to; marks it used. */
  verify(secret: string, now = Date.now()): ApiToken | undefined {
    return apiTokens.useApiToken(sha256(secret), now, this.db);
  }
}
