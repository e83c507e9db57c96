import type { FastifyInstance } from 'fastify';
import * as apiTokens from '../../../db/queries/api-tokens.js';
import { userRoles, type UserRole } from '../../../db/schema.js';
import { randomToken, sha256 } from '../../infra/security.js';
import { field, type FormBody } from '../../http/form.js';
import { isPlainText } from '../../services/plain-text.js';

/** API tokens: created here or with `npx landpost token create`; shown once, stored hashed. */
export default async function tokenRoutes(app: FastifyInstance) {
  const db = app.database.db;
  const admin = { config: { role: 'admin' as const } };

  app.get('/tokens', admin, async (request, reply) =>
    reply.adminPage('tokens', {
      title: request.at('tokens.title'),
      tokens: apiTokens.listApiTokens(db),
      roles: userRoles,
    }),
  );

  app.post('/tokens', admin, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const name = field(body, 'name').trim();
    const role = field(body, 'role');
    const errors: Record<string, string> = {};
    if (!name || !isPlainText(name, 100)) errors.name = request.at('tokens.nameInvalid');
    if (!(userRoles as readonly string[]).includes(role))
      errors.role = request.at('users.roleInvalid');
    if (Object.keys(errors).length) {
      return reply.adminPage(
        'tokens',
        {
          title: request.at('tokens.title'),
          tokens: apiTokens.listApiTokens(db),
          roles: userRoles,
          values: { name, role },
          errors,
        },
        400,
      );
    }
    const token = `lp_${randomToken()}`;
    const row = apiTokens.createApiToken(
      { name, role: role as UserRole, tokenHash: sha256(token), prefix: token.slice(0, 9) },
      db,
    );
    request.audit('create', 'api-token', row.id, { name, role });
    return reply.adminPage('tokens', {
      title: request.at('tokens.title'),
      tokens: apiTokens.listApiTokens(db),
      roles: userRoles,
      created: { token, name },
    });
  });

  app.post<{ Params: { id: string } }>('/tokens/:id/revoke', admin, async (request, reply) => {
    const id = Number(request.params.id);
    if (apiTokens.revokeApiToken(id, Date.now(), db)) request.audit('revoke', 'api-token', id);
    return reply.redirect('/admin/tokens?notice=revoked', 303);
  });
}
