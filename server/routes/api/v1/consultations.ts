import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  CONSULTATION_PAGE_LIMIT,
  consultationKinds,
  consultationLimits,
  type Consultation,
  type ConsultationDraft,
  type ConsultationKind,
  type ConsultationPatch,
} from '../../../services/consultations/index.js';
import { plainTextPattern } from '../../../services/plain-text.js';
import { fieldProblems, problemsSchema, strictJsonTypes } from './problems.js';
import { error, idParams, iso } from './schemas.js';

const dayPattern = '^\\d{4}-\\d{2}-\\d{2}$';
const regionKey = { type: 'string', minLength: 1, maxLength: 40, pattern: plainTextPattern };

const consultationSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    heldOn: { type: 'string', description: 'the day it took place (Europe/Berlin), YYYY-MM-DD' },
    kind: { type: 'string', enum: [...consultationKinds] },
    region: { type: ['string', 'null'], description: 'a region key' },
    topic: { type: 'string' },
    followUp: { type: 'string' },
    people: { type: 'integer', description: 'how many people took part' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** The body's properties: the limits are the service's (validateConsultation checks the same). */
const bodyProperties = {
  heldOn: {
    type: 'string',
    pattern: dayPattern,
    description: 'the day it took place (Europe/Berlin), YYYY-MM-DD; not after today',
  },
  kind: { type: 'string', enum: [...consultationKinds] },
  region: {
    type: ['string', 'null'],
    maxLength: 40,
    description: 'a region key; null or empty for none',
  },
  topic: {
    type: 'string',
    minLength: 1,
    maxLength: consultationLimits.topic,
    pattern: plainTextPattern,
    description: 'short, plain text, no names',
  },
  followUp: {
    type: 'string',
    maxLength: consultationLimits.followUp,
    description: 'next steps, plain text (line breaks allowed), no names',
  },
  people: { type: 'integer', minimum: 1, maximum: consultationLimits.people, default: 1 },
} as const;

type Body = Omit<ConsultationDraft, 'people'> & { people?: number };

/** A string where a string belongs (null only for the region), a number in `people`. */
const typedBody = strictJsonTypes({
  heldOn: { type: 'string', problem: 'consultations.errors.heldOn' },
  kind: { type: 'string', problem: 'consultations.errors.kind' },
  region: { type: 'string', nullable: true, problem: 'consultations.errors.region' },
  topic: { type: 'string', problem: 'consultations.errors.topic' },
  followUp: { type: 'string', problem: 'consultations.errors.followUp' },
  people: { type: 'number', problem: 'consultations.errors.people' },
});

const present = (c: Consultation) => ({
  id: c.id,
  heldOn: c.heldOn,
  kind: c.kind,
  region: c.regionKey,
  topic: c.topic,
  followUp: c.followUp,
  people: c.people,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

const notFound = (reply: FastifyReply) =>
  reply.code(404).send({ error: 'Not Found', message: 'no such consultation', statusCode: 404 });

interface ListQuery {
  from?: string;
  to?: string;
  kind?: ConsultationKind;
  region?: string;
  after?: string;
  limit?: number;
}

/** The counselling log in the API: read (viewer tokens), record, change, delete (editor tokens). */
export default async function consultationApi(app: FastifyInstance) {
  const service = app.services.consultations;

  app.get<{ Querystring: ListQuery }>(
    '/consultations',
    {
      schema: {
        summary: 'List consultations, newest first by day (keyset-paginated)',
        description:
          '`from` and `to` are days (YYYY-MM-DD), both included. `count` and `people` are the totals of the whole filtered period, not of the page. `next` is the cursor for the following page (pass it as `after`); null on the last page; a cursor the API did not give out is a 400.',
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', pattern: dayPattern },
            to: { type: 'string', pattern: dayPattern },
            kind: { type: 'string', enum: [...consultationKinds] },
            region: regionKey,
            after: { type: 'string', maxLength: 40 },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: CONSULTATION_PAGE_LIMIT,
              default: 50,
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: consultationSchema },
              count: { type: 'integer', description: 'consultations in the filtered period' },
              people: { type: 'integer', description: 'people who took part in them' },
              next: { type: ['string', 'null'] },
            },
          },
          400: problemsSchema,
          401: error,
        },
      },
    },
    async (request, reply) => {
      const { from, to, kind, region, after, limit } = request.query;
      const filter = { from, to, kind, regionKey: region };
      const result = service.list({ ...filter, after, limit });
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      const totals = service.count(filter);
      return {
        items: result.page.items.map(present),
        count: totals.consultations,
        people: totals.people,
        next: result.page.next,
      };
    },
  );

  app.post<{ Body: Body }>(
    '/consultations',
    {
      preValidation: typedBody,
      schema: {
        summary: 'Record a consultation (a person, a group or an association; no names)',
        body: {
          type: 'object',
          properties: bodyProperties,
          required: ['heldOn', 'kind', 'topic'],
          additionalProperties: false,
        },
        response: { 201: consultationSchema, 400: problemsSchema, 401: error, 403: error },
      },
    },
    async (request, reply) => {
      const result = service.create(request.body, request.actor!);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return reply
        .code(201)
        .header('Location', `/api/v1/consultations/${result.consultation.id}`)
        .send(present(result.consultation));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/consultations/:id',
    {
      schema: {
        summary: 'One consultation',
        params: idParams,
        response: { 200: consultationSchema, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      const consultation = service.find(request.params.id);
      if (!consultation) return notFound(reply);
      return present(consultation);
    },
  );

  app.patch<{ Params: { id: number }; Body: ConsultationPatch }>(
    '/consultations/:id',
    {
      preValidation: typedBody,
      schema: {
        summary: 'Change a consultation: only the given properties change',
        params: idParams,
        body: {
          type: 'object',
          properties: bodyProperties,
          minProperties: 1,
          additionalProperties: false,
        },
        response: {
          200: consultationSchema,
          400: problemsSchema,
          401: error,
          403: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const result = service.update(request.params.id, request.body, request.actor!);
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return present(result.consultation);
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/consultations/:id',
    {
      schema: {
        summary: 'Delete a consultation (it no longer counts)',
        params: idParams,
        response: { 204: { type: 'null' }, 401: error, 403: error, 404: error },
      },
    },
    async (request, reply) => {
      if (!service.delete(request.params.id, request.actor!)) return notFound(reply);
      return reply.code(204).send();
    },
  );
}
