import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  itemFields,
  itemLimits,
  itemTypes,
  itemWarnings,
  ITEM_PAGE_LIMIT,
  type Item,
  type ItemDraft,
  type ItemPatch,
  type ItemType,
} from '../../../services/items/index.js';
import { plainTextPattern } from '../../../services/plain-text.js';
import { fieldProblems, problemsSchema } from './problems.js';
import { error, idParams, iso } from './schemas.js';

const fieldsByType = Object.entries(itemFields)
  .map(([type, keys]) => `${type}: ${keys.join(', ')}`)
  .join('; ');

const markdown = {
  type: 'string',
  maxLength: itemLimits.description,
  description:
    'Markdown without raw HTML; link targets (autolinks too) only http://, https://, mailto:, tel:',
} as const;

const plainTitle = {
  type: 'string',
  maxLength: itemLimits.title,
  pattern: plainTextPattern,
} as const;

const keyList = {
  type: 'array',
  maxItems: itemLimits.keys,
  items: { type: 'string', maxLength: itemLimits.key },
} as const;

const translationSchema = {
  type: 'object',
  properties: { title: plainTitle, description: markdown },
  additionalProperties: false,
} as const;

/** The properties of an item body: the limits are the service's (validateItem checks the same). */
const itemBodyProperties = {
  type: { type: 'string', enum: [...itemTypes] },
  title: { ...plainTitle, minLength: 1 },
  description: markdown,
  regions: { ...keyList, description: 'region keys; none: for everybody' },
  roles: { ...keyList, description: 'role keys; none: for everybody' },
  fields: {
    type: 'object',
    maxProperties: 20,
    additionalProperties: { type: 'string', maxLength: itemLimits.field },
    description: `The structured fields of the type (a key of another type is a 400): ${fieldsByType}. deadline: YYYY-MM-DD; startsAt, endsAt: ISO 8601 date-time (without offset: Berlin time), end not before start; url, imageUrl, buttonUrl: http or https; imageUrl needs imageAlt, buttonUrl needs buttonLabel.`,
  },
  translations: {
    type: 'object',
    maxProperties: 20,
    additionalProperties: translationSchema,
    description: 'title and description per language code (en, ar, uk …); missing: German',
  },
} as const;

export const itemBodySchema = {
  type: 'object',
  properties: itemBodyProperties,
  required: ['type', 'title'],
  additionalProperties: false,
} as const;

export const itemSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    type: { type: 'string', enum: [...itemTypes] },
    title: { type: 'string' },
    description: { type: 'string' },
    regions: { type: 'array', items: { type: 'string' } },
    roles: { type: 'array', items: { type: 'string' } },
    fields: { type: 'object', additionalProperties: { type: 'string' } },
    translations: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { title: { type: 'string' }, description: { type: 'string' } },
      },
    },
    warnings: {
      type: 'array',
      description: 'what an editor should know: a deadline that has passed, a start in the past',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string', enum: ['deadline-past', 'training-past'] },
          message: { type: 'string' },
        },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const present = (item: Item) => ({
  ...item,
  warnings: itemWarnings(item),
  createdAt: iso(item.createdAt),
  updatedAt: iso(item.updatedAt),
});

const notFound = (reply: FastifyReply) =>
  reply.code(404).send({ error: 'Not Found', message: 'no such item', statusCode: 404 });

/** The item library in the API: read (viewer tokens), create, change, delete (editor tokens). */
export default async function itemApi(app: FastifyInstance) {
  const service = app.services.items;

  app.get<{ Querystring: { type?: ItemType; after?: number; limit?: number } }>(
    '/items',
    {
      schema: {
        summary: 'List the item library, newest first (keyset-paginated)',
        description:
          '`next` is the cursor of the following page (pass it as `after`); null on the last page.',
        querystring: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: [...itemTypes] },
            after: { type: 'integer', minimum: 1 },
            limit: { type: 'integer', minimum: 1, maximum: ITEM_PAGE_LIMIT, default: 50 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: itemSchema },
              next: { type: ['integer', 'null'] },
            },
          },
          400: error,
          401: error,
        },
      },
    },
    async (request) => {
      const { type, after, limit } = request.query;
      const page = service.list({ type, after, limit });
      return { items: page.items.map(present), next: page.next };
    },
  );

  app.post<{ Body: ItemDraft }>(
    '/items',
    {
      schema: {
        summary: 'Save an item in the library',
        body: itemBodySchema,
        response: { 201: itemSchema, 400: problemsSchema, 401: error, 403: error },
      },
    },
    async (request, reply) => {
      const result = service.create(request.body, request.actor!);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return reply
        .code(201)
        .header('Location', `/api/v1/items/${result.item.id}`)
        .send(present(result.item));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/items/:id',
    {
      schema: {
        summary: 'One item',
        params: idParams,
        response: { 200: itemSchema, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      const item = service.find(request.params.id);
      if (!item) return notFound(reply);
      return present(item);
    },
  );

  app.patch<{ Params: { id: number }; Body: ItemPatch }>(
    '/items/:id',
    {
      schema: {
        summary:
          'Change an item: only the given properties change (fields and translations as a whole)',
        params: idParams,
        body: {
          type: 'object',
          properties: itemBodyProperties,
          minProperties: 1,
          additionalProperties: false,
        },
        response: { 200: itemSchema, 400: problemsSchema, 401: error, 403: error, 404: error },
      },
    },
    async (request, reply) => {
      const result = service.update(request.params.id, request.body, request.actor!);
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return present(result.item);
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/items/:id',
    {
      schema: {
        summary: 'Remove an item from the library',
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
