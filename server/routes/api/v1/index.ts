import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import * as ops from '../../../../db/queries/ops.js';
import * as subscribers from '../../../../db/queries/subscribers.js';
import { sha256 } from '../../../security.js';
import { normaliseEmail } from '../../../subscriptions.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiToken?: ops.ApiToken;
  }
}

const error = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    statusCode: { type: 'integer' },
  },
} as const;

const consentEvent = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    ip: { type: ['string', 'null'] },
    userAgent: { type: ['string', 'null'] },
    source: { type: ['string', 'null'] },
    channel: { type: ['string', 'null'] },
    consentTextVersion: { type: ['string', 'null'] },
    templateVersion: { type: ['string', 'null'] },
    listIds: { type: ['array', 'null'], items: { type: 'integer' } },
    details: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

const subscriber = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['unconfirmed', 'confirmed', 'unsubscribed', 'blocked'] },
    regionKey: { type: ['string', 'null'] },
    roleKeys: { type: 'array', items: { type: 'string' } },
    topicKeys: { type: 'array', items: { type: 'string' } },
    listIds: { type: 'array', items: { type: 'integer' } },
    language: { type: 'string' },
    trackingConsent: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    confirmedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function present(s: subscribers.SubscriberWithProfile) {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    status: s.status,
    regionKey: s.regionKey,
    roleKeys: s.roleKeys,
    topicKeys: s.topicKeys,
    listIds: s.listIds,
    language: s.language,
    trackingConsent: s.trackingConsent,
    createdAt: iso(s.createdAt),
    confirmedAt: iso(s.confirmedAt),
  };
}

/** JSON API, bearer-token authenticated; the OpenAPI document is generated from the schemas. */
export default async function apiRoutes(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Landpost API',
        version: '1.0.0',
        description: 'Subscribers and consent records.',
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
  const db = app.database.db;

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/v1/openapi.json')) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header);
    const token = match ? ops.useApiToken(sha256(match[1]!), Date.now(), db) : undefined;
    if (!token) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({
        error: 'Unauthorized',
        message: 'a valid API token is required (Authorization: Bearer …)',
        statusCode: 401,
      });
    }
    request.apiToken = token;
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get<{ Querystring: { email?: string } }>(
    '/subscribers',
    {
      schema: {
        summary: 'Find subscribers by e-mail address',
        querystring: {
          type: 'object',
          properties: { email: { type: 'string', maxLength: 254 } },
          required: ['email'],
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: subscriber } } },
          401: error,
        },
      },
    },
    async (request) => {
      const found = subscribers.findByEmail(normaliseEmail(request.query.email ?? ''), db);
      return { items: found ? [present(subscribers.withProfile(found, db))] : [] };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/subscribers/:id',
    {
      schema: {
        summary: 'One subscriber with the full consent history',
        params: {
          type: 'object',
          properties: { id: { type: 'integer', minimum: 1 } },
          required: ['id'],
        },
        response: {
          200: {
            type: 'object',
            properties: {
              ...subscriber.properties,
              consent: { type: 'array', items: consentEvent },
            },
          },
          401: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const found = subscribers.findById(request.params.id, db);
      if (!found)
        return reply
          .code(404)
          .send({ error: 'Not Found', message: 'no such subscriber', statusCode: 404 });
      const consent = subscribers
        .consentHistory(found.id, db)
        .map((c) => ({ ...c, at: iso(c.at) }));
      return { ...present(subscribers.withProfile(found, db)), consent };
    },
  );
}
