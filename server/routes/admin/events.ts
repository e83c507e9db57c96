import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, type FormBody } from '../../http/form.js';
import { roleAllows } from '../../services/accounts/index.js';
import {
  berlinLocal,
  eventTypes,
  type Event,
  type EventDraft,
  type EventType,
} from '../../services/events/index.js';
import { problemTexts, type Problems } from '../../services/reference/index.js';
import { lang, timeLabel } from './format.js';

/** What the form shows: as typed, so a refused form comes back with the typed values. */
interface FormValues {
  type: string;
  title: string;
  startsAt: string;
  endsAt: string;
  place: string;
  online: string;
  region: string;
  capacity: string;
  registrationDeadline: string;
  description: string;
  contact: string;
}

interface ListQuery {
  from?: string;
  to?: string;
  type?: string;
  region?: string;
  after?: string;
}

const formFields = [
  'type',
  'title',
  'startsAt',
  'endsAt',
  'place',
  'online',
  'region',
  'capacity',
  'registrationDeadline',
  'description',
  'contact',
] as const;

function readForm(body: FormBody): FormValues {
  const values = Object.fromEntries(formFields.map((name) => [name, field(body, name)]));
  return values as unknown as FormValues;
}

/** An unticked checkbox sends nothing: then the event is not online. */
const draftOf = (v: FormValues): EventDraft => ({ ...v, online: v.online === 'on' });

const local = (at: number | null) => (at === null ? '' : berlinLocal(at));

const valuesOf = (e: Event): FormValues => ({
  type: e.type,
  title: e.title,
  startsAt: local(e.startsAt),
  endsAt: local(e.endsAt),
  place: e.place ?? '',
  online: e.online ? 'on' : '',
  region: e.regionKey ?? '',
  capacity: e.capacity === null ? '' : String(e.capacity),
  registrationDeadline: local(e.registrationDeadline),
  description: e.description,
  contact: e.contact ?? '',
});

const isType = (value: string | undefined): value is EventType =>
  (eventTypes as readonly (string | undefined)[]).includes(value);

/**
 * Events (trainings, meetings): everyone sees what is coming and what was; editors create and
 * change them.
 */
export default async function eventRoutes(app: FastifyInstance) {
  const service = app.services.events;
  const editor = { config: { role: 'editor' as const } };

  const regions = (request: FastifyRequest) =>
    app.services.reference.segments.choices(lang(request)).regions;

  const findEvent = (request: FastifyRequest<{ Params: { id: string } }>) =>
    /^\d{1,15}$/.test(request.params.id) ? service.find(Number(request.params.id)) : undefined;

  const form = (
    request: FastifyRequest,
    reply: FastifyReply,
    data: { event?: Event; values: FormValues; problems?: Problems },
    status = 200,
  ) => {
    const { at } = request;
    const errors = problemTexts(data.problems ?? {}, at);
    // Inactive regions stay choosable for an event that already names one.
    const choices = regions(request).filter((r) => r.active || r.key === data.values.region);
    return reply.adminPage(
      'events/form',
      {
        title: data.event ? at('events.edit') : at('events.new'),
        event: data.event,
        url: data.event ? `${app.config.publicUrl}/events/${data.event.slug}` : null,
        values: data.values,
        errors,
        summary: formFields
          .filter((name) => errors[name])
          .map((name) => ({
            href: `#${name}`,
            text: `${at(`events.${name === 'title' ? 'titleField' : name}`)}: ${errors[name]}`,
          })),
        types: eventTypes,
        regions: choices,
      },
      status,
    );
  };

  app.get<{ Querystring: ListQuery }>('/events', async (request, reply) => {
    const q = request.query;
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const shown = {
      from: text(q.from),
      to: text(q.to),
      type: isType(text(q.type)) ? text(q.type) : '',
      region: text(q.region),
    };
    const period = Boolean(shown.from || shown.to);
    const after = text(q.after) || undefined;
    // Without a period: what is coming from today on, and below it what is over.
    const result = service.list({
      from: shown.from || (period ? undefined : service.today()),
      to: shown.to || undefined,
      type: shown.type || undefined,
      region: shown.region || undefined,
      after,
    });
    const names = new Map(regions(request).map((r) => [r.key, r.label]));
    const row = (e: Event) => ({
      ...e,
      startLabel: timeLabel(e.startsAt, lang(request)),
      startIso: new Date(e.startsAt).toISOString(),
      regionName: e.regionKey ? (names.get(e.regionKey) ?? e.regionKey) : '',
    });
    const page = result.kind === 'page' ? result.page : { items: [], next: null };
    const past =
      period || after || result.kind === 'invalid'
        ? null
        : service.past(Date.now(), 50, {
            type: isType(shown.type) ? shown.type : undefined,
            regionKey: shown.region || undefined,
          });
    const more = page.next === null ? null : new URLSearchParams({ after: page.next });
    if (more) for (const [key, value] of Object.entries(shown)) if (value) more.set(key, value);
    return reply.adminPage(
      'events/index',
      {
        title: request.at('events.title'),
        filter: shown,
        period,
        errors: result.kind === 'invalid' ? problemTexts(result.errors, request.at) : {},
        types: eventTypes,
        regions: regions(request),
        more: more ? `/admin/events?${more.toString()}` : null,
        events: page.items.map(row),
        past: past?.map(row) ?? null,
      },
      result.kind === 'invalid' ? 400 : 200,
    );
  });

  app.get('/events/new', editor, async (request, reply) =>
    form(request, reply, {
      values: {
        type: 'training',
        title: '',
        startsAt: '',
        endsAt: '',
        place: '',
        online: '',
        region: '',
        capacity: '',
        registrationDeadline: '',
        description: '',
        contact: '',
      },
    }),
  );

  app.post('/events', async (request, reply) => {
    const values = readForm((request.body ?? {}) as FormBody);
    const result = service.create(draftOf(values), request.actor!);
    if (result.kind === 'invalid')
      return form(request, reply, { values, problems: result.errors }, 400);
    return reply.redirect('/admin/events?notice=events.created', 303);
  });

  app.get<{ Params: { id: string } }>('/events/:id', async (request, reply) => {
    const event = findEvent(request);
    if (!event) return reply.callNotFound();
    if (roleAllows(request.user!.role, 'editor'))
      return form(request, reply, { event, values: valuesOf(event) });
    const region = event.regionKey
      ? regions(request).find((r) => r.key === event.regionKey)
      : undefined;
    return reply.adminPage('events/detail', {
      title: event.title,
      event,
      url: `${app.config.publicUrl}/events/${event.slug}`,
      startLabel: timeLabel(event.startsAt, lang(request)),
      endLabel: event.endsAt === null ? '' : timeLabel(event.endsAt, lang(request)),
      deadlineLabel:
        event.registrationDeadline === null
          ? ''
          : timeLabel(event.registrationDeadline, lang(request)),
      regionName: region?.label ?? event.regionKey ?? '',
    });
  });

  app.post<{ Params: { id: string } }>('/events/:id', async (request, reply) => {
    const event = findEvent(request);
    if (!event) return reply.callNotFound();
    const values = readForm((request.body ?? {}) as FormBody);
    const result = service.update(event.id, draftOf(values), request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'invalid')
      return form(request, reply, { event, values, problems: result.errors }, 400);
    return reply.redirect('/admin/events?notice=events.saved', 303);
  });
}
