import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as taxonomy from '../../../db/queries/taxonomy.js';
import { languages } from '../../i18n/index.js';
import { field, type FormBody } from '../../http/form.js';
import { isPlainText } from '../../services/plain-text.js';

const kinds = ['regions', 'roles', 'topics'] as const;
const isKind = (k: string): k is taxonomy.TaxonomyKind => (kinds as readonly string[]).includes(k);
export const KEY_PATTERN = /^[a-z0-9-]{2,40}$/;
/** Roles and topics need these labels; the other languages may fall back to them. */
const REQUIRED_LABELS = ['de', 'en'];

interface Values {
  key: string;
  name: string;
  kind: string;
  labels: Record<string, string>;
  position: string;
  active: boolean;
}

/** Read and check an entry's form; `isNew` also checks the key. */
function readEntry(
  kind: taxonomy.TaxonomyKind,
  body: FormBody,
  isNew: boolean,
  at: FastifyRequest['at'],
  keyTaken: (key: string) => boolean,
): { values: Values; errors: Record<string, string> } {
  const values: Values = {
    key: field(body, 'key').trim(),
    name: field(body, 'name').trim(),
    kind: field(body, 'kind').trim(),
    labels: Object.fromEntries(
      languages.map((l) => [l.code, field(body, `label-${l.code}`).trim()] as const),
    ),
    position: field(body, 'position').trim(),
    active: field(body, 'active') === 'yes',
  };
  const errors: Record<string, string> = {};
  if (isNew) {
    // 'new' names the add form's address.
    if (!KEY_PATTERN.test(values.key) || values.key === 'new')
      errors.key = at('taxonomy.errors.key');
    else if (keyTaken(values.key)) errors.key = at('taxonomy.errors.keyTaken');
  }
  if (kind === 'regions') {
    if (!values.name || !isPlainText(values.name, 100)) errors.name = at('taxonomy.errors.name');
    if (!isPlainText(values.kind, 60)) errors.kind = at('taxonomy.errors.kind');
  } else {
    for (const l of languages) {
      const label = values.labels[l.code] ?? '';
      const required = REQUIRED_LABELS.includes(l.code);
      if ((required && !label) || !isPlainText(label, 200))
        errors[`label-${l.code}`] = at(`taxonomy.errors.${required ? 'label' : 'labelOptional'}`);
    }
  }
  if (values.position && !/^\d{1,4}$/.test(values.position))
    errors.position = at('taxonomy.errors.position');
  return { values, errors };
}

const labelsOf = (values: Values) =>
  Object.fromEntries(Object.entries(values.labels).filter(([, v]) => v !== ''));

/**
 * Regions, roles and topics (admins only): labels change, keys never do; entries are
 * deactivated rather than deleted, so everybody who carries a key keeps it.
 */
export default async function taxonomyRoutes(app: FastifyInstance) {
  const db = app.database.db;
  const admin = { config: { role: 'admin' as const } };

  const overview = (reply: FastifyReply) =>
    reply.adminPage('taxonomy/index', {
      title: reply.request.at('taxonomy.title'),
      regions: taxonomy.allRegions(db),
      roles: taxonomy.allLabelled('roles', db),
      topics: taxonomy.allLabelled('topics', db),
      lang: reply.request.user?.language ?? 'de',
    });

  const form = (
    reply: FastifyReply,
    kind: taxonomy.TaxonomyKind,
    data: { key?: string; values: Partial<Values>; errors?: Record<string, string> },
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
    if (!isKind(kind)) return reply.callNotFound();
    return form(reply, kind, {
      values: { active: true, kind: kind === 'regions' ? 'Landkreis' : '' },
    });
  });

  app.post<{ Params: { kind: string } }>('/taxonomy/:kind', admin, async (request, reply) => {
    const { kind } = request.params;
    if (!isKind(kind)) return reply.callNotFound();
    const { values, errors } = readEntry(
      kind,
      (request.body ?? {}) as FormBody,
      true,
      request.at,
      (key) => taxonomy.keyExists(kind, key, db),
    );
    if (Object.keys(errors).length) return form(reply, kind, { values, errors }, 400);
    const position = values.position ? Number(values.position) : undefined;
    if (kind === 'regions') {
      taxonomy.createRegion(
        values.key,
        { name: values.name, kind: values.kind, position, active: values.active },
        db,
      );
      request.audit('create', 'region', values.key, { name: values.name, active: values.active });
    } else {
      const labels = labelsOf(values);
      taxonomy.createLabelled(kind, values.key, { labels, position, active: values.active }, db);
      request.audit('create', kind.slice(0, -1), values.key, { labels, active: values.active });
    }
    return reply.redirect(`/admin/taxonomy?notice=taxonomy.created#${kind}`, 303);
  });

  app.get<{ Params: { kind: string; key: string } }>(
    '/taxonomy/:kind/:key',
    admin,
    async (request, reply) => {
      const { kind, key } = request.params;
      if (!isKind(kind)) return reply.callNotFound();
      if (kind === 'regions') {
        const region = taxonomy.findRegion(key, db);
        if (!region) return reply.callNotFound();
        return form(reply, kind, {
          key,
          values: { ...region, position: String(region.position) },
        });
      }
      const entry = taxonomy.findLabelled(kind, key, db);
      if (!entry) return reply.callNotFound();
      return form(reply, kind, { key, values: { ...entry, position: String(entry.position) } });
    },
  );

  app.post<{ Params: { kind: string; key: string } }>(
    '/taxonomy/:kind/:key',
    admin,
    async (request, reply) => {
      const { kind, key } = request.params;
      if (!isKind(kind) || !taxonomy.keyExists(kind, key, db)) return reply.callNotFound();
      const { values, errors } = readEntry(
        kind,
        (request.body ?? {}) as FormBody,
        false,
        request.at,
        () => false,
      );
      if (Object.keys(errors).length) return form(reply, kind, { key, values, errors }, 400);
      const position = values.position ? Number(values.position) : undefined;
      if (kind === 'regions') {
        taxonomy.updateRegion(
          key,
          { name: values.name, kind: values.kind, position, active: values.active },
          db,
        );
        request.audit('update', 'region', key, { name: values.name, active: values.active });
      } else {
        const labels = labelsOf(values);
        taxonomy.updateLabelled(kind, key, { labels, position, active: values.active }, db);
        request.audit('update', kind.slice(0, -1), key, { labels, active: values.active });
      }
      return reply.redirect(`/admin/taxonomy?notice=taxonomy.saved#${kind}`, 303);
    },
  );
}
