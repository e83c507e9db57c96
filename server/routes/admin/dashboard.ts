import type { FastifyInstance } from 'fastify';
import { subscriberCounts } from '../../../db/queries/subscribers.js';

export default async function dashboardRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) =>
    reply.adminPage('dashboard', {
      title: request.at('dashboard.title'),
      counts: subscriberCounts(app.database.db),
    }),
  );
}
