import type { FastifyInstance, FastifyRequest } from 'fastify';
import { trackedHeaders, type TrackingRequest } from '../../services/tracking/index.js';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const NO_STORE = 'no-store, no-cache, must-revalidate, private';

function tracked(request: FastifyRequest): TrackingRequest {
  return {
    method: request.method,
    ip: request.ip,
    headers: trackedHeaders(request.headers),
    at: Date.now(),
  };
}

/**
 * The open pixel and the click redirect of newsletter mails. They hand the request to the
 * tracking service and answer at once; the service writes in batches. A token we did not sign,
 * or a link that was not in the campaign's mails, is a 404: never a redirect elsewhere.
 */
export default async function trackingRoutes(app: FastifyInstance) {
  const tracking = app.services.tracking;
  tracking.start();
  app.addHook('onClose', async () => tracking.close());

  // Every mail fetches these: no request log lines for them.
  const quiet = { logLevel: 'warn' as const };
  // The answers that count are written straight to the socket, with the headers the app's
  // onSend hook would add (no referrer: the token must not reach the target site). This skips
  // the hook chain, which cost more than all the tracking work on a busy server.
  const fixed: Record<string, string> = {
    'cache-control': NO_STORE,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(app.services.tracking.https ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
  const pixelHeaders = {
    ...fixed,
    'content-type': 'image/gif',
    'content-length': String(PIXEL.length),
  };

  // The answers that count come from the route's own onRequest hook: nothing after it (body
  // parsing, the page language, the handler) runs for them. Only a token that is not ours goes
  // on to the handler, which answers 404.
  app.get<{ Params: { token: string } }>(
    '/t/o/:token',
    {
      ...quiet,
      onRequest: (request, reply, done) => {
        if (!tracking.open(request.params.token, tracked(request))) return done();
        reply.hijack();
        reply.raw.writeHead(200, pixelHeaders);
        reply.raw.end(request.method === 'HEAD' ? undefined : PIXEL);
      },
    },
    async (_request, reply) =>
      reply
        .code(404)
        .header('Cache-Control', NO_STORE)
        .type('text/plain; charset=utf-8')
        .send('not found\n'),
  );

  app.get<{ Params: { token: string } }>(
    '/t/c/:token',
    {
      ...quiet,
      onRequest: (request, reply, done) => {
        const target = tracking.click(request.params.token, tracked(request));
        if (!target) return done();
        reply.hijack();
        reply.raw.writeHead(302, { ...fixed, location: target.url, 'content-length': '0' });
        reply.raw.end();
      },
    },
    async (request, reply) =>
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
