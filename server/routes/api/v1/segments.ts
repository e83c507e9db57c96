import type { FastifyInstance } from 'fastify';
import {
  ruleFields,
  segmentLimits,
  segmentMatches,
  type Segment,
  type SegmentMatch,
  type SegmentRule,
} from '../../../services/reference/index.js';
import { fieldProblems, problemsSchema } from './problems.js';
import { error, iso, idParams } from './schemas.js';

const ruleSchema = {
  type: 'object',
  properties: {
    field: { type: 'string', enum: [...ruleFields] },
    values: {
      type: 'array',
      maxItems: segmentLimits.values,
      items: { type: 'string', maxLength: segmentLimits.value },
      description:
        'region/role/topic keys, language codes, list ids, statuses; one YYYY-MM-DD date for createdAfter/createdBefore; ["opened"|"clicked", "N"] for engagement (matches nobody until deliveries are recorded)',
    },
  },
  required: ['field', 'values'],
  additionalProperties: false,
} as const;

const segmentSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    description: { type: 'string' },
    match: { type: 'string', enum: [...segmentMatches] },
    rules: { type: 'array', items: ruleSchema },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const present = (s: Segment) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  match: s.match,
  rules: s.rules,
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
});

/** A new segment: the limits are the service's (validateSegment checks the same). */
export const segmentBodySchema = {
  type: 'object',
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: segmentLimits.name,
      pattern: '^[^\\r\\n<>]*$',
    },
    description: { type: 'string', maxLength: segmentLimits.description, pattern: '^[^<>]*$' },
    match: { type: 'string', enum: [...segmentMatches], default: 'all' },
    rules: { type: 'array', maxItems: segmentLimits.rules, items: ruleSchema },
  },
  required: ['name', 'rules'],
  additionalProperties: false,
} as const;

const notFound = { error: 'Not Found', message: 'no such segment', statusCode: 404 };

interface SegmentBody {
  name: string;
  description?: string;
  match?: SegmentMatch;
  rules: SegmentRule[];
}

/** Segments in the API: read, count, create (editor tokens). */
export default async function segmentApi(app: FastifyInstance) {
  const service = app.services.reference.segments;

  app.get(
    '/segments',
    {
      schema: {
        summary: 'All saved segments',
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: segmentSchema } } },
          401: error,
        },
      },
    },
    async () => ({ items: service.all().map(present) }),
  );

  app.post<{ Body: SegmentBody }>(
    '/segments',
    {
      schema: {
        summary: 'Save a segment: rules combined with all (and) or any (or)',
        body: segmentBodySchema,
        response: { 201: segmentSchema, 400: problemsSchema, 401: error, 403: error },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = service.create(
        {
          name: body.name,
          description: body.description ?? '',
          match: body.match ?? 'all',
          rules: body.rules,
        },
        request.actor!,
      );
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      const { segment } = result;
      return reply
        .code(201)
        .header('Location', `/api/v1/segments/${segment.id}`)
        .send(present(segment));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/segments/:id',
    {
      schema: {
        summary: 'One segment',
        params: idParams,
        response: { 200: segmentSchema, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      const segment = service.find(request.params.id);
      if (!segment) return reply.code(404).send(notFound);
      return present(segment);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/segments/:id/count',
    {
      schema: {
        summary: 'How many subscribers the segment selects, and how many of them a send reaches',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              count: { type: 'integer', description: 'subscribers selected, any status' },
              confirmed: {
                type: 'integer',
                description: 'of those, confirmed: who a send reaches',
              },
            },
          },
          401: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const segment = service.find(request.params.id);
      if (!segment) return reply.code(404).send(notFound);
      return service.counts(segment);
    },
  );
}
