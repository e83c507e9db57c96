import type { FastifyInstance } from 'fastify';
import * as lists from '../../../../db/queries/lists.js';
import { isLanguage } from '../../../i18n/index.js';
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

const present = (l: lists.ListWithCount) => ({ ...l, createdAt: iso(l.createdAt) });

interface ListBody {
  name: string;
  description?: string;
  isPublic?: boolean;
  doubleOptIn?: boolean;
  defaultLanguage?: string;
}

const bad = (statusCode: 400 | 404 | 409, message: string) => ({
  error: { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' }[statusCode],
  message,
  statusCode,
});

/** Lists in the API: read, and create (editor tokens). */
export default async function listApi(app: FastifyInstance) {
  const db = app.database.db;

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
    async () => ({ items: lists.listLists(db).map(present) }),
  );

  app.post<{ Body: ListBody }>(
    '/lists',
    {
      schema: {
        summary: 'Create a list (its key is made from the name and never changes)',
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\r\\n<>]*$' },
            description: { type: 'string', maxLength: 500, pattern: '^[^<>]*$' },
            isPublic: { type: 'boolean', default: true },
            doubleOptIn: { type: 'boolean', default: true },
            defaultLanguage: { type: 'string', maxLength: 10, default: 'de' },
          },
          required: ['name'],
          additionalProperties: false,
        },
        response: { 201: listSchema, 400: error, 401: error, 403: error, 409: error },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input: lists.ListInput = {
        name: body.name.trim(),
        description: (body.description ?? '').trim(),
        isPublic: body.isPublic ?? true,
        doubleOptIn: body.doubleOptIn ?? true,
        defaultLanguage: body.defaultLanguage ?? 'de',
      };
      if (!input.name) return reply.code(400).send(bad(400, 'name must not be blank'));
      if (!isLanguage(input.defaultLanguage))
        return reply.code(400).send(bad(400, `unknown language: ${input.defaultLanguage}`));
      if (lists.listNameTaken(input.name, db))
        return reply.code(409).send(bad(409, 'a list with this name exists'));
      const created = lists.createList(input, db);
      request.audit('create', 'list', created.id, { ...input, key: created.key });
      return reply
        .code(201)
        .header('Location', `/api/v1/lists/${created.id}`)
        .send(present(lists.findList(created.id, db)!));
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
      const list = lists.findList(request.params.id, db);
      if (!list) return reply.code(404).send(bad(404, 'no such list'));
      return present(list);
    },
  );
}
