import type { FastifyInstance, FastifyReply } from 'fastify';
import { languages } from '../../i18n/index.js';
import { field, type FormBody } from '../../http/form.js';
import {
  isTaxonomyKind,
  problemTexts,
  REQUIRED_LABELS,
  type TaxonomyDraft,
  type TaxonomyKind,
} from '../../services/reference/index.js';

/** An entry's form as the service reads it (one `label-xx` field per language). */
function readEntry(body: FormBody): TaxonomyDraft {
  return {
    key: field(body, 'key'),
    name: field(body, 'name'),
    kind: field(body, 'kind'),
    labels: Object.fromEntries(languages.map((l) => [l.code, field(body, `label-${l.code}`)])),
    position: field(body, 'position'),
    active: field(body, 'active') === 'yes',
  };
}

/**
 * Regions, roles and topics (admins only): labels change, keys never do; entries are
 * deactivated rather than deleted, so everybody who carries a key keeps it.
 */
export default async function taxonomyRoutes(app: FastifyInstance) {
  const service = app.services.reference.taxonomy;
  const admin = { config: { role: 'admin' as const } };

  const overview = (reply: FastifyReply) =>
    reply.adminPage('taxonomy/index', {
      title: reply.request.at('taxonomy.title'),
      ...service.overview(),
      lang: reply.request.user?.language ?? 'de',
    });

  const form = (
    reply: FastifyReply,
    kind: TaxonomyKind,
    data: { key?: string; values: Partial<TaxonomyDraft>; errors?: Record<string, string> },
    status = 200,
  ) => {
    const { at } = reply.request;
    return reply.adminPage(
      'taxonomy/form',
      {
        title: data.key
          ? at('taxonomy.editNamed', { name: data.key })
          : at(`taxonomy.add${kind[0]!.toUpperCase()}${kind.slice(1)}`),
        kind,
        languages,
        required: REQUIRED_LABELS,
        errors: {},
        ...data,
      },
      status,
    );
  };

  app.get('/taxonomy', admin, async (_request, reply) => overview(reply));

  app.get<{ Params: { kind: string } }>('/taxonomy/:kind/new', admin, async (request, reply) => {
    const { kind } = request.params;
    if (!isTaxonomyKind(kind)) return reply.callNotFound();
    return form(reply, kind, {
      values: { active: true, kind: kind === 'regions' ? 'Landkreis' : '' },
    });
  });

  app.post<{ Params: { kind: string } }>('/taxonomy/:kind', admin, async (request, reply) => {
    const { kind } = request.params;
    if (!isTaxonomyKind(kind)) return reply.callNotFound();
    const draft = readEntry((request.body ?? {}) as FormBody);
    const result = service.create(kind, draft, request.actor!);
    if (result.kind === 'invalid') {
      const errors = problemTexts(result.errors, request.at);
      return form(reply, kind, { values: result.values, errors }, 400);
    }
    return reply.redirect(`/admin/taxonomy?notice=taxonomy.created#${kind}`, 303);
  });

  app.get<{ Params: { kind: string; key: string } }>(
    '/taxonomy/:kind/:key',
    admin,
    async (request, reply) => {
      const { kind, key } = request.params;
      if (!isTaxonomyKind(kind)) return reply.callNotFound();
      const entry = service.find(kind, key);
      if (!entry) return reply.callNotFound();
      return form(reply, kind, { key, values: { ...entry, position: String(entry.position) } });
    },
  );

  app.post<{ Params: { kind: string; key: string } }>(
    '/taxonomy/:kind/:key',
    admin,
    async (request, reply) => {
      const { kind, key } = request.params;
      if (!isTaxonomyKind(kind)) return reply.callNotFound();
      const draft = readEntry((request.body ?? {}) as FormBody);
      const result = service.update(kind, key, draft, request.actor!);
      if (result.kind === 'missing') return reply.callNotFound();
      if (result.kind === 'invalid') {
        const errors = problemTexts(result.errors, request.at);
        return form(reply, kind, { key, values: result.values, errors }, 400);
      }
      return reply.redirect(`/admin/taxonomy?notice=taxonomy.saved#${kind}`, 303);
    },
  );
}
