import type { FastifyInstance } from 'fastify';
import { userRoles } from '../../services/accounts/index.js';
import { fieldErrors } from '../../plugins/admin.js';
import { field, type FormBody } from '../../http/form.js';

/** API tokens: created here or with `npx landpost token create`; shown once, stored hashed. */
export default async function tokenRoutes(app: FastifyInstance) {
  const apiTokens = app.services.apiTokens;
  const admin = { config: { role: 'admin' as const } };

  app.get('/tokens', admin, async (request, reply) =>
    reply.adminPage('tokens', {
      title: request.at('tokens.title'),
      tokens: apiTokens.list(),
      roles: userRoles,
    }),
  );

  app.post('/tokens', admin, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const result = apiTokens.create(
      { name: field(body, 'name'), role: field(body, 'role') },
      request.actor!,
    );
    if (result.kind === 'invalid') {
      return reply.adminPage(
        'tokens',
        {
          title: request.at('tokens.title'),
          tokens: apiTokens.list(),
          roles: userRoles,
          values: result.values,
          errors: fieldErrors(request.at, result.errors),
        },
        400,
      );
    }
    return reply.adminPage('tokens', {
      title: request.at('tokens.title'),
      tokens: apiTokens.list(),
      roles: userRoles,
      created: { token: result.token, name: result.apiToken.name },
    });
  });

  app.post<{ Params: { id: string } }>('/tokens/:id/revoke', admin, async (request, reply) => {
    apiTokens.revoke(Number(request.params.id), request.actor!);
    return reply.redirect('/admin/tokens?notice=revoked', 303);
  });
}
