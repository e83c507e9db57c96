import type { FastifyInstance } from 'fastify';
import {
  REGISTRATION_PAGE_LIMIT,
  registrationStatuses,
  type Registration,
  type RegistrationStatus,
} from '../../../services/registrations/index.js';
import { sourceKinds } from '../../../services/sources/index.js';
import { error, idParams, iso } from './schemas.js';

const registrationSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    eventId: { type: 'integer' },
    status: { type: 'string', enum: [...registrationStatuses] },
    name: { type: 'string' },
    email: { type: ['string', 'null'], description: 'null only for a walk-in who gave none' },
    organisation: { type: 'string' },
    role: { type: ['string', 'null'], description: 'a role key' },
    region: { type: ['string', 'null'], description: 'a region key' },
    language: { type: 'string', description: 'the language of the page, and of the mails' },
    accessibilityNeeds: { type: 'string', description: 'in the person’s words; empty: none' },
    interpreter: { type: 'string', description: 'the language to interpret into; empty: none' },
    subscriberId: {
      type: ['integer', 'null'],
      description: 'the subscriber, when the person came by a link with tracking consent',
    },
    source: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: [...sourceKinds] },
        editionId: { type: ['integer', 'null'] },
        campaignId: { type: ['integer', 'null'] },
        referredBy: { type: ['integer', 'null'] },
        code: { type: ['string', 'null'] },
      },
    },
    walkIn: { type: 'boolean' },
    present: { type: ['boolean', 'null'], description: 'null: attendance not recorded' },
    createdAt: { type: 'string', format: 'date-time' },
    cancelledAt: { type: ['string', 'null'], format: 'date-time' },
    promotedAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'when it moved up from the waiting list',
    },
  },
} as const;

interface ListQuery {
  status?: RegistrationStatus;
  after?: string;
  limit?: number;
}

const present = (r: Registration) => ({
  id: r.id,
  eventId: r.eventId,
  status: r.status,
  name: r.name,
  email: r.email,
  organisation: r.organisation,
  role: r.roleKey,
  region: r.regionKey,
  language: r.language,
  accessibilityNeeds: r.accessibilityNeeds,
  interpreter: r.interpreter,
  subscriberId: r.subscriberId,
  source: {
    kind: r.sourceKind,
    editionId: r.sourceEditionId,
    campaignId: r.sourceCampaignId,
    referredBy: r.referredBy,
    code: r.sourceCode,
  },
  walkIn: r.walkIn,
  present: r.present,
  createdAt: iso(r.createdAt),
  cancelledAt: iso(r.cancelledAt),
  promotedAt: iso(r.promotedAt),
});

/** An event's registrations in the API (viewer tokens read them). */
export default async function registrationApi(app: FastifyInstance) {
  app.get<{ Params: { id: number }; Querystring: ListQuery }>(
    '/events/:id/registrations',
    {
      schema: {
        summary: 'List an event’s registrations in the order they came in (keyset-paginated)',
        description:
          '`counts` holds the event’s registrations by status. `next` is the cursor for the following page (pass it as `after`); null on the last page; a cursor the API did not give out is a 400.',
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...registrationStatuses] },
            after: { type: 'string', maxLength: 20 },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: REGISTRATION_PAGE_LIMIT,
              default: 100,
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: registrationSchema },
              counts: {
                type: 'object',
                properties: {
                  registered: { type: 'integer' },
                  waiting: { type: 'integer' },
                  cancelled: { type: 'integer' },
                },
              },
              next: { type: ['string', 'null'] },
            },
          },
          400: error,
          401: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const event = app.services.events.find(request.params.id);
      if (!event)
        return reply
          .code(404)
          .send({ error: 'Not Found', message: 'no such event', statusCode: 404 });
      const page = app.services.registrations.list(event.id, request.query);
      if (!page)
        return reply.code(400).send({
          error: 'Bad Request',
          message: 'after is not a cursor this API gave out',
          statusCode: 400,
        });
      return {
        items: page.items.map(present),
        counts: app.services.registrations.counts(event.id),
        next: page.next,
      };
    },
  );
}
