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

  app.get<{ Params: { token: string } }>('/t/o/:token', quiet, async (request, reply) => {
    reply.header('Cache-Control', NO_STORE);
    if (!tracking.open(request.params.token, tracked(request)))
      return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    return reply.type('image/gif').send(PIXEL);
  });

  app.get<{ Params: { token: string } }>('/t/c/:token', quiet, async (request, reply) => {
    reply.header('Cache-Control', NO_STORE);
    const target = tracking.click(request.params.token, tracked(request));
    if (!target)
      return reply.page(
        'message',
        {
          title: request.t('tracking.unknownTitle'),
          message: request.t('tracking.unknown'),
          link: { href: '/archive', text: request.t('archive.title') },
        },
        404,
      );
    return reply.redirect(target.url, 302);
  });
}
