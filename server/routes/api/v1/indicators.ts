import type { FastifyInstance } from 'fastify';
import { indicatorKeys } from '../../../services/indicators/index.js';
import { fieldProblems, problemsSchema } from './problems.js';
import { error } from './schemas.js';

const dayPattern = '^\\d{4}-\\d{2}-\\d{2}$';

const indicatorSchema = {
  type: 'object',
  properties: {
    key: { type: 'string', enum: [...indicatorKeys] },
    label: { type: 'string' },
    target: { type: 'integer' },
    value: { type: 'integer' },
    definition: { type: 'string', description: 'what the value counts, in words (German)' },
  },
  required: ['key', 'label', 'target', 'value', 'definition'],
} as const;

/** The funder's indicators for a period (viewer tokens read them). */
export default async function indicatorApi(app: FastifyInstance) {
  const service = app.services.indicators;

  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/indicators',
    {
      schema: {
        summary: "The funder's indicators for a period: value against target",
        description:
          '`from` and `to` are Berlin days (YYYY-MM-DD), both included; without them the programme period (organisation settings, else the shipped default). Each value counts what its `definition` says.',
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', pattern: dayPattern },
            to: { type: 'string', pattern: dayPattern },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'array', items: indicatorSchema },
          400: problemsSchema,
          401: error,
        },
      },
    },
    async (request, reply) => {
      const result = service.period(request.query);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return service.values(result.period).map(({ key, label, target, value, definition }) => ({
        key,
        label,
        target,
        value,
        definition,
      }));
    },
  );
}
