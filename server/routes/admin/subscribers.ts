import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { transaction } from '../../../db/client.js';
import * as audit from '../../../db/queries/audit.js';
import { countWhere, filterWhere, type SubscriberFilter } from '../../../db/queries/filters.js';
import * as admin from '../../../db/queries/subscriber-admin.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import { subscriberStatuses, type SubscriberStatus } from '../../../db/schema.js';
import { csvRow, CSV_BOM } from '../../infra/csv.js';
import { DEFAULT_LANGUAGE, languages, translator } from '../../i18n/index.js';
import { formChoices } from '../../plugins/view.js';
import {
  fieldMessages,
  normaliseEmail,
  profileFromForm,
  profileValues,
  validateProfile,
  type FieldProblems,
} from '../../services/subscribers/profile.js';
import { field, many, one, type FormBody } from '../../http/form.js';
import { isPlainText } from '../../services/plain-text.js';
import { DAY_MS } from '../../infra/security.js';

type Query = Record<string, string | string[] | undefined>;

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const EXPORT_CHUNK = 500;

/** The filter form's fields, in the order the URL carries them. */
const FILTER_FIELDS = [
  'q',
  'status',
  'region',
  'role',
  'topic',
  'language',
  'list',
  'created_from',
  'created_to',
  'confirmed_from',
  'confirmed_to',
  'sort',
  'dir',
  'limit',
] as const;

/** Filter values: at most 50 per field. */
const upTo50 = (v: string | string[] | undefined): string[] => many(v).slice(0, 50);

/** A calendar date (YYYY-MM-DD) as the first or last millisecond of that day (UTC). */
function dayBound(value: string, end: boolean): number | undefined | null {
  if (!value) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const start = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(start)) return null;
  return end ? start + DAY_MS - 1 : start;
}

interface ListQuery {
  filter: SubscriberFilter;
  sort: admin.SubscriberSort;
  direction: admin.SortDirection;
  limit: number;
  after?: admin.Cursor;
  /** What the form shows again. */
  values: Record<string, string>;
  errors: Record<string, string>;
}

/** Read the filter form (GET) — unknown values are ignored, bad dates get a message. */
function readListQuery(query: Query, at: FastifyRequest['at']): ListQuery {
  const values: Record<string, string> = {};
  for (const name of FILTER_FIELDS) values[name] = one(query[name]).slice(0, 200);
  const errors: Record<string, string> = {};
  const filter: SubscriberFilter = {};
  if (values.q!.trim()) filter.q = values.q!.trim();
  const status = upTo50(query.status).filter((s): s is SubscriberStatus =>
    (subscriberStatuses as readonly string[]).includes(s),
  );
  if (status.length) filter.status = status;
  if (upTo50(query.region).length) filter.regions = upTo50(query.region);
  if (upTo50(query.role).length) filter.roles = upTo50(query.role);
  if (upTo50(query.topic).length) filter.topics = upTo50(query.topic);
  if (upTo50(query.language).length) filter.languages = upTo50(query.language);
  const listIds = upTo50(query.list).map(Number).filter(Number.isInteger);
  if (listIds.length) filter.lists = listIds;
  const dates = [
    ['created_from', 'createdFrom', false],
    ['created_to', 'createdTo', true],
    ['confirmed_from', 'confirmedFrom', false],
    ['confirmed_to', 'confirmedTo', true],
  ] as const;
  for (const [name, key, end] of dates) {
    const bound = dayBound(values[name]!, end);
    if (bound === null) errors[name] = at('subscribers.dateInvalid');
    else if (bound !== undefined) filter[key] = bound;
  }
  const sort = (admin.subscriberSorts as readonly string[]).includes(values.sort!)
    ? (values.sort as admin.SubscriberSort)
    : 'created';
  const direction = values.dir === 'asc' ? 'asc' : 'desc';
  const limitValue = Number(values.limit);
  const limit =
    Number.isInteger(limitValue) && limitValue > 0
      ? Math.min(limitValue, MAX_LIMIT)
      : DEFAULT_LIMIT;
  values.sort = sort;
  values.dir = direction;
  let after: admin.Cursor | undefined;
  const afterId = Number(one(query.after));
  if (Number.isInteger(afterId) && afterId > 0) {
    const key = one(query.key);
    if (sort === 'email') after = { key, id: afterId };
    else if (sort === 'confirmed' && key === '') after = { key: null, id: afterId };
    else if (/^\d+$/.test(key)) after = { key: Number(key), id: afterId };
  }
  return { filter, sort, direction, limit, after, values, errors };
}

/** The current filter as a query string (no cursor), with extra parameters appended. */
function filterQuery(
  values: Record<string, string>,
  query: Query,
  extra: Record<string, string> = {},
) {
  const params = new URLSearchParams();
  for (const name of FILTER_FIELDS) {
    for (const v of name === 'status' ||
    name === 'region' ||
    name === 'role' ||
    name === 'topic' ||
    name === 'language' ||
    name === 'list'
      ? upTo50(query[name])
      : [values[name] ?? '']) {
      if (v !== '') params.append(name, v);
    }
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return params.toString();
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '');

/** Subscribers in the admin UI: list, detail, edit, add, block, unsubscribe, erase, exports. */
export default async function subscriberRoutes(app: FastifyInstance) {
  const db = app.database.db;
  const editor = { config: { role: 'editor' as const } };

  const choices = (request: FastifyRequest) => {
    const lang = request.user?.language ?? 'de';
    const { regions, roles, topics } = formChoices(app, lang);
    return { regions, roles, topics, lists: admin.allLists(db), languages };
  };

  /** Problems next to the fields; the admin forms word a list problem their own way. */
  const messages = (request: FastifyRequest, errors: FieldProblems) => {
    const t = translator(request.user!.language);
    return fieldMessages(errors, (key) =>
      key === 'signup.errors.lists' ? request.at('subscribers.listsInvalid') : t(key),
    );
  };

  const meta = (request: FastifyRequest): subscribers.RequestMeta => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    source: `admin:${request.user!.email}`,
    channel: 'admin',
  });

  const findSubscriber = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const { id } = request.params;
    if (!/^\d{1,15}$/.test(id)) return undefined;
    return subscribers.findById(Number(id), db);
  };

  app.get('/subscribers', async (request, reply) => {
    const query = request.query as Query;
    const list = readListQuery(query, request.at);
    const where = filterWhere(list.filter);
    const page = admin.listSubscribers(
      {
        filter: list.filter,
        sort: list.sort,
        direction: list.direction,
        after: list.after,
        limit: list.limit,
      },
      db,
    );
    const c = choices(request);
    const regionNames = new Map(c.regions.map((r) => [r.key, r.name]));
    return reply.adminPage('subscribers/list', {
      title: request.at('subscribers.title'),
      choices: c,
      statuses: subscriberStatuses,
      sorts: admin.subscriberSorts,
      values: list.values,
      selected: {
        status: upTo50(query.status),
        region: upTo50(query.region),
        role: upTo50(query.role),
        topic: upTo50(query.topic),
        language: upTo50(query.language),
        list: upTo50(query.list),
      },
      errors: list.errors,
      total: countWhere(where, db),
      rows: page.rows.map((r) => ({
        ...r,
        region: r.regionKey ? (regionNames.get(r.regionKey) ?? r.regionKey) : '',
      })),
      nextUrl: page.next
        ? `/admin/subscribers?${filterQuery(list.values, query, {
            key: page.next.key === null ? '' : String(page.next.key),
            after: String(page.next.id),
          })}`
        : undefined,
      firstUrl: list.after ? `/admin/subscribers?${filterQuery(list.values, query)}` : undefined,
      exportUrl: `/admin/subscribers/export.csv?${filterQuery(list.values, query)}`,
    });
  });

  app.get('/subscribers/export.csv', editor, async (request, reply) => {
    const query = request.query as Query;
    const list = readListQuery(query, request.at);
    request.audit('export', 'subscribers', null, { format: 'csv', filter: list.filter });
    async function* rows() {
      yield (
        CSV_BOM +
        csvRow([
          'email',
          'name',
          'status',
          'region',
          'roles',
          'topics',
          'language',
          'lists',
          'created',
          'confirmed',
        ])
      );
      let afterId = 0;
      for (;;) {
        const chunk = admin.exportChunk(list.filter, afterId, EXPORT_CHUNK, db);
        if (!chunk.length) return;
        yield chunk
          .map((r) =>
            csvRow([
              r.email,
              r.name,
              r.status,
              r.region,
              r.roles,
              r.topics,
              r.language,
              r.lists,
              iso(r.createdAt),
              iso(r.confirmedAt),
            ]),
          )
          .join('');
        afterId = chunk.at(-1)!.id;
        // Let other requests run between chunks.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return sendCsv(reply, `subscribers-${today()}.csv`, rows());
  });

  app.get('/consent.csv', editor, async (request, reply) => {
    request.audit('export', 'consent', null, { format: 'csv' });
    async function* rows() {
      yield (
        CSV_BOM +
        csvRow([
          'id',
          'at',
          'kind',
          'subscriber_id',
          'email',
          'email_hash',
          'ip',
          'user_agent',
          'channel',
          'source',
          'consent_text_version',
          'list_ids',
          'details',
        ])
      );
      let afterId = 0;
      for (;;) {
        const chunk = admin.consentChunk(afterId, EXPORT_CHUNK, db);
        if (!chunk.length) return;
        yield chunk
          .map((r) =>
            csvRow([
              r.id,
              iso(r.at),
              r.kind,
              r.subscriberId,
              r.email,
              r.emailHash,
              r.ip,
              r.userAgent,
              r.channel,
              r.source,
              r.consentTextVersion,
              r.listIds ? r.listIds.join(' ') : '',
              r.details ? JSON.stringify(r.details) : '',
            ]),
          )
          .join('');
        afterId = chunk.at(-1)!.id;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return sendCsv(reply, `consent-${today()}.csv`, rows());
  });

  const newPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
    extra: Record<string, unknown> = {},
  ) =>
    reply.adminPage(
      'subscribers/new',
      {
        title: request.at('subscribers.newTitle'),
        choices: choices(request),
        values,
        errors,
        ...extra,
      },
      Object.keys(errors).length ? 400 : 200,
    );

  /** A new person's language unless chosen: their (first) list's default, else the organisation's. */
  const defaultLanguageFor = (listIds: number[]) =>
    admin.allLists(db).find((l) => l.id === listIds[0])?.defaultLanguage ?? DEFAULT_LANGUAGE;

  app.get('/subscribers/new', editor, async (request, reply) => {
    const first = admin.allLists(db)[0];
    return newPage(request, reply, {
      method: 'mail',
      language: defaultLanguageFor(first ? [first.id] : []),
      lists: [String(first?.id ?? '')],
      roles: [],
      topics: [],
    });
  });

  app.post('/subscribers', editor, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const c = choices(request);
    const raw = profileFromForm(body);
    const check = validateProfile(raw, c, {
      fallbackLanguage: defaultLanguageFor((raw.listIds ?? []).map(Number)),
      email: true,
      listsRequired: true,
    });
    const { profile } = check;
    const errors = messages(request, check.errors);
    const email = normaliseEmail(check.email);
    const method = field(body, 'method');
    const event = field(body, 'event').trim();
    const eventDate = field(body, 'event_date').trim();
    if (method !== 'mail' && method !== 'paper')
      errors.method = request.at('subscribers.methodInvalid');
    if (method === 'paper') {
      if (!event || !isPlainText(event, 200)) errors.event = request.at('subscribers.eventInvalid');
      const day = dayBound(eventDate, false);
      if (!day || day > Date.now()) errors.event_date = request.at('subscribers.eventDateInvalid');
    }
    let existing: subscribers.Subscriber | undefined;
    if (!errors.email) {
      existing = subscribers.findByEmail(email, db);
      if (existing) errors.email = request.at('subscribers.exists');
    }
    const formValues = {
      ...profileValues(profile),
      email: check.email,
      lists: check.listIds.map(String),
      method,
      event,
      event_date: eventDate,
    };
    if (Object.keys(errors).length)
      return newPage(request, reply, formValues, errors, { existingId: existing?.id });

    if (method === 'paper') {
      const created = transaction(db, (tx) =>
        admin.addWithPaperConsent(
          {
            email,
            emailHash: app.secrets.emailHash(email),
            profile,
            listIds: check.listIds,
            event,
            eventDate,
            enteredBy: request.user!.email,
            meta: meta(request),
          },
          tx,
        ),
      );
      if (!created) {
        return newPage(request, reply, formValues, { email: request.at('subscribers.exists') });
      }
      request.audit('create', 'subscriber', created.id, { consent: 'paper', event, eventDate });
      return reply.redirect(`/admin/subscribers/${created.id}?notice=subscribers.added`, 303);
    }
    const outcome = await app.services.subscribers.signUp({
      email,
      profile,
      formLanguage: profile.language,
      listIds: check.listIds,
      meta: meta(request),
    });
    const created = subscribers.findByEmail(email, db)!;
    request.audit('create', 'subscriber', created.id, { consent: 'mail', outcome });
    return reply.redirect(
      `/admin/subscribers/${created.id}?notice=subscribers.confirmationSent`,
      303,
    );
  });

  const detailPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    subscriber: subscribers.Subscriber,
    errors: Record<string, string> = {},
  ) => {
    const lang = request.user?.language ?? 'de';
    const c = choices(request);
    const full = subscribers.withProfile(subscriber, db);
    const listNames = new Map(c.lists.map((l) => [l.id, l.name]));
    const label = (items: { key: string; label: string }[], key: string) =>
      items.find((i) => i.key === key)?.label ?? key;
    return reply.adminPage(
      'subscribers/detail',
      {
        title: subscriber.email,
        subscriber: full,
        region: subscriber.regionKey
          ? (c.regions.find((r) => r.key === subscriber.regionKey)?.name ?? subscriber.regionKey)
          : '',
        roles: full.roleKeys.map((k) => label(c.roles, k)),
        topics: full.topicKeys.map((k) => label(c.topics, k)),
        languageName:
          languages.find((l) => l.code === subscriber.language)?.name ?? subscriber.language,
        subscriptions: admin.subscriptionsOf(subscriber.id, db),
        consent: subscribers.consentHistory(subscriber.id, db).map((e) => ({
          ...e,
          lists: (e.listIds ?? []).map((id) => listNames.get(id) ?? `#${id}`).join(', '),
          details: describeDetails(e.details, request.at, listNames),
        })),
        auditEntries: audit.listAudit(
          { entity: 'subscriber', entityId: String(subscriber.id), limit: 100 },
          db,
        ),
        when: (ms: number | null) => (ms ? new Date(ms).toLocaleString(lang) : '–'),
        errors,
      },
      Object.keys(errors).length ? 400 : 200,
    );
  };

  app.get<{ Params: { id: string } }>('/subscribers/:id', async (request, reply) => {
    const subscriber = findSubscriber(request);
    if (!subscriber) return reply.callNotFound();
    return detailPage(request, reply, subscriber);
  });

  app.get<{ Params: { id: string } }>(
    '/subscribers/:id/export.json',
    editor,
    async (request, reply) => {
      const subscriber = findSubscriber(request);
      if (!subscriber) return reply.callNotFound();
      const data = subscribers.exportData(subscriber.id, db);
      request.audit('export', 'subscriber', subscriber.id, { format: 'json' });
      return reply
        .header('Cache-Control', 'no-store')
        .header('Content-Disposition', `attachment; filename="subscriber-${subscriber.id}.json"`)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(data, null, 2));
    },
  );

  const editPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    subscriber: subscribers.Subscriber,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
  ) =>
    reply.adminPage(
      'subscribers/edit',
      {
        title: request.at('subscribers.editTitle'),
        subscriber,
        choices: choices(request),
        values,
        errors,
      },
      Object.keys(errors).length ? 400 : 200,
    );

  app.get<{ Params: { id: string } }>('/subscribers/:id/edit', editor, async (request, reply) => {
    const subscriber = findSubscriber(request);
    if (!subscriber) return reply.callNotFound();
    const full = subscribers.withProfile(subscriber, db);
    return editPage(request, reply, subscriber, {
      ...profileValues(full),
      lists: full.listIds.map(String),
    });
  });

  app.post<{ Params: { id: string } }>('/subscribers/:id', editor, async (request, reply) => {
    const subscriber = findSubscriber(request);
    if (!subscriber) return reply.callNotFound();
    const body = (request.body ?? {}) as FormBody;
    const c = choices(request);
    const { email: _email, ...raw } = profileFromForm(body);
    const check = validateProfile(raw, c, {
      fallbackLanguage: subscriber.language,
      listsRequired: true,
    });
    const { profile } = check;
    if (Object.keys(check.errors).length) {
      const values = { ...profileValues(profile), lists: check.listIds.map(String) };
      return editPage(request, reply, subscriber, values, messages(request, check.errors));
    }
    const emailHash = app.secrets.emailHash(subscriber.email);
    const changes = transaction(db, (tx) => {
      const before = subscribers.withProfile(subscriber, tx);
      subscribers.updateProfile(
        { subscriberId: subscriber.id, emailHash, profile, meta: meta(request) },
        tx,
      );
      const listChange = admin.setLists(
        { subscriberId: subscriber.id, listIds: check.listIds, emailHash, meta: meta(request) },
        tx,
      );
      // Which fields changed, not their values: the audit log outlives an erasure.
      return {
        name: before.name !== profile.name,
        region: before.regionKey !== profile.regionKey,
        roles: before.roleKeys.slice().sort().join() !== profile.roleKeys.slice().sort().join(),
        topics: before.topicKeys.slice().sort().join() !== profile.topicKeys.slice().sort().join(),
        language: before.language !== profile.language,
        tracking: before.trackingConsent !== profile.trackingConsent,
        listsAdded: listChange.added,
        listsRemoved: listChange.removed,
      };
    });
    request.audit('update', 'subscriber', subscriber.id, {
      changed: Object.entries(changes)
        .filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v))
        .map(([k]) => k),
      listsAdded: changes.listsAdded,
      listsRemoved: changes.listsRemoved,
    });
    return reply.redirect(`/admin/subscribers/${subscriber.id}?notice=subscribers.saved`, 303);
  });

  app.post<{ Params: { id: string } }>(
    '/subscribers/:id/unsubscribe',
    editor,
    async (request, reply) => {
      const subscriber = findSubscriber(request);
      if (!subscriber) return reply.callNotFound();
      app.services.subscribers.unsubscribe({ s: subscriber.id }, meta(request));
      const erased = !subscribers.findById(subscriber.id, db);
      request.audit('unsubscribe', 'subscriber', subscriber.id, { lists: 'all', erased });
      return reply.redirect(
        erased
          ? '/admin/subscribers?notice=subscribers.erased'
          : `/admin/subscribers/${subscriber.id}?notice=subscribers.unsubscribedAll`,
        303,
      );
    },
  );

  app.post<{ Params: { id: string } }>('/subscribers/:id/block', editor, async (request, reply) => {
    const subscriber = findSubscriber(request);
    if (!subscriber) return reply.callNotFound();
    transaction(db, (tx) => admin.block(subscriber.id, Date.now(), tx));
    request.audit('block', 'subscriber', subscriber.id, { statusBefore: subscriber.status });
    return reply.redirect(
      `/admin/subscribers/${subscriber.id}?notice=subscribers.blockedDone`,
      303,
    );
  });

  app.post<{ Params: { id: string } }>(
    '/subscribers/:id/delete',
    editor,
    async (request, reply) => {
      const subscriber = findSubscriber(request);
      if (!subscriber) return reply.callNotFound();
      const body = (request.body ?? {}) as FormBody;
      if (field(body, 'confirm') !== 'yes') {
        return detailPage(request, reply, subscriber, {
          confirm: request.at('subscribers.deleteConfirmMissing'),
        });
      }
      app.services.subscribers.erase(subscriber.id, meta(request));
      request.audit('erase', 'subscriber', subscriber.id);
      return reply.redirect('/admin/subscribers?notice=subscribers.erased', 303);
    },
  );
}

/** A consent record's details as readable "label: value" lines. */
function describeDetails(
  details: Record<string, unknown> | null,
  at: FastifyRequest['at'],
  listNames: Map<number, string>,
): string[] {
  if (!details) return [];
  return Object.entries(details).map(([key, value]) => {
    const labelKey = `subscribers.detailKeys.${key}`;
    const label = at(labelKey) === labelKey ? key : at(labelKey);
    let text: string;
    if (typeof value === 'boolean')
      text = at(value ? 'subscribers.trackingYes' : 'subscribers.trackingNo');
    else if ((key === 'listsAdded' || key === 'listsRemoved') && Array.isArray(value))
      text = value.map((id) => listNames.get(Number(id)) ?? `#${String(id)}`).join(', ');
    else if (Array.isArray(value)) text = value.join(', ');
    else if (value === null || value === undefined) text = '–';
    else text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return `${label}: ${text}`;
  });
}

const today = () => new Date().toISOString().slice(0, 10);

function sendCsv(reply: FastifyReply, fileName: string, rows: AsyncIterable<string>) {
  return reply
    .header('Cache-Control', 'no-store')
    .header('Content-Disposition', `attachment; filename="${fileName}"`)
    .type('text/csv; charset=utf-8')
    .send(Readable.from(rows));
}
