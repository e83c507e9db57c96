import type { FastifyInstance } from 'fastify';
import { listLimits, type ListWithCount } from '../../../services/reference/index.js';
import { fieldProblems, problemsSchema } from './problems.js';
import { error, iso } from './schemas.js';

const listSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    key: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    isPublic: { type: 'boolean' },
    doubleOptIn: { type: 'boolean' },
    defaultLanguage: { type: 'string' },
    subscriberCount: { type: 'integer', description: 'unconfirmed or confirmed subscriptions' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** A new list: the limits are the service's (validateList checks the same). */
export const listBodySchema = {
  type: 'object',
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: listLimits.name,
      pattern: '^[^\\r\\n<>]*$',
    },
    description: { type: 'string', maxLength: listLimits.description, pattern: '^[^<>]*$' },
    isPublic: { type: 'boolean', default: true },
    doubleOptIn: { type: 'boolean', default: true },
    defaultLanguage: { type: 'string', maxLength: listLimits.defaultLanguage, default: 'de' },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

const present = (l: ListWithCount) => ({ ...l, createdAt: iso(l.createdAt) });

interface ListBody {
  name: string;
  description?: string;
  isPublic?: boolean;
  doubleOptIn?: boolean;
  defaultLanguage?: string;
}

const notFound = { error: 'Not Found', message: 'no such list', statusCode: 404 };

/** Lists in the API: read, and create (editor tokens). */
export default async function listApi(app: FastifyInstance) {
  const service = app.services.reference.lists;

  app.get(
    '/lists',
    {
      schema: {
        summary: 'All lists with the number of people on each',
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: listSchema } } },
          401: error,
        },
      },
    },
    async () => ({ items: service.all().map(present) }),
  );

  app.post<{ Body: ListBody }>(
    '/lists',
    {
      schema: {
        summary: 'Create a list (its key is made from the name and never changes)',
        body: listBodySchema,
        response: {
          201: listSchema,
          400: problemsSchema,
          401: error,
          403: error,
          409: problemsSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = service.create(
        {
          name: body.name,
          description: body.description ?? '',
          isPublic: body.isPublic ?? true,
          doubleOptIn: body.doubleOptIn ?? true,
          defaultLanguage: body.defaultLanguage ?? 'de',
        },
        request.actor!,
      );
      if (result.kind === 'conflict')
        return reply.code(409).send(fieldProblems(409, result.errors));
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return reply
        .code(201)
        .header('Location', `/api/v1/lists/${result.list.id}`)
        .send(present(result.list));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/lists/:id',
    {
      schema: {
        summary: 'One list',
        params: {
          type: 'object',
          properties: { id: { type: 'integer', minimum: 1 } },
          required: ['id'],
        },
        response: { 200: listSchema, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      const list = service.find(request.params.id);
      if (!list) return reply.code(404).send(notFound);
      return present(list);
    },
  );
}
