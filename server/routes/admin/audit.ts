import type { FastifyInstance } from 'fastify';
import * as audit from '../../../db/queries/audit.js';

/** The audit log, newest first, for admins. */
export default async function auditRoutes(app: FastifyInstance) {
  app.get('/audit', { config: { role: 'admin' } }, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const beforeId = Number(query.before) || undefined;
    const entries = audit.listAudit(
      { entity: query.entity || undefined, entityId: query.id || undefined, beforeId, limit: 50 },
      app.database.db,
    );
    return reply.adminPage('audit', {
      title: request.at('audit.title'),
      entries,
      filter: { entity: query.entity ?? '', id: query.id ?? '' },
      nextBefore: entries.length === 50 ? entries.at(-1)?.id : undefined,
    });
  });
}
