import { createHmac } from 'node:crypto';
import csrf from '@fastify/csrf-protection';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  roleAllows,
  SESSION_COOKIE,
  type User,
  type UserRole,
} from '../services/accounts/index.js';
import { ADMIN_LANGUAGES, adminTranslator } from '../i18n/admin.js';
import type { Translate } from '../i18n/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session (login, set-up). */
    public?: boolean;
    /** Reachable while the second factor is still pending. */
    pendingTotpOk?: boolean;
    /** Least role needed; default viewer for GET/HEAD, editor for everything else. */
    role?: UserRole;
  }
  interface FastifyRequest {
    user?: User;
    /** The stored id of the live session cookie, also while the second factor is pending. */
    sessionIdHash?: string;
    at: Translate;
  }
  interface FastifyReply {
    adminPage(
      template: string,
      data?: Record<string, unknown>,
      status?: number,
    ): Promise<FastifyReply>;
  }
}

export function adminLanguage(request: FastifyRequest): string {
  if (request.user) return request.user.language;
  const header = (request.headers['accept-language'] ?? '').toLowerCase();
  const first = ADMIN_LANGUAGES.map((l) => ({ l, i: header.indexOf(l) }))
    .filter((x) => x.i >= 0)
    .sort((a, b) => a.i - b.i)[0];
  return first?.l ?? 'de';
}

/** A service's field problems (admin message keys) in the user's language, for the form. */
export function fieldErrors(
  at: Translate,
  problems: Record<string, string>,
  vars: Record<string, Record<string, string | number>> = {},
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(problems).map(([name, key]) => [name, at(key, vars[name])]),
  );
}

export function sessionCookieOptions(secure: boolean) {
  return { path: '/admin', httpOnly: true, sameSite: 'lax' as const, secure, signed: false };
}

/** The cookie with the secret that the admin forms' CSRF tokens are made from. */
export const CSRF_COOKIE = 'lp_csrf';

export function csrfCookieOptions(secure: boolean) {
  return { path: '/admin', httpOnly: true, sameSite: 'strict' as const, secure, signed: true };
}

/**
 * What a form token is bound to: the session, so a token (and cookie) obtained by anybody else,
 * e.g. from the login page before signing in, is worthless with this session.
 */
const csrfUserInfo = (request: FastifyRequest) => request.sessionIdHash ?? 'no session';

/**
 * The admin area's guard: a session cookie (random id, stored hashed, sliding idle timeout),
 * a role check on every route, CSRF tokens on every state-changing request, and `request.actor`
 * for the services' audit entries.
 */
export default fp(
  async (app) => {
    const accounts = app.services.accounts;
    const secure = app.config.publicUrl.startsWith('https:');

    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: CSRF_COOKIE,
      cookieOpts: csrfCookieOptions(secure),
      getUserInfo: csrfUserInfo,
      // The tokens' MAC gets a key of its own, derived from the cookie secret.
      csrfOpts: {
        userInfo: true,
        hmacKey: createHmac('sha256', app.secrets.cookieSecret()).update('csrf').digest(),
      },
      getToken: (request: FastifyRequest) => {
        const body = request.body as Record<string, unknown> | undefined;
        const query = request.query as Record<string, unknown> | undefined;
        const header = request.headers['x-csrf-token'];
        const token = (typeof header === 'string' && header) || body?._csrf || query?._csrf;
        return typeof token === 'string' ? token : '';
      },
    });

    app.decorateRequest('at', null as unknown as Translate);

    app.addHook('onRequest', async (request, reply) => {
      const config = request.routeOptions.config;
      const token = request.cookies[SESSION_COOKIE];
      const found = token ? accounts.session(token) : undefined;
      if (found) {
        request.sessionIdHash = found.idHash;
        if (!found.pendingTotp || config.pendingTotpOk) {
          request.user = found.user;
          request.actor = {
            kind: 'user',
            userId: found.user.id,
            email: found.user.email,
            ip: request.ip,
          };
        } else if (!config.public) {
          request.at = adminTranslator(adminLanguage(request));
          return reply.redirect('/admin/login/totp', 303);
        }
      }
      request.at = adminTranslator(adminLanguage(request));
      if (config.public || config.pendingTotpOk) return;
      if (!request.user) {
        if (request.method === 'GET') {
          const next = encodeURIComponent(request.url);
          return reply.redirect(`/admin/login?next=${next}`, 303);
        }
        return reply.code(401).send({
          error: 'Unauthorized',
          message: request.at('common.loginRequired'),
          statusCode: 401,
        });
      }
      const needed =
        config.role ??
        (request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'editor');
      if (!roleAllows(request.user.role, needed)) {
        return reply
          .code(403)
          .adminPage(
            'message',
            { title: request.at('common.forbiddenTitle'), message: request.at('common.forbidden') },
            403,
          );
      }
    });

    // Every state-changing request carries the CSRF token of its form.
    app.addHook('preHandler', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS')
        return;
      await new Promise<void>((resolve, reject) => {
        app.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve()));
      });
    });

    app.decorateReply(
      'adminPage',
      async function (this: FastifyReply, template, data = {}, status = 200) {
        const request = this.request;
        const html = await this.viewAsync(`admin/${template}`, {
          at: request.at ?? adminTranslator('de'),
          adminLang: request.user?.language ?? adminLanguage(request),
          user: request.user,
          csrf: this.generateCsrf({ userInfo: csrfUserInfo(request) }),
          path: request.url.split('?')[0],
          can: (role: UserRole) => !!request.user && roleAllows(request.user.role, role),
          production: app.config.production,
          orgName: app.services.organisation.get().name,
          notice: (request.query as Record<string, string> | undefined)?.notice,
          errors: {},
          values: {},
          ...data,
        });
        return this.code(status)
          .header('Cache-Control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(html);
      },
    );
  },
  { name: 'admin', dependencies: ['services', 'view'] },
);
