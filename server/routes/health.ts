import type { FastifyInstance } from 'fastify';
import { ping } from '../../db/client.js';

/** Liveness (the process answers) and readiness (database and Redis reachable). */
export default async function healthRoutes(app: FastifyInstance) {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    let database = false;
    let redis = false;
    try {
      database = ping(app.database);
    } catch {
      database = false;
    }
    try {
      redis =
        (await Promise.race([
          app.queues.connection.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
        ])) === 'PONG';
    } catch {
      redis = false;
    }
    const ready = database && redis;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'unavailable',
      checks: { database: database ? 'ok' : 'failed', redis: redis ? 'ok' : 'failed' },
    });
  });
}
