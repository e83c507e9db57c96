import type { FastifyInstance } from 'fastify';

/**
 * Uploaded images (the organisation's logo) at a stable address: newsletters link to them.
 * The name is random and never reused, so the answer may be cached for good.
 */
export default async function mediaRoutes(app: FastifyInstance) {
  app.get<{ Params: { name: string } }>('/media/:name', async (request, reply) => {
    const file = app.services.organisation.media(request.params.name);
    if (!file) return reply.callNotFound();
    return reply
      .type(file.type)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .send(file.bytes);
  });
}
