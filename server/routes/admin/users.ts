import type { FastifyInstance } from 'fastify';
import { userRoles } from '../../services/accounts/index.js';
import { fieldErrors } from '../../plugins/admin.js';
import { field, type FormBody } from '../../http/form.js';

/** Admins manage who can log in and with which role. */
export default async function userRoutes(app: FastifyInstance) {
  const accounts = app.services.accounts;
  const admin = { config: { role: 'admin' as const } };

  app.get('/users', admin, async (request, reply) =>
    reply.adminPage('users', {
      title: request.at('users.title'),
      users: accounts.listUsers(),
      roles: userRoles,
    }),
  );

  app.post('/users', admin, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const result = await accounts.createUser(
      {
        email: field(body, 'email'),
        name: field(body, 'name'),
        role: field(body, 'role'),
        password: field(body, 'password'),
      },
      request.actor!,
    );
    if (result.kind === 'invalid') {
      return reply.adminPage(
        'users',
        {
          title: request.at('users.title'),
          users: accounts.listUsers(),
          roles: userRoles,
          values: result.values,
          errors: fieldErrors(request.at, result.errors),
        },
        400,
      );
    }
    return reply.redirect('/admin/users?notice=saved', 303);
  });

  // A lost authenticator: another admin switches the second factor off (the user sets it up anew).
  app.post<{ Params: { id: string } }>('/users/:id/reset-totp', admin, async (request, reply) => {
    if (!accounts.resetTotp(Number(request.params.id), request.actor!)) return reply.callNotFound();
    return reply.redirect('/admin/users?notice=saved', 303);
  });

  app.post<{ Params: { id: string } }>('/users/:id', admin, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const outcome = accounts.changeAccess(
      Number(request.params.id),
      { role: field(body, 'role'), disabled: field(body, 'disabled') === 'yes' },
      request.actor!,
    );
    if (outcome === 'not-found') return reply.callNotFound();
    if (outcome === 'invalid-role')
      return reply
        .code(400)
        .send({ error: 'Bad Request', message: 'unknown role', statusCode: 400 });
    if (outcome === 'last-admin') return reply.redirect('/admin/users?notice=lastAdmin', 303);
    return reply.redirect('/admin/users?notice=saved', 303);
  });
}
