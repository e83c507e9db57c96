import type { FastifyInstance } from 'fastify';

/** The audit log, newest first, for admins. */
export default async function auditRoutes(app: FastifyInstance) {
  app.get('/audit', { config: { role: 'admin' } }, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const { entries, nextBefore } = app.services.audit.page({
      entity: query.entity || undefined,
      entityId: query.id || undefined,
      beforeId: Number(query.before) || undefined,
    });
    return reply.adminPage('audit', {
      title: request.at('audit.title'),
      entries,
      filter: { entity: query.entity ?? '', id: query.id ?? '' },
      nextBefore,
    });
  });
}
