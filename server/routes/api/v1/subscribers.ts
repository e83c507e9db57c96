import type { FastifyInstance, FastifyReply } from 'fastify';
import { transaction } from '../../../../db/client.js';
import { countWhere, filterWhere, type SubscriberFilter } from '../../../../db/queries/filters.js';
import * as reference from '../../../../db/queries/reference.js';
import * as admin from '../../../../db/queries/subscriber-admin.js';
import * as subscribers from '../../../../db/queries/subscribers.js';
import { subscriberStatuses, type SubscriberStatus } from '../../../../db/schema.js';
import { DEFAULT_LANGUAGE } from '../../../i18n/index.js';
import {
  normaliseEmail,
  problemMessage,
  profileJsonSchema,
  validateProfile,
  type ProfileInput,
} from '../../../services/subscribers/profile.js';
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
const encodeCursor = (c: admin.Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(s: string | undefined): admin.Cursor | undefined {
  if (!s) return undefined;
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as admin.Cursor;
    return Number.isInteger(c.id) ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Subscribers in the API: find, list, create, change, erase. */
export default async function subscriberApi(app: FastifyInstance) {
  const db = app.database.db;

  /** What a profile may name: active regions, roles and topics, and every list. */
  const choices = () => ({
    regions: reference.listRegions(db),
    roles: reference.listRoles(db),
    topics: reference.listTopics(db),
    lists: admin.allLists(db),
  });
  /** The field problems of the given profile fields, as one message; undefined when fine. */
  const problems = (body: ProfileInput, fallbackLanguage: string, email = false) => {
    const check = validateProfile(body, choices(), { fallbackLanguage, email });
    return Object.keys(check.errors).length ? problemMessage(check.errors) : undefined;
  };

  const meta = (request: {
    ip: string;
    headers: Record<string, unknown>;
    apiToken?: { name: string };
  }) => ({
    ip: request.ip,
    userAgent:
      typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
    source: `api:${request.apiToken?.name ?? ''}`,
    channel: 'api',
  });

  app.get<{ Querystring: ListQuery }>(
    '/subscribers',
    {
      schema: {
        summary: 'List subscribers (filtered, keyset-paginated) or find one by e-mail address',
        description:
          'Filters take comma-separated values. `next` is the cursor for the following page (pass it as `after`).',
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
        const found = subscribers.findByEmail(normaliseEmail(q.email), db);
        return {
          items: found ? [present(subscribers.withProfile(found, db))] : [],
          total: found ? 1 : 0,
          next: null,
        };
      }
      const status = csv(q.status);
      if (status?.some((s) => !(subscriberStatuses as readonly string[]).includes(s))) {
        return reply.code(400).send({
          error: 'Bad Request',
          message: `status must be one of ${subscriberStatuses.join(', ')}`,
          statusCode: 400,
        });
      }
      const filter: SubscriberFilter = {
        q: q.q,
        status: status as SubscriberStatus[] | undefined,
        regions: csv(q.region),
        roles: csv(q.role),
        topics: csv(q.topic),
        languages: csv(q.language),
        lists: csv(q.list)?.map(Number).filter(Number.isInteger),
      };
      const page = admin.listSubscribers(
        {
          filter,
          sort: 'created',
          direction: 'desc',
          after: decodeCursor(q.after),
          limit: q.limit ?? 50,
        },
        db,
      );
      const items = page.rows.map((row) =>
        present(subscribers.withProfile(subscribers.findById(row.id, db)!, db)),
      );
      return {
        items,
        total: countWhere(filterWhere(filter), db),
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
      const found = subscribers.findById(request.params.id, db);
      if (!found) return notFound(reply);
      const consent = subscribers
        .consentHistory(found.id, db)
        .map((c) => ({ ...c, at: iso(c.at) }));
      return { ...present(subscribers.withProfile(found, db)), consent };
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
      const body = request.body;
      const email = normaliseEmail(body.email);
      const problem = problems(body, DEFAULT_LANGUAGE, true);
      if (problem)
        return reply.code(400).send({ error: 'Bad Request', message: problem, statusCode: 400 });
      const profile = {
        name: body.name?.trim() ?? '',
        regionKey: body.regionKey ?? null,
        roleKeys: [...new Set(body.roleKeys ?? [])],
        topicKeys: [...new Set(body.topicKeys ?? [])],
        // Without a language the person gets the default language of (the first of) their lists.
        language:
          body.language ??
          admin
            .allLists(db)
            .find((l) => l.id === (body.listIds?.[0] ?? reference.defaultList(db).id))
            ?.defaultLanguage ??
          DEFAULT_LANGUAGE,
        trackingConsent: body.trackingConsent ?? false,
      };
      if (body.consent.mode === 'paper') {
        const { event, eventDate } = body.consent;
        if (Date.parse(eventDate) > Date.now()) {
          return reply.code(400).send({
            error: 'Bad Request',
            message: 'eventDate lies in the future',
            statusCode: 400,
          });
        }
        const created = transaction(db, (tx) =>
          admin.addWithPaperConsent(
            {
              email,
              emailHash: app.secrets.emailHash(email),
              profile,
              listIds: body.listIds?.length ? body.listIds : [reference.defaultList(tx).id],
              event,
              eventDate,
              enteredBy: `api:${request.apiToken?.name ?? ''}`,
              meta: meta(request),
            },
            tx,
          ),
        );
        if (!created) {
          return reply
            .code(409)
            .send({ error: 'Conflict', message: 'this address is already known', statusCode: 409 });
        }
        request.audit('create', 'subscriber', created.id, { consent: 'paper', event, eventDate });
        return reply.code(201).send(present(subscribers.withProfile(created, db)));
      }
      if (subscribers.findByEmail(email, db)) {
        return reply
          .code(409)
          .send({ error: 'Conflict', message: 'this address is already known', statusCode: 409 });
      }
      const outcome = await app.services.subscribers.signUp({
        email,
        profile,
        listIds: body.listIds,
        meta: meta(request),
      });
      const created = subscribers.findByEmail(email, db)!;
      request.audit('create', 'subscriber', created.id, { consent: 'mail', outcome });
      // Accepted: the person becomes a subscriber when they confirm.
      return reply.code(202).send(present(subscribers.withProfile(created, db)));
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
      const body = request.body;
      const found = subscribers.findById(request.params.id, db);
      if (!found) return notFound(reply);
      const current = subscribers.withProfile(found, db);
      const problem = problems(body, current.language);
      if (problem)
        return reply.code(400).send({ error: 'Bad Request', message: problem, statusCode: 400 });
      const profile = {
        name: body.name?.trim() ?? current.name,
        regionKey: body.regionKey === undefined ? current.regionKey : body.regionKey,
        roleKeys: body.roleKeys ? [...new Set(body.roleKeys)] : current.roleKeys,
        topicKeys: body.topicKeys ? [...new Set(body.topicKeys)] : current.topicKeys,
        language: body.language ?? current.language,
        trackingConsent: body.trackingConsent ?? current.trackingConsent,
      };
      const listChange = transaction(db, (tx) => {
        const emailHash = app.secrets.emailHash(found.email);
        subscribers.updateProfile(
          { subscriberId: found.id, emailHash, meta: meta(request), profile },
          tx,
        );
        const lists = body.listIds
          ? admin.setLists(
              { subscriberId: found.id, listIds: body.listIds, emailHash, meta: meta(request) },
              tx,
            )
          : { added: [], removed: [] };
        if (body.status === 'blocked') admin.block(found.id, Date.now(), tx);
        return lists;
      });
      // Which fields changed, not their values: the audit log outlives an erasure.
      const changes = {
        name: current.name !== profile.name,
        region: current.regionKey !== profile.regionKey,
        roles: current.roleKeys.slice().sort().join() !== profile.roleKeys.slice().sort().join(),
        topics: current.topicKeys.slice().sort().join() !== profile.topicKeys.slice().sort().join(),
        language: current.language !== profile.language,
        tracking: current.trackingConsent !== profile.trackingConsent,
        listsAdded: listChange.added,
        listsRemoved: listChange.removed,
      };
      if (Object.keys(body).some((k) => k !== 'status')) {
        request.audit('update', 'subscriber', found.id, {
          changed: Object.entries(changes)
            .filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v))
            .map(([k]) => k),
          listsAdded: changes.listsAdded,
          listsRemoved: changes.listsRemoved,
        });
      }
      if (body.status === 'blocked')
        request.audit('block', 'subscriber', found.id, { statusBefore: found.status });
      return present(subscribers.withProfile(subscribers.findById(found.id, db)!, db));
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
      if (!app.services.subscribers.erase(request.params.id, meta(request))) return notFound(reply);
      request.audit('erase', 'subscriber', request.params.id);
      return reply.code(204).send();
    },
  );
}
