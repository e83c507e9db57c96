import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { field, many, one, origin, type FormBody } from '../../http/form.js';
import { languages, translator } from '../../i18n/index.js';
import { DAY_MS } from '../../infra/security.js';
import {
  checkCursor,
  checkSearch,
  fieldMessages,
  profileFromForm,
  profileValues,
  subscriberSorts,
  subscriberStatuses,
  type Cursor,
  type FieldProblems,
  type SortDirection,
  type SubscriberFilter,
  type SubscriberService,
  type SubscriberSort,
  type SubscriberStatus,
} from '../../services/subscribers/index.js';

type Query = Record<string, string | string[] | undefined>;

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

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
  sort: SubscriberSort;
  direction: SortDirection;
  limit: number;
  after?: Cursor;
  /** What the form shows again. */
  values: Record<string, string>;
  errors: Record<string, string>;
}

/**
 * Read the filter form (GET): unknown statuses, regions … are ignored; a bad search, list or
 * date gets a message; a cursor that is not one the list made shows the first page.
 */
function readListQuery(
  query: Query,
  at: FastifyRequest['at'],
  checkLists: SubscriberService['lookup']['checkLists'],
): ListQuery {
  const values: Record<string, string> = {};
  for (const name of FILTER_FIELDS) values[name] = one(query[name]).slice(0, 200);
  const errors: Record<string, string> = {};
  const filter: SubscriberFilter = {};
  const search = checkSearch(values.q);
  if (search.error) errors.q = at(search.error.key);
  else if (search.q) filter.q = search.q;
  const status = upTo50(query.status).filter((s): s is SubscriberStatus =>
    (subscriberStatuses as readonly string[]).includes(s),
  );
  if (status.length) filter.status = status;
  if (upTo50(query.region).length) filter.regions = upTo50(query.region);
  if (upTo50(query.role).length) filter.roles = upTo50(query.role);
  if (upTo50(query.topic).length) filter.topics = upTo50(query.topic);
  if (upTo50(query.language).length) filter.languages = upTo50(query.language);
  const lists = checkLists(upTo50(query.list));
  if (lists.error) errors.list = at(lists.error.key);
  else if (lists.lists.length) filter.lists = lists.lists;
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
  const sort = (subscriberSorts as readonly string[]).includes(values.sort!)
    ? (values.sort as SubscriberSort)
    : 'created';
  const direction = values.dir === 'asc' ? 'asc' : 'desc';
  const limitValue = Number(values.limit);
  const limit =
    Number.isInteger(limitValue) && limitValue > 0
      ? Math.min(limitValue, MAX_LIMIT)
      : DEFAULT_LIMIT;
  values.sort = sort;
  values.dir = direction;
  let after: Cursor | undefined;
  if (one(query.after)) {
    const key = one(query.key);
    const given =
      sort === 'email' ? key : key === '' ? null : /^\d+$/.test(key) ? Number(key) : key;
    after = checkCursor(sort, { key: given, id: Number(one(query.after)) });
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

/** Subscribers in the admin UI: list, detail, edit, add, block, unsubscribe, erase, exports. */
export default async function subscriberRoutes(app: FastifyInstance) {
  const { lookup, manage, exports } = app.services.subscribers;
  const editor = { config: { role: 'editor' as const } };

  const choices = (request: FastifyRequest) => {
    const lang = request.user?.language ?? 'de';
    const { regions, roles, topics } = app.services.reference.formChoices(lang);
    return { regions, roles, topics, lists: manage.allLists(), languages };
  };

  /** Problems next to the fields: the admin's own wording, else the sign-up form's. */
  const messages = (request: FastifyRequest, errors: FieldProblems) => {
    const t = translator(request.user!.language);
    const shown = fieldMessages(errors, (key) =>
      key.startsWith('subscribers.') ? request.at(key) : t(key),
    );
    if (shown.eventDate) shown.event_date = shown.eventDate;
    return shown;
  };

  const findSubscriber = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const { id } = request.params;
    if (!/^\d{1,15}$/.test(id)) return undefined;
    return lookup.find(Number(id));
  };

  const listPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    query: Query,
    list: ListQuery,
    status = 200,
  ) => {
    const page = lookup.page({
      filter: list.filter,
      sort: list.sort,
      direction: list.direction,
      after: list.after,
      limit: list.limit,
    });
    const c = choices(request);
    const regionNames = new Map(c.regions.map((r) => [r.key, r.name]));
    return reply.adminPage(
      'subscribers/list',
      {
        title: request.at('subscribers.title'),
        choices: c,
        statuses: subscriberStatuses,
        sorts: subscriberSorts,
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
        total: page.total,
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
      },
      status,
    );
  };

  app.get('/subscribers', async (request, reply) => {
    const query = request.query as Query;
    return listPage(
      request,
      reply,
      query,
      readListQuery(query, request.at, (ids) => lookup.checkLists(ids)),
    );
  });

  app.get('/subscribers/export.csv', editor, async (request, reply) => {
    const query = request.query as Query;
    const list = readListQuery(query, request.at, (ids) => lookup.checkLists(ids));
    // Leaving out a field with a mistake would export more people than asked for.
    if (Object.keys(list.errors).length) return listPage(request, reply, query, list, 400);
    const rows = exports.subscriberCsv(request.actor!, list.filter);
    return sendCsv(reply, `subscribers-${today()}.csv`, rows);
  });

  app.get('/consent.csv', editor, async (request, reply) =>
    sendCsv(reply, `consent-${today()}.csv`, exports.consentCsv(request.actor!)),
  );

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

  app.get('/subscribers/new', editor, async (request, reply) => {
    const defaults = manage.newDefaults();
    return newPage(request, reply, {
      method: 'mail',
      language: defaults.language,
      lists: defaults.listIds.map(String),
      roles: [],
      topics: [],
    });
  });

  app.post('/subscribers', editor, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const method = field(body, 'method');
    const event = field(body, 'event').trim();
    const eventDate = field(body, 'event_date').trim();
    const result = await manage.add(
      origin(request),
      { ...profileFromForm(body), consent: { mode: method, event, eventDate } },
      { listsRequired: true },
    );
    if (result.kind === 'created') {
      const notice = result.outcome ? 'subscribers.confirmationSent' : 'subscribers.added';
      return reply.redirect(`/admin/subscribers/${result.subscriber.id}?notice=${notice}`, 303);
    }
    const { check } = result;
    const values = {
      ...profileValues(check.profile),
      email: check.email,
      lists: check.listIds.map(String),
      method,
      event,
      event_date: eventDate,
    };
    const errors = result.kind === 'invalid' ? messages(request, result.errors) : {};
    if (result.existingId !== undefined) errors.email ??= request.at('subscribers.exists');
    return newPage(request, reply, values, errors, { existingId: result.existingId });
  });

  const detailPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    id: number,
    errors: Record<string, string> = {},
  ) => {
    const lang = request.user?.language ?? 'de';
    const c = choices(request);
    const found = lookup.detail(id);
    if (!found) return reply.callNotFound();
    const { subscriber } = found;
    const listNames = new Map(c.lists.map((l) => [l.id, l.name]));
    const label = (items: { key: string; label: string }[], key: string) =>
      items.find((i) => i.key === key)?.label ?? key;
    return reply.adminPage(
      'subscribers/detail',
      {
        title: subscriber.email,
        subscriber,
        origin: found.origin,
        region: subscriber.regionKey
          ? (c.regions.find((r) => r.key === subscriber.regionKey)?.name ?? subscriber.regionKey)
          : '',
        roles: subscriber.roleKeys.map((k) => label(c.roles, k)),
        topics: subscriber.topicKeys.map((k) => label(c.topics, k)),
        languageName:
          languages.find((l) => l.code === subscriber.language)?.name ?? subscriber.language,
        subscriptions: found.subscriptions,
        consent: found.consent.map((e) => ({
          ...e,
          lists: (e.listIds ?? []).map((id) => listNames.get(id) ?? `#${id}`).join(', '),
          details: describeDetails(e.details, request.at, listNames),
        })),
        auditEntries: found.auditEntries,
        when: (ms: number | null) => (ms ? new Date(ms).toLocaleString(lang) : '–'),
        errors,
      },
      Object.keys(errors).length ? 400 : 200,
    );
  };

  app.get<{ Params: { id: string } }>('/subscribers/:id', async (request, reply) => {
    const subscriber = findSubscriber(request);
    if (!subscriber) return reply.callNotFound();
    return detailPage(request, reply, subscriber.id);
  });

  app.get<{ Params: { id: string } }>(
    '/subscribers/:id/export.json',
    editor,
    async (request, reply) => {
      const subscriber = findSubscriber(request);
      const data = subscriber && exports.personData(request.actor!, subscriber.id);
      if (!data) return reply.callNotFound();
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
    subscriber: { id: number; email: string },
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
    const full = subscriber && lookup.withProfile(subscriber.id);
    if (!full) return reply.callNotFound();
    return editPage(request, reply, full, {
      ...profileValues(full),
      lists: full.listIds.map(String),
    });
  });

  app.post<{ Params: { id: string } }>('/subscribers/:id', editor, async (request, reply) => {
    const subscriber = findSubscriber(request);
    if (!subscriber) return reply.callNotFound();
    const { email: _email, ...patch } = profileFromForm((request.body ?? {}) as FormBody);
    const result = manage.update(origin(request), subscriber.id, patch, { listsRequired: true });
    if (result.kind === 'not-found') return reply.callNotFound();
    if (result.kind === 'invalid') {
      const values = {
        ...profileValues(result.check.profile),
        lists: result.check.listIds.map(String),
      };
      return editPage(request, reply, subscriber, values, messages(request, result.errors));
    }
    return reply.redirect(`/admin/subscribers/${subscriber.id}?notice=subscribers.saved`, 303);
  });

  app.post<{ Params: { id: string } }>(
    '/subscribers/:id/unsubscribe',
    editor,
    async (request, reply) => {
      const subscriber = findSubscriber(request);
      const result = subscriber && manage.unsubscribeAll(origin(request), subscriber.id);
      if (!result) return reply.callNotFound();
      return reply.redirect(
        result.erased
          ? '/admin/subscribers?notice=subscribers.erased'
          : `/admin/subscribers/${subscriber.id}?notice=subscribers.unsubscribedAll`,
        303,
      );
    },
  );

  app.post<{ Params: { id: string } }>('/subscribers/:id/block', editor, async (request, reply) => {
    const subscriber = findSubscriber(request);
    if (!subscriber || !manage.block(origin(request), subscriber.id)) return reply.callNotFound();
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
        return detailPage(request, reply, subscriber.id, {
          confirm: request.at('subscribers.deleteConfirmMissing'),
        });
      }
      manage.erase(origin(request), subscriber.id);
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
    else if (typeof value === 'string' || typeof value === 'number') text = String(value);
    else text = JSON.stringify(value) ?? '';
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
