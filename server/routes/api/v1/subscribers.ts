import type { FastifyInstance } from 'fastify';
import * as subscribers from '../../../../db/queries/subscribers.js';
import { normaliseEmail } from '../../../subscriptions.js';
import { consentEvent, error, iso, present, subscriber } from './schemas.js';

/** Subscribers in the API. */
export default async function subscriberApi(app: FastifyInstance) {
  const db = app.database.db;

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
