import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { roleAllows, type ApiToken } from '../../../services/accounts/index.js';
import bounceApi from './bounces.js';
import campaignApi from './campaigns.js';
import consultationApi from './consultations.js';
import eventApi from './events.js';
import editionApi from './editions.js';
import itemApi from './items.js';
import listApi from './lists.js';
import registrationApi from './registrations.js';
import segmentApi from './segments.js';
import subscriberApi from './subscribers.js';
import attendanceApi from './attendance.js';
import indicatorApi from './indicators.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiToken?: ApiToken;
  }
}

/** JSON API, bearer-token authenticated; the OpenAPI document is generated from the schemas. */
export default async function apiRoutes(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Landpost API',
        version: '1.0.0',
        description:
          'Subscribers and their consent records, lists, segments, the item library, editions and campaigns; bounce reports from relays; the counselling log.',
      },
      servers: [{ url: app.config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'npx landpost token create --name NAME',
          },
        },
      },
      security: [{ bearer: [] }],
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/v1/openapi.json')) return;
    const header = request.headers.authorization ?? '';
    // The scheme name is case-insensitive (RFC 7235): "bearer" and "BEARER" are the same.
    const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/i.exec(header);
    const token = match ? app.services.apiTokens.verify(match[1]!) : undefined;
    if (!token) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({
        error: 'Unauthorized',
        message: 'a valid API token is required (Authorization: Bearer …)',
        statusCode: 401,
      });
    }
    request.apiToken = token;
    request.actor = { kind: 'api-token', tokenId: token.id, name: token.name, ip: request.ip };
    // Least privilege: reading needs a viewer token, changing an editor (or admin) token; a
    // route that changes nothing says so with its `role`.
    const needed =
      request.routeOptions.config.role ??
      (request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'editor');
    if (!roleAllows(token.role, needed)) {
      return reply.code(403).send({
        error: 'Forbidden',
        message: `this token's role (${token.role}) may not do this`,
        statusCode: 403,
      });
    }
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(subscriberApi);
  await app.register(listApi);
  await app.register(segmentApi);
  await app.register(itemApi);
  await app.register(editionApi);
  await app.register(campaignApi);
  await app.register(bounceApi);
  await app.register(consultationApi);
  await app.register(eventApi);
  await app.register(attendanceApi);
  await app.register(registrationApi);
  await app.register(indicatorApi);
}
