import type { FastifyInstance } from 'fastify';
import { lang } from './format.js';

export default async function dashboardRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) =>
    reply.adminPage('dashboard', {
      title: request.at('dashboard.title'),
      counts: app.services.dashboard.subscriberCounts(),
      programme: app.services.indicators.programmePeriod(),
      indicators: app.services.indicators.values(
        app.services.indicators.programmePeriod(),
        Date.now(),
        lang(request),
      ),
    }),
  );
}
