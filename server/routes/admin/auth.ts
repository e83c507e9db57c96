import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  SESSION_COOKIE,
  SESSION_IDLE_MS,
  type Problems,
  type UserActor,
} from '../../services/accounts/index.js';
import {
  CSRF_COOKIE,
  csrfCookieOptions,
  fieldErrors,
  sessionCookieOptions,
} from '../../plugins/admin.js';
import { field, type FormBody } from '../../http/form.js';

const SAME_SITE = 'http://landpost.invalid';

/**
 * Where to go after login: only a path of the admin area on this site (never an open
 * redirect), percent-encoded so it is a valid Location header; anything else goes to /admin.
 */
export function safeNext(next: unknown): string {
  // Control characters would end the header; a backslash is read as a slash by browsers.
  if (typeof next !== 'string' || !next.startsWith('/') || /[\p{Cc}\\]/u.test(next))
    return '/admin';
  let url: URL;
  try {
    url = new URL(next, SAME_SITE);
  } catch {
    return '/admin';
  }
  const adminPath = url.pathname === '/admin' || url.pathname.startsWith('/admin/');
  if (url.origin !== SAME_SITE || !adminPath || url.pathname.includes('//')) return '/admin';
  return url.pathname + url.search;
}

/** The signed-in user, as the actor of changes to their own account. */
function self(request: FastifyRequest): UserActor {
  if (request.actor?.kind !== 'user') throw new Error('no signed-in admin user');
  return request.actor;
}

/** Login, second factor, logout, the first admin's set-up, and the own account. */
export default async function authRoutes(app: FastifyInstance) {
  const accounts = app.services.accounts;
  const secure = app.config.publicUrl.startsWith('https:');
  const cookie = sessionCookieOptions(secure);
  // A new session gets a new CSRF secret too: the next page makes it.
  const setSession = (reply: FastifyReply, token: string) =>
    reply
      .setCookie(SESSION_COOKIE, token, {
        ...cookie,
        maxAge: Math.floor(SESSION_IDLE_MS / 1000) * 3,
      })
      .clearCookie(CSRF_COOKIE, csrfCookieOptions(secure));

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
      const result = await accounts.login({
        email,
        password: field(body, 'password'),
        replaces: request.sessionIdHash,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      if (result.kind !== 'ok') {
        request.log.warn('admin login refused');
        return reply.adminPage(
          'login',
          {
            title: request.at('auth.loginTitle'),
            next,
            values: { email },
            errors: { form: request.at('auth.invalid') },
          },
          401,
        );
      }
      setSession(reply, result.sessionToken);
      if (result.pendingTotp)
        return reply.redirect(`/admin/login/totp?next=${encodeURIComponent(next)}`, 303);
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
      const session = { idHash: request.sessionIdHash, user };
      if (!accounts.completeTotpLogin(session, field(body, 'code'), request.ip)) {
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
      return reply.redirect(next, 303);
    },
  );

  app.post(
    '/logout',
    { config: { pendingTotpOk: true, role: 'viewer' } },
    async (request, reply) => {
      if (request.sessionIdHash) accounts.logout(request.sessionIdHash, self(request));
      reply.clearCookie(SESSION_COOKIE, cookie);
      return reply.redirect('/admin/login?notice=loggedOut', 303);
    },
  );

  // The first admin: a one-time link from the log (valid one hour) while no user exists.
  const setupClosed = (request: FastifyRequest, reply: FastifyReply) =>
    reply.adminPage(
      'message',
      { title: request.at('auth.setupTitle'), message: request.at('auth.setupInvalid') },
      404,
    );

  app.get<{ Params: { token: string } }>(
    '/setup/:token',
    { config: { public: true } },
    async (request, reply) => {
      if (!accounts.setupOpen(request.params.token)) return setupClosed(request, reply);
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
      const body = (request.body ?? {}) as FormBody;
      const result = await accounts.createFirstAdmin(
        request.params.token,
        {
          email: field(body, 'email'),
          name: field(body, 'name'),
          password: field(body, 'password'),
          passwordRepeat: field(body, 'password2'),
        },
        { ip: request.ip, userAgent: request.headers['user-agent'] },
      );
      if (result.kind === 'closed') return setupClosed(request, reply);
      if (result.kind === 'invalid') {
        return reply.adminPage(
          'setup',
          {
            title: request.at('auth.setupTitle'),
            token: request.params.token,
            values: result.values,
            errors: fieldErrors(request.at, result.errors),
          },
          400,
        );
      }
      setSession(reply, result.sessionToken);
      return reply.redirect('/admin?notice=welcome', 303);
    },
  );

  // The own account: password, language, second factor.
  app.get('/account', { config: { role: 'viewer' } }, async (request, reply) => {
    const enrolment = accounts.totpEnrolment(request.user!);
    return reply.adminPage('account', {
      title: request.at('auth.accountTitle'),
      totpUri: enrolment?.uri,
      totpSecret: enrolment?.secret,
    });
  });

  // The current password is asked again: limited like the login, wrong entries counted alike.
  const passwordRateLimit = { max: app.config.loginRateLimit, timeWindow: '5 minutes' };
  app.post(
    '/account/password',
    { config: { role: 'viewer', rateLimit: passwordRateLimit } },
    async (request, reply) => {
      const body = (request.body ?? {}) as FormBody;
      const result = await accounts.changePassword(
        {
          current: field(body, 'current'),
          password: field(body, 'password'),
          passwordRepeat: field(body, 'password2'),
        },
        self(request),
        request.sessionIdHash,
      );
      if (result.kind === 'invalid') {
        return reply.adminPage(
          'account',
          {
            title: request.at('auth.accountTitle'),
            errors: fieldErrors(request.at, result.errors),
          },
          400,
        );
      }
      return reply.redirect('/admin/account?notice=passwordChanged', 303);
    },
  );

  app.post('/account/language', { config: { role: 'viewer' } }, async (request, reply) => {
    accounts.setLanguage(request.user!.id, field((request.body ?? {}) as FormBody, 'language'));
    return reply.redirect('/admin/account?notice=saved', 303);
  });

  // Setting up anew and switching off ask for the password (or a current code) again.
  const confirmed = { role: 'viewer' as const, rateLimit: passwordRateLimit };
  const confirmationRefused = (
    request: FastifyRequest,
    reply: FastifyReply,
    problems: Problems,
  ) => {
    const enrolment = accounts.totpEnrolment(request.user!);
    return reply.adminPage(
      'account',
      {
        title: request.at('auth.accountTitle'),
        totpUri: enrolment?.uri,
        totpSecret: enrolment?.secret,
        errors: fieldErrors(request.at, problems),
      },
      400,
    );
  };

  app.post('/account/totp/start', { config: confirmed }, async (request, reply) => {
    const confirmation = field((request.body ?? {}) as FormBody, 'confirm');
    const result = await accounts.startTotp(self(request), confirmation);
    if (result.kind === 'invalid') return confirmationRefused(request, reply, result.errors);
    return reply.redirect('/admin/account#totp', 303);
  });

  app.post('/account/totp/enable', { config: { role: 'viewer' } }, async (request, reply) => {
    const code = field((request.body ?? {}) as FormBody, 'code');
    const result = accounts.enableTotp(code, self(request));
    if (result.kind === 'invalid') {
      return reply.adminPage(
        'account',
        {
          title: request.at('auth.accountTitle'),
          totpSecret: result.enrolment?.secret,
          totpUri: result.enrolment?.uri,
          errors: { code: request.at('auth.totpInvalid') },
        },
        400,
      );
    }
    return reply.redirect('/admin/account?notice=totpEnabled', 303);
  });

  app.post('/account/totp/disable', { config: confirmed }, async (request, reply) => {
    const confirmation = field((request.body ?? {}) as FormBody, 'confirm');
    const result = await accounts.disableTotp(self(request), confirmation);
    if (result.kind === 'invalid') return confirmationRefused(request, reply, result.errors);
    return reply.redirect('/admin/account?notice=totpDisabled', 303);
  });
}
