import type { FastifyInstance } from 'fastify';
import * as users from '../../../db/queries/users.js';
import { userRoles, type UserRole } from '../../../db/schema.js';
import { hashPassword, passwordProblem } from '../../services/accounts/index.js';
import { isValidEmail } from '../../services/subscribers/index.js';
import { field, type FormBody } from '../../http/form.js';
import { isPlainText } from '../../services/plain-text.js';

const isRole = (v: string): v is UserRole => (userRoles as readonly string[]).includes(v);

/** Admins manage who can log in and with which role. */
export default async function userRoutes(app: FastifyInstance) {
  const db = app.database.db;
  const admin = { config: { role: 'admin' as const } };

  app.get('/users', admin, async (request, reply) =>
    reply.adminPage('users', {
      title: request.at('users.title'),
      users: users.listUsers(db),
      roles: userRoles,
    }),
  );

  app.post('/users', admin, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const values = {
      email: field(body, 'email').trim().toLowerCase(),
      name: field(body, 'name').trim(),
      role: field(body, 'role'),
    };
    const errors: Record<string, string> = {};
    if (!isValidEmail(values.email)) errors.email = request.at('auth.emailInvalid');
    else if (users.findUserByEmail(values.email, db)) errors.email = request.at('users.exists');
    if (!isPlainText(values.name, 100)) errors.name = request.at('auth.nameInvalid');
    if (!isRole(values.role)) errors.role = request.at('users.roleInvalid');
    const problem = passwordProblem(field(body, 'password'));
    if (problem) errors.password = request.at(`auth.password.${problem}`);
    if (Object.keys(errors).length) {
      return reply.adminPage(
        'users',
        {
          title: request.at('users.title'),
          users: users.listUsers(db),
          roles: userRoles,
          values,
          errors,
        },
        400,
      );
    }
    const user = users.createUser(
      {
        email: values.email,
        name: values.name,
        role: values.role as UserRole,
        passwordHash: await hashPassword(field(body, 'password')),
      },
      db,
    );
    request.audit('create', 'user', user.id, { role: user.role });
    return reply.redirect('/admin/users?notice=saved', 303);
  });

  // A lost authenticator: another admin switches the second factor off (the user sets it up anew).
  app.post<{ Params: { id: string } }>('/users/:id/reset-totp', admin, async (request, reply) => {
    const id = Number(request.params.id);
    if (!users.findUser(id, db)) return reply.callNotFound();
    users.updateUser(id, { totpEnabled: false, totpSecret: null }, db);
    users.deleteUserSessions(id, db);
    request.audit('disable-totp', 'user', id, { by: 'admin' });
    return reply.redirect('/admin/users?notice=saved', 303);
  });

  app.post<{ Params: { id: string } }>('/users/:id', admin, async (request, reply) => {
    const id = Number(request.params.id);
    const target = users.findUser(id, db);
    if (!target) return reply.callNotFound();
    const body = (request.body ?? {}) as FormBody;
    const role = field(body, 'role');
    const disabled = field(body, 'disabled') === 'yes';
    if (!isRole(role))
      return reply
        .code(400)
        .send({ error: 'Bad Request', message: 'unknown role', statusCode: 400 });
    // Never lock the organisation out: the last active admin stays an active admin.
    const losesAdmin =
      target.role === 'admin' && !target.disabledAt && (role !== 'admin' || disabled);
    if (losesAdmin && users.countActiveAdmins(db, target.id) === 0) {
      return reply.redirect('/admin/users?notice=lastAdmin', 303);
    }
    users.updateUser(
      id,
      { role, disabledAt: disabled ? (target.disabledAt ?? Date.now()) : null },
      db,
    );
    if (role !== target.role || disabled) users.deleteUserSessions(id, db);
    request.audit('update', 'user', id, { role, disabled });
    return reply.redirect('/admin/users?notice=saved', 303);
  });
}
