import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, type FormBody } from '../../http/form.js';
import { roleAllows } from '../../services/accounts/index.js';
import {
  berlinToday,
  consultationKinds,
  type Consultation,
  type ConsultationDraft,
  type ConsultationFilter,
  type ConsultationKind,
} from '../../services/consultations/index.js';
import { problemTexts, type Problems } from '../../services/reference/index.js';
import { lang } from './format.js';

/** What the form shows: as typed, so a refused form comes back with the typed values. */
interface FormValues {
  heldOn: string;
  kind: string;
  region: string;
  topic: string;
  followUp: string;
  people: string;
}

interface ListQuery {
  from?: string;
  to?: string;
  kind?: string;
  region?: string;
  after?: string;
}

const formFields = ['heldOn', 'kind', 'region', 'topic', 'followUp', 'people'] as const;

function readForm(body: FormBody): FormValues {
  return {
    heldOn: field(body, 'heldOn'),
    kind: field(body, 'kind'),
    region: field(body, 'region'),
    topic: field(body, 'topic'),
    followUp: field(body, 'followUp'),
    people: field(body, 'people'),
  };
}

const draftOf = (v: FormValues): ConsultationDraft => ({ ...v });

const valuesOf = (c: Consultation): FormValues => ({
  heldOn: c.heldOn,
  kind: c.kind,
  region: c.regionKey ?? '',
  topic: c.topic,
  followUp: c.followUp,
  people: String(c.people),
});

/** A day as people read it: 30.11.2026 in German, 30/11/2026 in English. */
const dayLabel = (day: string, lang: string) =>
  new Date(`${day}T12:00:00Z`).toLocaleDateString(lang === 'de' ? 'de-DE' : 'en-GB', {
    timeZone: 'UTC',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  });

const isKind = (value: string | undefined): value is ConsultationKind =>
  (consultationKinds as readonly (string | undefined)[]).includes(value);

/**
 * The counselling log: everyone sees it with the count of the filtered period; editors record,
 * change and delete consultations. Nobody is named in it.
 */
export default async function consultationRoutes(app: FastifyInstance) {
  const service = app.services.consultations;
  const editor = { config: { role: 'editor' as const } };

  const regions = (request: FastifyRequest) =>
    app.services.reference.segments.choices(lang(request)).regions;

  const findConsultation = (request: FastifyRequest<{ Params: { id: string } }>) =>
    /^\d{1,15}$/.test(request.params.id) ? service.find(Number(request.params.id)) : undefined;

  const form = (
    request: FastifyRequest,
    reply: FastifyReply,
    data: { consultation?: Consultation; values: FormValues; problems?: Problems },
    status = 200,
  ) => {
    const { at } = request;
    const errors = problemTexts(data.problems ?? {}, at);
    // Inactive regions stay choosable for a consultation that already names one.
    const choices = regions(request).filter((r) => r.active || r.key === data.values.region);
    return reply.adminPage(
      'consultations/form',
      {
        title: data.consultation ? at('consultations.edit') : at('consultations.new'),
        consultation: data.consultation,
        values: data.values,
        errors,
        summary: formFields
          .filter((name) => errors[name])
          .map((name) => ({
            href: `#${name}`,
            text: `${at(`consultations.${name}`)}: ${errors[name]}`,
          })),
        kinds: consultationKinds,
        regions: choices,
        today: berlinToday(),
      },
      status,
    );
  };

  app.get<{ Querystring: ListQuery }>('/consultations', async (request, reply) => {
    const q = request.query;
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const shown = {
      from: text(q.from),
      to: text(q.to),
      kind: isKind(text(q.kind)) ? text(q.kind) : '',
      region: text(q.region),
    };
    const filter: ConsultationFilter = {
      from: shown.from || undefined,
      to: shown.to || undefined,
      kind: isKind(shown.kind) ? shown.kind : undefined,
      regionKey: shown.region || undefined,
    };
    const after = text(q.after) || undefined;
    const result = service.list({ ...filter, after });
    const names = new Map(regions(request).map((r) => [r.key, r.label]));
    const page = result.kind === 'page' ? result.page : { items: [], next: null };
    const totals = result.kind === 'page' ? service.count(filter) : null;
    const more = page.next === null ? null : new URLSearchParams({ after: page.next });
    if (more) for (const [key, value] of Object.entries(shown)) if (value) more.set(key, value);
    return reply.adminPage(
      'consultations/index',
      {
        title: request.at('consultations.title'),
        filter: shown,
        errors: result.kind === 'invalid' ? problemTexts(result.errors, request.at) : {},
        kinds: consultationKinds,
        regions: regions(request),
        totals,
        more: more ? `/admin/consultations?${more.toString()}` : null,
        consultations: page.items.map((c) => ({
          ...c,
          heldOnLabel: dayLabel(c.heldOn, lang(request)),
          regionName: c.regionKey ? (names.get(c.regionKey) ?? c.regionKey) : '',
        })),
      },
      result.kind === 'invalid' ? 400 : 200,
    );
  });

  app.get('/consultations/new', editor, async (request, reply) =>
    form(request, reply, {
      values: {
        heldOn: berlinToday(),
        kind: 'person',
        region: '',
        topic: '',
        followUp: '',
        people: '1',
      },
    }),
  );

  app.post('/consultations', async (request, reply) => {
    const values = readForm((request.body ?? {}) as FormBody);
    const result = service.create(draftOf(values), request.actor!);
    if (result.kind === 'invalid')
      return form(request, reply, { values, problems: result.errors }, 400);
    return reply.redirect('/admin/consultations?notice=consultations.created', 303);
  });

  app.get<{ Params: { id: string } }>('/consultations/:id', async (request, reply) => {
    const consultation = findConsultation(request);
    if (!consultation) return reply.callNotFound();
    if (roleAllows(request.user!.role, 'editor'))
      return form(request, reply, { consultation, values: valuesOf(consultation) });
    const region = consultation.regionKey
      ? regions(request).find((r) => r.key === consultation.regionKey)
      : undefined;
    return reply.adminPage('consultations/detail', {
      title: consultation.topic,
      consultation,
      heldOnLabel: dayLabel(consultation.heldOn, lang(request)),
      regionName: region?.label ?? consultation.regionKey ?? '',
    });
  });

  app.post<{ Params: { id: string } }>('/consultations/:id', async (request, reply) => {
    const consultation = findConsultation(request);
    if (!consultation) return reply.callNotFound();
    const values = readForm((request.body ?? {}) as FormBody);
    const result = service.update(consultation.id, draftOf(values), request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'invalid')
      return form(request, reply, { consultation, values, problems: result.errors }, 400);
    return reply.redirect('/admin/consultations?notice=consultations.saved', 303);
  });

  app.get<{ Params: { id: string } }>(
    '/consultations/:id/delete',
    editor,
    async (request, reply) => {
      const consultation = findConsultation(request);
      if (!consultation) return reply.callNotFound();
      return reply.adminPage('consultations/delete', {
        title: request.at('consultations.delete'),
        consultation,
        heldOnLabel: dayLabel(consultation.heldOn, lang(request)),
      });
    },
  );

  app.post<{ Params: { id: string } }>('/consultations/:id/delete', async (request, reply) => {
    const consultation = findConsultation(request);
    if (!consultation || !service.delete(consultation.id, request.actor!))
      return reply.callNotFound();
    return reply.redirect('/admin/consultations?notice=consultations.deleted', 303);
  });
}
