import type { FastifyInstance, FastifyReply } from 'fastify';
import * as users from '../../../db/queries/users.js';
import {
  hashPassword,
  login,
  newTotpSecret,
  passwordProblem,
  SESSION_COOKIE,
  SESSION_IDLE_MS,
  startSession,
  totpUri,
  verifyTotp,
} from '../../services/accounts/index.js';
import { sessionCookieOptions } from '../../plugins/admin.js';
import { isValidEmail } from '../../services/subscribers/index.js';
import { field, type FormBody } from '../../http/form.js';

/** Only relative admin paths are followed after login (never an open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(\/[^/\\]|$|\?)/.test(next) && !next.includes('//')
    ? next
    : '/admin';
}

/** Login, second factor, logout, the first admin's set-up, and the own account. */
export default async function authRoutes(app: FastifyInstance) {
  const db = app.database.db;
  const cookie = sessionCookieOptions(app.config.publicUrl.startsWith('https:'));
  const setSession = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      ...cookie,
      maxAge: Math.floor(SESSION_IDLE_MS / 1000) * 3,
    });

  app.get('/login', { config: { public: true } }, async (request, reply) => {
    if (request.user) return reply.redirect('/admin', 303);
    const query = request.query as Record<string, string | undefined>;
    return reply.adminPage('login', {
      title: request.at('auth.loginTitle'),
      next: safeNext(query.next),
    });
  });

  app.post(
    '/login',
    {
      config: {
        public: true,
        rateLimit: { max: app.config.loginRateLimit, timeWindow: '5 minutes' },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as FormBody;
      const email = field(body, 'email').trim();
      const next = safeNext(field(body, 'next'));
      const result = await login(db, {
        email,
        password: field(body, 'password'),
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      if (result.kind !== 'ok') {
        const message =
          result.kind === 'locked'
            ? request.at('auth.locked', {
                minutes: Math.ceil((result.until - Date.now()) / 60_000),
              })
            : request.at('auth.invalid');
        request.log.warn({ kind: result.kind }, 'admin login refused');
        return reply.adminPage(
          'login',
          {
            title: request.at('auth.loginTitle'),
            next,
            values: { email },
            errors: { form: message },
          },
          401,
        );
      }
      if (request.sessionIdHash) users.deleteSession(request.sessionIdHash, db);
      setSession(reply, result.sessionToken);
      request.user = result.user;
      request.actor = {
        kind: 'user',
        userId: result.user.id,
        email: result.user.email,
        ip: request.ip,
      };
      if (result.pendingTotp)
        return reply.redirect(`/admin/login/totp?next=${encodeURIComponent(next)}`, 303);
      request.audit('login', 'user', result.user.id);
      return reply.redirect(next, 303);
    },
  );

  app.get('/login/totp', { config: { pendingTotpOk: true } }, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    return reply.adminPage('login-totp', {
      title: request.at('auth.totpTitle'),
      next: safeNext(query.next),
    });
  });

  app.post(
    '/login/totp',
    {
      config: {
        pendingTotpOk: true,
        rateLimit: { max: app.config.loginRateLimit, timeWindow: '5 minutes' },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as FormBody;
      const next = safeNext(field(body, 'next'));
      const user = request.user;
      if (!user || !request.sessionIdHash) return reply.redirect('/admin/login', 303);
      const secret = totpSecretOf(user);
      if (!secret || !verifyTotp(secret, field(body, 'code'))) {
        return reply.adminPage(
          'login-totp',
          {
            title: request.at('auth.totpTitle'),
            next,
            errors: { code: request.at('auth.totpInvalid') },
          },
          401,
        );
      }
      users.completeTotp(request.sessionIdHash, db);
      request.audit('login', 'user', user.id, { totp: true });
      return reply.redirect(next, 303);
    },
  );

  app.post(
    '/logout',
    { config: { pendingTotpOk: true, role: 'viewer' } },
    async (request, reply) => {
      if (request.sessionIdHash) {
        request.audit('logout', 'user', request.user?.id);
        users.deleteSession(request.sessionIdHash, db);
      }
      reply.clearCookie(SESSION_COOKIE, cookie);
      return reply.redirect('/admin/login?notice=loggedOut', 303);
    },
  );

  // The first admin: a one-time link from the log (valid one hour) while no user exists.
  /** The second factor's secret is stored sealed with a key derived from SECRET_KEY. */
  const totpSecretOf = (user: users.User) =>
    user.totpSecret ? app.secrets.unseal(user.totpSecret) : undefined;

  const setupAllowed = (token: string) =>
    users.countUsers(db) === 0 && app.secrets.verify('admin-setup', token) !== undefined;

  app.get<{ Params: { token: string } }>(
    '/setup/:token',
    { config: { public: true } },
    async (request, reply) => {
      if (!setupAllowed(request.params.token)) {
        return reply.adminPage(
          'message',
          { title: request.at('auth.setupTitle'), message: request.at('auth.setupInvalid') },
          404,
        );
      }
      return reply.adminPage('setup', {
        title: request.at('auth.setupTitle'),
        token: request.params.token,
      });
    },
  );

  app.post<{ Params: { token: string } }>(
    '/setup/:token',
    {
      config: {
        public: true,
        rateLimit: { max: app.config.loginRateLimit, timeWindow: '5 minutes' },
      },
    },
    async (request, reply) => {
      if (!setupAllowed(request.params.token)) {
        return reply.adminPage(
          'message',
          { title: request.at('auth.setupTitle'), message: request.at('auth.setupInvalid') },
          404,
        );
      }
      const body = (request.body ?? {}) as FormBody;
      const values = {
        email: field(body, 'email').trim().toLowerCase(),
        name: field(body, 'name').trim(),
      };
      const errors: Record<string, string> = {};
      if (!isValidEmail(values.email)) errors.email = request.at('auth.emailInvalid');
      const problem = passwordProblem(field(body, 'password'));
      if (problem) errors.password = request.at(`auth.password.${problem}`);
      else if (field(body, 'password') !== field(body, 'password2'))
        errors.password2 = request.at('auth.password.mismatch');
      if (!isPlainText(values.name, 100)) errors.name = request.at('auth.nameInvalid');
      if (Object.keys(errors).length) {
        return reply.adminPage(
          'setup',
          { title: request.at('auth.setupTitle'), token: request.params.token, values, errors },
          400,
        );
      }
      const user = users.createUser(
        {
          email: values.email,
          name: values.name,
          passwordHash: await hashPassword(field(body, 'password')),
          role: 'admin',
        },
        db,
      );
      request.user = user;
      request.actor = { kind: 'user', userId: user.id, email: user.email, ip: request.ip };
      request.audit('create', 'user', user.id, { role: 'admin', via: 'setup link' });
      setSession(
        reply,
        startSession(db, user.id, false, {
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        }),
      );
      return reply.redirect('/admin?notice=welcome', 303);
    },
  );

  // The own account: password, language, second factor.
  app.get('/account', { config: { role: 'viewer' } }, async (request, reply) => {
    const user = request.user!;
    const pendingSecret = user.totpEnabled ? undefined : totpSecretOf(user);
    return reply.adminPage('account', {
      title: request.at('auth.accountTitle'),
      totpUri: pendingSecret ? totpUri(pendingSecret, user.email, app.config.orgName) : undefined,
      totpSecret: pendingSecret,
    });
  });

  app.post('/account/password', { config: { role: 'viewer' } }, async (request, reply) => {
    const user = request.user!;
    const body = (request.body ?? {}) as FormBody;
    const errors: Record<string, string> = {};
    const verified = await login(db, { email: user.email, password: field(body, 'current') }).then(
      (r) => {
        // login() started a session as a side effect of checking: drop it again.
        if (r.kind === 'ok') users.deleteSession(sha(r.sessionToken), db);
        return r.kind === 'ok';
      },
    );
    if (!verified) errors.current = request.at('auth.password.wrong');
    const problem = passwordProblem(field(body, 'password'));
    if (problem) errors.password = request.at(`auth.password.${problem}`);
    else if (field(body, 'password') !== field(body, 'password2'))
      errors.password2 = request.at('auth.password.mismatch');
    if (Object.keys(errors).length) {
      return reply.adminPage('account', { title: request.at('auth.accountTitle'), errors }, 400);
    }
    users.updateUser(
      user.id,
      { passwordHash: await hashPassword(field(body, 'password')), passwordChangedAt: Date.now() },
      db,
    );
    users.deleteUserSessions(user.id, db, request.sessionIdHash);
    request.audit('change-password', 'user', user.id);
    return reply.redirect('/admin/account?notice=passwordChanged', 303);
  });

  app.post('/account/language', { config: { role: 'viewer' } }, async (request, reply) => {
    const language = field((request.body ?? {}) as FormBody, 'language');
    if (language === 'de' || language === 'en')
      users.updateUser(request.user!.id, { language }, db);
    return reply.redirect('/admin/account?notice=saved', 303);
  });

  app.post('/account/totp/start', { config: { role: 'viewer' } }, async (request, reply) => {
    users.updateUser(
      request.user!.id,
      { totpSecret: app.secrets.seal(newTotpSecret()), totpEnabled: false },
      db,
    );
    return reply.redirect('/admin/account#totp', 303);
  });

  app.post('/account/totp/enable', { config: { role: 'viewer' } }, async (request, reply) => {
    const user = users.findUser(request.user!.id, db)!;
    const code = field((request.body ?? {}) as FormBody, 'code');
    const secret = totpSecretOf(user);
    if (!secret || !verifyTotp(secret, code)) {
      return reply.adminPage(
        'account',
        {
          title: request.at('auth.accountTitle'),
          totpSecret: secret,
          totpUri: secret ? totpUri(secret, user.email, app.config.orgName) : undefined,
          errors: { code: request.at('auth.totpInvalid') },
        },
        400,
      );
    }
    users.updateUser(user.id, { totpEnabled: true }, db);
    request.audit('enable-totp', 'user', user.id);
    return reply.redirect('/admin/account?notice=totpEnabled', 303);
  });

  app.post('/account/totp/disable', { config: { role: 'viewer' } }, async (request, reply) => {
    users.updateUser(request.user!.id, { totpEnabled: false, totpSecret: null }, db);
    request.audit('disable-totp', 'user', request.user!.id);
    return reply.redirect('/admin/account?notice=totpDisabled', 303);
  });
}

import { sha256 as sha } from '../../infra/security.js';
import { isPlainText } from '../../services/plain-text.js';
