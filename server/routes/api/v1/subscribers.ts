import type { FastifyInstance, FastifyReply } from 'fastify';
import { origin } from '../../../http/form.js';
import {
  checkCursor,
  checkSearch,
  problemMessage,
  profileJsonSchema,
  subscriberStatuses,
  type Cursor,
  type SubscriberFilter,
  type SubscriberStatus,
} from '../../../services/subscribers/index.js';
import { apiSource } from '../../../services/sources/index.js';
import { consentEvent, error, iso, present, subscriber, idParams } from './schemas.js';

interface ListQuery {
  email?: string;
  q?: string;
  status?: string;
  region?: string;
  role?: string;
  topic?: string;
  language?: string;
  list?: string;
  after?: string;
  limit?: number;
}

interface ProfileBody {
  name?: string;
  regionKey?: string | null;
  roleKeys?: string[];
  topicKeys?: string[];
  language?: string;
  trackingConsent?: boolean;
  listIds?: number[];
}

interface CreateBody extends ProfileBody {
  email: string;
  consent: { mode: 'confirmation' } | { mode: 'paper'; event: string; eventDate: string };
  source?: { kind: 'direct' | 'code'; code?: string };
}

interface PatchBody extends ProfileBody {
  status?: 'blocked';
}

const csv = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

const notFound = (reply: FastifyReply) =>
  reply.code(404).send({ error: 'Not Found', message: 'no such subscriber', statusCode: 404 });

/** Cursor of the next page: opaque to clients. */
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
/** A cursor given back; undefined when it is not one this API gave out. */
function decodeCursor(s: string): Cursor | undefined {
  try {
    return checkCursor(SORT, JSON.parse(Buffer.from(s, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
}
const SORT = 'created' as const;

/** Subscribers in the API: find, list, create, change, erase. */
export default async function subscriberApi(app: FastifyInstance) {
  const { lookup, manage } = app.services.subscribers;
  const badRequest = (reply: FastifyReply, message: string) =>
    reply.code(400).send({ error: 'Bad Request', message, statusCode: 400 });
  const conflict = (reply: FastifyReply) =>
    reply
      .code(409)
      .send({ error: 'Conflict', message: 'this address is already known', statusCode: 409 });

  app.get<{ Querystring: ListQuery }>(
    '/subscribers',
    {
      schema: {
        summary: 'List subscribers (filtered, keyset-paginated) or find one by e-mail address',
        description:
          'Filters take comma-separated values; an unknown list id is a 400. `next` is the cursor for the following page (pass it as `after`); a cursor the API did not give out is a 400.',
        querystring: {
          type: 'object',
          properties: {
            email: { type: 'string', maxLength: 254 },
            q: { type: 'string', maxLength: 200 },
            status: { type: 'string', maxLength: 100 },
            region: { type: 'string', maxLength: 1000 },
            role: { type: 'string', maxLength: 1000 },
            topic: { type: 'string', maxLength: 1000 },
            language: { type: 'string', maxLength: 100 },
            list: { type: 'string', maxLength: 1000 },
            after: { type: 'string', maxLength: 500 },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: subscriber },
              total: { type: 'integer' },
              next: { type: ['string', 'null'] },
            },
          },
          400: error,
          401: error,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q.email !== undefined) {
        const found = lookup.findByEmail(q.email);
        return { items: found ? [present(found)] : [], total: found ? 1 : 0, next: null };
      }
      const search = checkSearch(q.q);
      if (search.error) return badRequest(reply, search.error.message);
      const status = csv(q.status);
      if (status?.some((s) => !(subscriberStatuses as readonly string[]).includes(s)))
        return badRequest(reply, `status must be one of ${subscriberStatuses.join(', ')}`);
      const lists = q.list === undefined ? undefined : lookup.checkLists(csv(q.list) ?? []);
      if (lists?.error) return badRequest(reply, lists.error.message);
      const after = q.after === undefined ? undefined : decodeCursor(q.after);
      if (q.after !== undefined && !after)
        return badRequest(
          reply,
          'after is not a cursor this API gave out (use next from a previous page)',
        );
      const filter: SubscriberFilter = {
        q: search.q,
        status: status as SubscriberStatus[] | undefined,
        regions: csv(q.region),
        roles: csv(q.role),
        topics: csv(q.topic),
        languages: csv(q.language),
        lists: lists?.lists.length ? lists.lists : undefined,
      };
      const page = lookup.profilePage({
        filter,
        sort: SORT,
        direction: 'desc',
        after,
        limit: q.limit ?? 50,
      });
      return {
        items: page.items.map(present),
        total: page.total,
        next: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/subscribers/:id',
    {
      schema: {
        summary: 'One subscriber with the full consent history',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              ...subscriber.properties,
              consent: { type: 'array', items: consentEvent },
            },
          },
          401: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const found = lookup.withProfile(request.params.id);
      if (!found) return notFound(reply);
      const consent = lookup.consentHistory(found.id).map((c) => ({ ...c, at: iso(c.at) }));
      return { ...present(found), consent };
    },
  );

  app.post<{ Body: CreateBody }>(
    '/subscribers',
    {
      schema: {
        summary:
          'Add a subscriber: with a confirmation mail (double opt-in) or with consent given on paper',
        body: {
          type: 'object',
          required: ['email', 'consent'],
          additionalProperties: false,
          properties: {
            email: { type: 'string', maxLength: 254 },
            ...profileJsonSchema,
            consent: {
              oneOf: [
                {
                  type: 'object',
                  required: ['mode'],
                  additionalProperties: false,
                  properties: { mode: { const: 'confirmation' } },
                },
                {
                  type: 'object',
                  required: ['mode', 'event', 'eventDate'],
                  additionalProperties: false,
                  properties: {
                    mode: { const: 'paper' },
                    event: { type: 'string', minLength: 1, maxLength: 200 },
                    eventDate: { type: 'string', format: 'date' },
                  },
                },
              ],
            },
            source: {
              description:
                'Where the sign-up came from, with `consent.mode: "confirmation"` only: `direct`, ' +
                'or `code` with a campaign code (letters, digits, `-`, `_`; e.g. from a flyer)',
              type: 'object',
              required: ['kind'],
              additionalProperties: false,
              properties: {
                kind: { enum: ['direct', 'code'] },
                code: { type: 'string', maxLength: 40 },
              },
            },
          },
        },
        response: {
          201: subscriber,
          202: subscriber,
          400: error,
          401: error,
          403: error,
          409: error,
        },
      },
    },
    async (request, reply) => {
      const { consent, source: namedSource, ...profile } = request.body;
      const source = namedSource && apiSource(namedSource);
      if (namedSource && consent.mode !== 'confirmation')
        return badRequest(reply, 'source is only taken with consent mode confirmation');
      if (namedSource && !source)
        return badRequest(reply, 'source.code must be letters, digits, - or _ (at most 40)');
      const result = await manage.add(origin(request), {
        source,
        ...profile,
        // No lists: the default list.
        listIds: profile.listIds?.length ? profile.listIds : undefined,
        consent: consent.mode === 'paper' ? consent : { mode: 'mail' },
      });
      if (result.kind === 'invalid') return badRequest(reply, problemMessage(result.errors));
      if (result.kind === 'conflict') return conflict(reply);
      // Paper consent: a subscriber now; by mail: accepted, a subscriber once they confirm.
      return reply.code(result.outcome ? 202 : 201).send(present(result.subscriber));
    },
  );

  app.patch<{ Params: { id: number }; Body: PatchBody }>(
    '/subscribers/:id',
    {
      schema: {
        summary: 'Change a subscriber (only the given fields); `status: "blocked"` blocks',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { ...profileJsonSchema, status: { const: 'blocked' } },
        },
        response: { 200: subscriber, 400: error, 401: error, 403: error, 404: error },
      },
    },
    async (request, reply) => {
      const result = manage.update(origin(request), request.params.id, request.body);
      if (result.kind === 'not-found') return notFound(reply);
      if (result.kind === 'invalid') return badRequest(reply, problemMessage(result.errors));
      return present(result.subscriber);
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/subscribers/:id',
    {
      schema: {
        summary:
          'Erase a subscriber: only the minimal proof record (hashed address, consent times) stays',
        params: idParams,
        response: { 204: { type: 'null' }, 401: error, 403: error, 404: error },
      },
    },
    async (request, reply) => {
      if (!manage.erase(origin(request), request.params.id)) return notFound(reply);
      return reply.code(204).send();
    },
  );
}
