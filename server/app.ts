import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import proxyAddr from '@fastify/proxy-addr';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { language, negotiate, translator } from './i18n/index.js';
import { resilientRateLimitStore } from './infra/rate-limit-store.js';
import services, { type AppDeps } from './plugins/services.js';
import viewPlugin from './plugins/view.js';
import adminRoutes from './routes/admin/index.js';
import apiRoutes from './routes/api/v1/index.js';
import healthRoutes from './routes/health.js';
import archiveRoutes from './routes/public/archive.js';
import confirmRoutes from './routes/public/confirm.js';
import mediaRoutes from './routes/public/media.js';
import preferencesRoutes from './routes/public/preferences.js';
import signupRoutes from './routes/public/signup.js';
import trackingRoutes, { trackingAnswer, type TrackingAnswer } from './routes/public/tracking.js';
import eventRoutes from './routes/public/events.js';
import unsubscribeRoutes from './routes/public/unsubscribe.js';

/** Paths whose last segment is a secret token: logged shortened. */
const TOKEN_PATH =
  /^(\/(?:confirm|u|p|admin\/setup|t\/o|t\/c|events\/[^/?]+\/cancel)\/)([^/?]+)(.*)$/;
/** Signed query parameters: a recommendation (`ref`) and an attribution (`who`). */
const TOKEN_PARAM = /([?&](?:ref|who)=)([^&#]{6})[^&#]*/g;

export function redactUrl(url: string): string {
  return url
    .replace(
      TOKEN_PATH,
      (_m, head: string, token: string, rest: string) => `${head}${token.slice(0, 6)}…${rest}`,
    )
    .replace(TOKEN_PARAM, '$1$2…');
}

export function loggerOptions(level: string) {
  return {
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
      }),
    },
  };
}

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/** Builds the web app. Tests build it too and talk to it with inject() or a real port. */
export async function buildApp(
  deps: AppDeps,
  opts: { logger?: FastifyBaseLogger } = {},
): Promise<FastifyInstance> {
  // Every newsletter mail fetches the open pixel and follows the redirect: on a listening server
  // they are answered before Fastify routes the request (set once the app is ready, unset while
  // it closes, when Fastify answers 503). Anything they do not answer goes to Fastify.
  let answerTracking: TrackingAnswer | undefined;
  const clientAddress = deps.config.trustProxy
    ? (req: IncomingMessage) => proxyAddr(req, () => true)
    : (req: IncomingMessage) => req.socket.remoteAddress ?? '';
  const app = Fastify({
    serverFactory: (handler, options) => {
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        try {
          if (answerTracking?.(req, res, clientAddress(req))) return;
        } catch {
          // Not answered (the database unreadable, say): Fastify's route tries again and
          // answers its error page.
          if (res.headersSent) return;
        }
        handler(req, res);
      });
      // What Fastify sets on a server it creates itself.
      const number = (name: string, fallback: number) => {
        const value = options[name];
        return typeof value === 'number' ? value : fallback;
      };
      server.keepAliveTimeout = number('keepAliveTimeout', 72_000);
      server.requestTimeout = number('requestTimeout', 0);
      server.setTimeout(number('connectionTimeout', 0));
      const perSocket = number('maxRequestsPerSocket', 0);
      if (perSocket > 0) server.maxRequestsPerSocket = perSocket;
      return server;
    },
    ...(opts.logger
      ? { loggerInstance: opts.logger }
      : { logger: loggerOptions(deps.config.logLevel) }),
    trustProxy: deps.config.trustProxy,
    bodyLimit: 64 * 1024,
    // A misspelt field in an API request is an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });

  await app.register(services, deps);
  await app.register(cookie, { secret: deps.secrets.cookieSecret() });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(rateLimit, {
    global: false,
    store: resilientRateLimitStore(deps.queues.connection, `${deps.config.queuePrefix}:rate:`),
  });
  await app.register(viewPlugin);

  const https = deps.config.publicUrl.startsWith('https:');
  // Callback hooks, not async ones: they run on every request, and a promise each adds up.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    if (https) reply.header('Strict-Transport-Security', 'max-age=31536000');
    // Admin pages, caught mail (live confirmation links) and API answers carry personal data.
    if (
      !reply.getHeader('Cache-Control') &&
      (request.url.startsWith('/admin/') || request.url.startsWith('/api/'))
    ) {
      reply.header('Cache-Control', 'no-store');
    }
    reply.header('Referrer-Policy', 'no-referrer');
    if (!reply.getHeader('Content-Security-Policy')) {
      reply.header(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
    }
    if (!reply.getHeader('X-Frame-Options')) reply.header('X-Frame-Options', 'DENY');
    done(null, payload);
  });

  // Pages post HTML forms; only the API reads JSON. Anything else sent to a page (JSON with a
  // number where a name belongs, XML, …) is refused before any handler sees it.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.startsWith('/api/')) return done();
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!type || FORM_TYPES.has(type)) return done();
    done(Object.assign(new Error('pages accept HTML form posts only'), { statusCode: 415 }));
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error(
        { err: error, method: request.method, url: redactUrl(request.url) },
        'request failed',
      );
    }
    const wantsJson =
      request.url.startsWith('/api/') || !(request.headers.accept ?? '').includes('text/html');
    const lang = request.lang ?? language(negotiate(request.headers['accept-language']));
    const t = request.t ?? translator(lang.code);
    const messageKey =
      status === 413
        ? 'common.tooLarge'
        : status === 429
          ? 'common.tooMany'
          : status === 404
            ? 'common.notFound'
            : status >= 500
              ? 'common.serverError'
              : 'common.badRequest';
    const message =
      status >= 500
        ? t(messageKey)
        : status === 400 && error.validation
          ? error.message
          : t(messageKey);
    if (wantsJson) {
      return reply.code(status).send({ error: httpName(status), message, statusCode: status });
    }
    request.lang = lang;
    request.t = t;
    return reply.page('message', { title: t('common.error'), message }, status);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const lang = language(negotiate(request.headers['accept-language']));
    const t = translator(lang.code);
    if (request.url.startsWith('/api/') || !(request.headers.accept ?? '').includes('text/html')) {
      return reply
        .code(404)
        .send({ error: 'Not Found', message: t('common.notFound'), statusCode: 404 });
    }
    request.lang = lang;
    request.t = t;
    return reply.page('message', { title: t('common.error'), message: t('common.notFound') }, 404);
  });

  await app.register(healthRoutes);
  await app.register(signupRoutes);
  await app.register(confirmRoutes);
  await app.register(unsubscribeRoutes);
  await app.register(preferencesRoutes);
  await app.register(mediaRoutes);
  await app.register(archiveRoutes);
  await app.register(trackingRoutes);
  await app.register(eventRoutes);
  await app.register(apiRoutes, { prefix: '/api/v1' });
  await app.register(adminRoutes, { prefix: '/admin' });
  app.addHook('onReady', (done) => {
    answerTracking = trackingAnswer(app.services.tracking);
    done();
  });
  app.addHook('preClose', (done) => {
    answerTracking = undefined;
    done();
  });
  return app;
}

function httpName(status: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
  };
  return names[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}
