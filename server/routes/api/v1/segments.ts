import type { FastifyInstance } from 'fastify';
import * as segments from '../../../../db/queries/segments.js';
import type { SegmentRule } from '../../../../db/schema.js';
import { ruleFields } from '../../../services/reference/index.js';
import { error, iso, idParams } from './schemas.js';

const ruleSchema = {
  type: 'object',
  properties: {
    field: { type: 'string', enum: [...ruleFields] },
    values: {
      type: 'array',
      maxItems: 200,
      items: { type: 'string', maxLength: 100 },
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
    match: { type: 'string', enum: ['all', 'any'] },
    rules: { type: 'array', items: ruleSchema },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const present = (s: segments.Segment) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  match: s.match,
  rules: s.rules,
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
});

const notFound = { error: 'Not Found', message: 'no such segment', statusCode: 404 };

interface SegmentBody {
  name: string;
  description?: string;
  match?: segments.SegmentMatch;
  rules: SegmentRule[];
}

/** Segments in the API: read, count, create (editor tokens). */
export default async function segmentApi(app: FastifyInstance) {
  const db = app.database.db;

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
    async () => ({ items: segments.listSegments(db).map(present) }),
  );

  app.post<{ Body: SegmentBody }>(
    '/segments',
    {
      schema: {
        summary: 'Save a segment: rules combined with all (and) or any (or)',
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\r\\n<>]*$' },
            description: { type: 'string', maxLength: 500, pattern: '^[^<>]*$' },
            match: { type: 'string', enum: ['all', 'any'], default: 'all' },
            rules: { type: 'array', maxItems: 20, items: ruleSchema },
          },
          required: ['name', 'rules'],
          additionalProperties: false,
        },
        response: { 201: segmentSchema, 400: error, 401: error, 403: error },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const rules = body.rules.map((r) => ({ field: r.field, values: [...new Set(r.values)] }));
      const duplicate = rules.find((r, i) => rules.findIndex((x) => x.field === r.field) !== i);
      if (duplicate) {
        const message = `rule ${duplicate.field} given twice: put all its values in one rule`;
        return reply.code(400).send({ error: 'Bad Request', message, statusCode: 400 });
      }
      const result = app.services.reference.segments.create(
        {
          name: body.name,
          description: body.description ?? '',
          match: body.match ?? 'all',
          rules,
        },
        request.actor!,
      );
      if (result.kind === 'invalid') {
        const message = result.errors.name
          ? 'name must not be blank'
          : Object.entries(result.errors)
              .map(([f, key]) => `rule ${f}: ${key.replace('segments.errors.', '')}`)
              .join('; ');
        return reply.code(400).send({ error: 'Bad Request', message, statusCode: 400 });
      }
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
      const segment = segments.findSegment(request.params.id, db);
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
      const segment = segments.findSegment(request.params.id, db);
      if (!segment) return reply.code(404).send(notFound);
      return segments.segmentCounts(segment, db);
    },
  );
}
