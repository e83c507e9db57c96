import type { FastifyInstance } from 'fastify';
import {
  MAX_BOUNCE_BYTES,
  type BounceOutcome,
  type BounceReport,
} from '../../../services/bounces/index.js';
import { error } from './schemas.js';

type Body = BounceReport | { raw: string };

const outcome = {
  type: 'object',
  properties: {
    kind: {
      type: 'string',
      enum: ['hard', 'soft', 'complaint', 'auto-reply', 'delivered', 'unknown'],
    },
    action: {
      type: 'string',
      enum: ['blocked', 'unsubscribed', 'none'],
      description:
        'blocked: a hard bounce, or the soft bounce that reached BOUNCE_SOFT_LIMIT of the last BOUNCE_SOFT_WINDOW deliveries; unsubscribed: a complaint; none: logged only',
    },
    reason: { type: ['string', 'null'] },
    status: { type: ['string', 'null'] },
    deliveryId: { type: ['integer', 'null'] },
    subscriberId: { type: ['integer', 'null'] },
  },
} as const;

/** Bounces and complaints that a relay reports by webhook instead of returning the mail. */
export default async function bounceApi(app: FastifyInstance) {
  const service = app.services.bounces;

  app.post<{ Body: Body }>(
    '/bounces',
    {
      // A whole bounce mail, JSON-escaped, may be larger than the mail itself.
      bodyLimit: 2 * MAX_BOUNCE_BYTES + 1024,
      schema: {
        summary: 'Report a bounce or a complaint (relay webhook)',
        description:
          'Either a report — `recipient` and `kind`, with the delivery found by `messageId` (the Message-ID Landpost sent) or else the subscriber by `recipient` — or the whole returned mail as `raw`, classified like mail to the bounce endpoint. A hard bounce blocks the subscriber, soft bounces once they pile up, a complaint unsubscribes them from everything; the delivery becomes `bounced`. 404: no delivery or subscriber matches.',
        body: {
          oneOf: [
            {
              type: 'object',
              title: 'report',
              properties: {
                recipient: { type: 'string', minLength: 3, maxLength: 320 },
                kind: { type: 'string', enum: ['hard', 'soft', 'complaint'] },
                reason: { type: 'string', maxLength: 500 },
                status: { type: 'string', pattern: '^[245]\\.\\d{1,3}\\.\\d{1,3}$' },
                messageId: { type: 'string', maxLength: 500 },
              },
              required: ['recipient', 'kind'],
              additionalProperties: false,
            },
            {
              type: 'object',
              title: 'raw mail',
              properties: {
                raw: { type: 'string', minLength: 1, maxLength: MAX_BOUNCE_BYTES },
              },
              required: ['raw'],
              additionalProperties: false,
            },
          ],
        },
        response: { 200: outcome, 400: error, 401: error, 403: error, 404: error, 413: error },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result: BounceOutcome | undefined =
        'raw' in body ? await service.receiveRaw(body.raw) : service.report(body);
      if (!result) {
        return reply.code(404).send({
          error: 'Not Found',
          message: 'no delivery or subscriber matches this report',
          statusCode: 404,
        });
      }
      return result;
    },
  );
}
