import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import {
  trackedHeaders,
  type TrackingRequest,
  type TrackingService,
} from '../../services/tracking/index.js';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const NO_STORE = 'no-store, no-cache, must-revalidate, private';

/** What a token of ours can hold: base64url and the dot between payload and signature. */
const TOKEN = /^[A-Za-z0-9_.-]+$/;

/**
 * Answers a pixel or redirect request whose token is ours, straight on the socket, and says
 * whether it did. Anything else (another path or method, a token that is not ours) is left to
 * the app, which answers 404.
 */
export type TrackingAnswer = (req: IncomingMessage, res: ServerResponse, ip: string) => boolean;

/**
 * The answers of the open pixel and the click redirect. They hand the request to the tracking
 * service and answer at once; the service writes in batches. The headers are the ones the
 * app's onSend hook would add (no referrer: the token must not reach the target site).
 */
export function trackingAnswer(tracking: TrackingService): TrackingAnswer {
  const fixed: Record<string, string> = {
    'cache-control': NO_STORE,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(tracking.https ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
  const pixelHeaders = {
    ...fixed,
    'content-type': 'image/gif',
    'content-length': String(PIXEL.length),
  };
  return (req, res, ip) => {
    const url = req.url ?? '';
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      !url.startsWith('/t/') ||
      url.charCodeAt(4) !== 47 // '/'
    ) {
      return false;
    }
    const kind = url[3];
    if (kind !== 'o' && kind !== 'c') return false;
    const end = url.indexOf('?', 5);
    const token = end === -1 ? url.slice(5) : url.slice(5, end);
    if (!TOKEN.test(token)) return false;
    const request: TrackingRequest = {
      method: req.method,
      ip,
      headers: trackedHeaders(req.headers),
      at: Date.now(),
    };
    if (kind === 'o') {
      if (!tracking.open(token, request)) return false;
      res.writeHead(200, pixelHeaders);
      res.end(req.method === 'HEAD' ? undefined : PIXEL);
      return true;
    }
    const target = tracking.click(token, request);
    if (!target) return false;
    res.writeHead(302, { ...fixed, location: target.url, 'content-length': '0' });
    res.end();
    return true;
  };
}

/**
 * The open pixel and the click redirect of newsletter mails. A token we did not sign, or a link
 * that was not in the campaign's mails, is a 404: never a redirect elsewhere.
 *
 * On a listening server the app answers tokens of ours before Fastify routes the request (see
 * `buildApp`); these routes answer them for `inject()` and answer the 404s.
 */
export default async function trackingRoutes(app: FastifyInstance) {
  const tracking = app.services.tracking;
  tracking.start();
  app.addHook('onClose', async () => tracking.close());
  const answer = trackingAnswer(tracking);

  // Every mail fetches these: no request log lines for them.
  const quiet = { logLevel: 'warn' as const };
  // The answers that count come from the route's own onRequest hook: nothing after it (body
  // parsing, the page language, the handler) runs for them. Only a token that is not ours goes
  // on to the handler, which answers 404.
  const answerFirst = {
    ...quiet,
    onRequest: (
      request: { raw: IncomingMessage; ip: string },
      reply: { raw: ServerResponse; hijack(): unknown },
      done: () => void,
    ) => {
      if (!answer(request.raw, reply.raw, request.ip)) return done();
      reply.hijack();
    },
  };

  app.get('/t/o/:token', answerFirst, async (_request, reply) =>
    reply
      .code(404)
      .header('Cache-Control', NO_STORE)
      .type('text/plain; charset=utf-8')
      .send('not found\n'),
  );

  app.get('/t/c/:token', answerFirst, async (request, reply) =>
    reply.header('Cache-Control', NO_STORE).page(
      'message',
      {
        title: request.t('tracking.unknownTitle'),
        message: request.t('tracking.unknown'),
        link: { href: '/archive', text: request.t('archive.title') },
      },
      404,
    ),
  );
}
