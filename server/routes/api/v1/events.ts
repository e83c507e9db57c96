import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  EVENT_PAGE_LIMIT,
  berlinIso,
  eventLimits,
  eventTypes,
  type Event,
  type EventDraft,
  type EventPatch,
  type EventType,
} from '../../../services/events/index.js';
import { plainTextPattern } from '../../../services/plain-text.js';
import { fieldProblems, problemsSchema, strictJsonTypes, type JsonField } from './problems.js';
import { error, idParams, iso } from './schemas.js';

const dayPattern = '^\\d{4}-\\d{2}-\\d{2}$';
const timePattern =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})?$';
const timeNote =
  'ISO 8601 with an offset (2026-05-04T10:00+02:00) or without one (2026-05-04T10:00), which is read as Europe/Berlin time';
const regionKey = { type: 'string', minLength: 1, maxLength: 40, pattern: plainTextPattern };

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    type: { type: 'string', enum: [...eventTypes] },
    title: { type: 'string' },
    startsAt: { type: 'string', description: 'ISO 8601 with the offset Berlin has then' },
    endsAt: { type: ['string', 'null'] },
    place: { type: ['string', 'null'] },
    online: { type: 'boolean' },
    region: { type: ['string', 'null'], description: 'a region key' },
    capacity: { type: ['integer', 'null'], description: 'how many may come; null for no limit' },
    registrationDeadline: { type: ['string', 'null'] },
    description: { type: 'string', description: 'Markdown (the subset items allow)' },
    contact: { type: ['string', 'null'] },
    slug: { type: 'string' },
    url: { type: 'string', description: 'the public registration page' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const time = (description: string, nullable = false) =>
  ({
    type: nullable ? ['string', 'null'] : 'string',
    maxLength: 40,
    pattern: nullable ? `^$|${timePattern}` : timePattern,
    description: `${description}: ${timeNote}${nullable ? '; null or empty for none' : ''}`,
  }) as const;

/** The body's properties: the limits are the service's (validateEvent checks the same). */
const bodyProperties = {
  type: { type: 'string', enum: [...eventTypes] },
  title: {
    type: 'string',
    minLength: 1,
    maxLength: eventLimits.title,
    pattern: plainTextPattern,
    description: 'plain text',
  },
  startsAt: time('when it starts'),
  endsAt: time('when it ends (not before the start)', true),
  place: {
    type: ['string', 'null'],
    maxLength: eventLimits.place,
    description: 'where it takes place, plain text; needed unless `online` is true',
  },
  online: { type: 'boolean', description: 'whether it is (also) held online' },
  region: {
    type: ['string', 'null'],
    maxLength: 40,
    description: 'a region key; null or empty for none',
  },
  capacity: {
    type: ['integer', 'null'],
    minimum: 1,
    maximum: eventLimits.capacity,
    description: 'how many may come; null for no limit',
  },
  registrationDeadline: time('until when people may register (not after the start)', true),
  description: {
    type: 'string',
    maxLength: eventLimits.description,
    description: 'Markdown: no HTML; links http(s), mailto or tel only',
  },
  contact: {
    type: ['string', 'null'],
    maxLength: eventLimits.contact,
    description: 'who answers questions, plain text',
  },
} as const;

type Body = Omit<EventDraft, 'online' | 'capacity'> & {
  online?: boolean;
  capacity?: number | null;
};

const text = (problem: string, nullable = false): JsonField => ({
  type: 'string',
  nullable,
  problem,
});
/** Strings where strings belong (null where none is allowed), a boolean, a number or null. */
const typedBody = strictJsonTypes({
  type: text('events.errors.type'),
  title: text('events.errors.title'),
  startsAt: text('events.errors.time'),
  endsAt: text('events.errors.time', true),
  place: text('events.errors.place', true),
  region: text('events.errors.region', true),
  registrationDeadline: text('events.errors.time', true),
  description: text('events.errors.description'),
  contact: text('events.errors.contact', true),
  online: { type: 'boolean', problem: 'events.errors.online' },
  capacity: { type: 'number', nullable: true, problem: 'events.errors.capacity' },
});

const notFound = (reply: FastifyReply) =>
  reply.code(404).send({ error: 'Not Found', message: 'no such event', statusCode: 404 });

interface ListQuery {
  from?: string;
  to?: string;
  type?: EventType;
  region?: string;
  after?: string;
  limit?: number;
}

/** Events in the API: read (viewer tokens), create and change (editor tokens). */
export default async function eventApi(app: FastifyInstance) {
  const service = app.services.events;
  const present = (e: Event) => ({
    id: e.id,
    type: e.type,
    title: e.title,
    startsAt: berlinIso(e.startsAt),
    endsAt: e.endsAt === null ? null : berlinIso(e.endsAt),
    place: e.place,
    online: e.online,
    region: e.regionKey,
    capacity: e.capacity,
    registrationDeadline:
      e.registrationDeadline === null ? null : berlinIso(e.registrationDeadline),
    description: e.description,
    contact: e.contact,
    slug: e.slug,
    url: `${app.config.publicUrl}/events/${e.slug}`,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
  });

  app.get<{ Querystring: ListQuery }>(
    '/events',
    {
      schema: {
        summary: 'List events by start, earliest first (keyset-paginated)',
        description:
          '`from` and `to` are days (YYYY-MM-DD, Europe/Berlin), both included, compared with the start. `next` is the cursor for the following page (pass it as `after`); null on the last page; a cursor the API did not give out is a 400.',
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', pattern: dayPattern },
            to: { type: 'string', pattern: dayPattern },
            type: { type: 'string', enum: [...eventTypes] },
            region: regionKey,
            after: { type: 'string', maxLength: 40 },
            limit: { type: 'integer', minimum: 1, maximum: EVENT_PAGE_LIMIT, default: 50 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: eventSchema },
              next: { type: ['string', 'null'] },
            },
          },
          400: problemsSchema,
          401: error,
        },
      },
    },
    async (request, reply) => {
      const result = service.list(request.query);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return { items: result.page.items.map(present), next: result.page.next };
    },
  );

  app.post<{ Body: Body }>(
    '/events',
    {
      preValidation: typedBody,
      schema: {
        summary: 'Create an event (a training, a meeting or another)',
        description:
          '201 with the event and `url`, the public registration page (`/events/<slug>`). Times: ' +
          timeNote +
          '.',
        body: {
          type: 'object',
          properties: bodyProperties,
          required: ['type', 'title', 'startsAt'],
          additionalProperties: false,
        },
        response: { 201: eventSchema, 400: problemsSchema, 401: error, 403: error },
      },
    },
    async (request, reply) => {
      const result = service.create(request.body, request.actor!);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return reply
        .code(201)
        .header('Location', `/api/v1/events/${result.event.id}`)
        .send(present(result.event));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/events/:id',
    {
      schema: {
        summary: 'One event',
        params: idParams,
        response: { 200: eventSchema, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      const event = service.find(request.params.id);
      if (!event) return notFound(reply);
      return present(event);
    },
  );

  app.patch<{ Params: { id: number }; Body: EventPatch }>(
    '/events/:id',
    {
      preValidation: typedBody,
      schema: {
        summary: 'Change an event: only the given properties change (the slug stays)',
        params: idParams,
        body: {
          type: 'object',
          properties: bodyProperties,
          minProperties: 1,
          additionalProperties: false,
        },
        response: { 200: eventSchema, 400: problemsSchema, 401: error, 403: error, 404: error },
      },
    },
    async (request, reply) => {
      const result = service.update(request.params.id, request.body, request.actor!);
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return present(result.event);
    },
  );
}
