import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, many, type FormBody } from '../../http/form.js';
import { languages } from '../../i18n/index.js';
import { roleAllows } from '../../services/accounts/index.js';
import { berlinLocal } from '../../services/events/index.js';
import {
  berlinDateTime,
  berlinWallClock,
  isItemType,
  itemFields,
  itemTypes,
  itemWarnings,
  type Item,
  type ItemDraft,
  type ItemTranslation,
  type ItemType,
} from '../../services/items/index.js';
import { problemTexts, type RuleChoices } from '../../services/reference/index.js';

/** The languages an item can be translated into on the form (German is the item itself). */
const translationLanguages = ['en', 'ar', 'uk'] as const;
/** Fields shown as datetime-local inputs: Berlin wall-clock time on the form. */
const dateTimeFields = new Set(['startsAt', 'endsAt']);

const inputTypes: Record<string, string> = {
  deadline: 'date',
  startsAt: 'datetime-local',
  endsAt: 'datetime-local',
  url: 'url',
  imageUrl: 'url',
  buttonUrl: 'url',
  email: 'email',
  phone: 'tel',
};
const autocomplete: Record<string, string> = { email: 'off', phone: 'off' };

/** The inputs of a type's own fields: name, label and hint keys, input type. */
function fieldInputs(type: ItemType) {
  return itemFields[type].map((key: string) => {
    const registration = key === 'url' && (type === 'training' || type === 'meeting');
    return {
      key,
      name: `fields.${key}`,
      label: `items.fields.${registration ? 'registrationUrl' : key}`,
      hint: ['deadline', 'startsAt', 'endsAt', 'url', 'imageAlt', 'buttonLabel', 'event'].includes(
        key,
      )
        ? `items.fieldHints.${key}`
        : '',
      type: inputTypes[key] ?? 'text',
      autocomplete: autocomplete[key] ?? '',
    };
  });
}

/** What the form shows: the values as typed (or as saved, times as Berlin wall-clock). */
interface FormValues {
  type: ItemType;
  title: string;
  description: string;
  regions: string[];
  roles: string[];
  fields: Record<string, string>;
  translations: Record<string, ItemTranslation>;
}

function valuesOf(item: Item): FormValues {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(item.fields as Record<string, string>))
    fields[key] = dateTimeFields.has(key) ? (berlinWallClock(value) ?? value) : value;
  return {
    type: item.type,
    title: item.title,
    description: item.description,
    regions: item.regions,
    roles: item.roles,
    fields,
    translations: item.translations,
  };
}

/**
 * The form as values (to show again) and as the draft the service checks. A time the editor did
 * not change keeps its stored form; a changed one is saved with Berlin's offset at that time.
 */
function readItemForm(
  body: FormBody,
  type: ItemType,
  current?: Item,
): { values: FormValues; draft: ItemDraft } {
  const values: FormValues = {
    type,
    title: field(body, 'title'),
    description: field(body, 'description'),
    regions: [...new Set(many(body.regions))],
    roles: [...new Set(many(body.roles))],
    fields: {},
    translations: {},
  };
  const fields: Record<string, string> = {};
  for (const key of itemFields[type] as readonly string[]) {
    const value = field(body, `fields.${key}`);
    values.fields[key] = value;
    if (!dateTimeFields.has(key) || !value.trim()) {
      fields[key] = value;
      continue;
    }
    const stored = (current?.fields as Record<string, string> | undefined)?.[key];
    fields[key] =
      stored !== undefined && berlinWallClock(stored) === value.trim()
        ? stored
        : (berlinDateTime(value.trim()) ?? value);
  }
  // Translations the form does not show (added through the API) stay as they are.
  const translations: Record<string, ItemTranslation> = { ...current?.translations };
  for (const lang of translationLanguages) {
    const given = {
      title: field(body, `translations.${lang}.title`),
      description: field(body, `translations.${lang}.description`),
    };
    values.translations[lang] = given;
    translations[lang] = given;
  }
  return {
    values,
    draft: {
      type,
      title: values.title,
      description: values.description,
      regions: values.regions,
      roles: values.roles,
      fields,
      translations,
    },
  };
}

const emptyValues = (type: ItemType): FormValues => ({
  type,
  title: '',
  description: '',
  regions: [],
  roles: [],
  fields: {},
  translations: {},
});

/** Region and role keys in words: "Regionen: Harz · Rollen: …", or "für alle". */
function audience(item: Item, c: RuleChoices, at: FastifyRequest['at']): string {
  const names = (list: { key: string; label: string }[], keys: string[]) =>
    keys.map((k) => list.find((x) => x.key === k)?.label ?? k).join(', ');
  const parts: string[] = [];
  if (item.regions.length) parts.push(`${at('items.regions')}: ${names(c.regions, item.regions)}`);
  if (item.roles.length) parts.push(`${at('items.roles')}: ${names(c.roles, item.roles)}`);
  return parts.length ? parts.join(' · ') : at('items.forEverybody');
}

/** Where the error summary's link for a problem leads: the input, or a group's first box. */
function anchorFor(name: string, values: FormValues, c: RuleChoices): string {
  if (name === 'regions' || name === 'roles') {
    const list = name === 'regions' ? c.regions : c.roles;
    const first = list.find((x) => x.active || values[name].includes(x.key));
    return first ? `${name}-${first.key}` : name;
  }
  return name;
}

/**
 * The item library: everyone sees it; editors create, change and delete items through forms
 * that speak of fields, never of HTML. The type is chosen first and fixes the form's fields.
 */
export default async function itemRoutes(app: FastifyInstance) {
  const service = app.services.items;
  const editor = { config: { role: 'editor' as const } };
  const choices = (request: FastifyRequest) =>
    app.services.reference.segments.choices(request.user?.language ?? 'de');

  const findItem = (request: FastifyRequest<{ Params: { id: string } }>) =>
    /^\d{1,15}$/.test(request.params.id) ? service.find(Number(request.params.id)) : undefined;

  const warningsOf = (item: Pick<Item, 'type' | 'fields'>, request: FastifyRequest) =>
    itemWarnings(item).map((w) => ({ code: w.code, text: request.at(`items.warnings.${w.code}`) }));

  const form = (
    request: FastifyRequest,
    reply: FastifyReply,
    data: { item?: Item; values: FormValues; problems?: Record<string, string> },
    status = 200,
  ) => {
    const { at } = request;
    const c = choices(request);
    const inputs = fieldInputs(data.values.type);
    const errors = problemTexts(data.problems ?? {}, at);
    const label = (name: string): string => {
      const input = inputs.find((i) => i.name === name);
      if (input) return at(input.label);
      const t = /^translations\.(\w+)\.(title|description)$/.exec(name);
      if (t) {
        const language = languages.find((l) => l.code === t[1])?.name ?? t[1]!;
        return `${at('items.translation', { language })}, ${at(t[2] === 'title' ? 'items.titleLabel' : 'items.description')}`;
      }
      return at(
        name === 'title' ? 'items.titleLabel' : name === 'type' ? 'items.type' : `items.${name}`,
      );
    };
    return reply.adminPage(
      'items/form',
      {
        title: data.item ? at('items.edit') : at('items.new'),
        item: data.item,
        values: data.values,
        errors,
        summary: Object.entries(errors).map(([name, message]) => ({
          href: `#${anchorFor(name, data.values, c)}`,
          text: `${label(name)}: ${message}`,
        })),
        choices: c,
        inputs,
        translationLanguages: translationLanguages.map((code) => ({
          code,
          name: languages.find((l) => l.code === code)?.name ?? code,
          dir: languages.find((l) => l.code === code)?.dir ?? 'ltr',
        })),
        warnings: data.item ? warningsOf(data.item, request) : [],
        events: app.services.events.upcoming().map((e) => ({
          id: String(e.id),
          label: `${e.title} (${berlinLocal(e.startsAt).slice(0, 10)})`,
        })),
      },
      status,
    );
  };

  app.get<{ Querystring: { type?: string; after?: string } }>('/items', async (request, reply) => {
    const type = isItemType(request.query.type) ? request.query.type : undefined;
    const after = /^\d{1,15}$/.test(request.query.after ?? '')
      ? Number(request.query.after)
      : undefined;
    const page = service.list({ type, after });
    const c = choices(request);
    const more = page.next === null ? null : new URLSearchParams({ after: String(page.next) });
    if (more && type) more.set('type', type);
    return reply.adminPage('items/index', {
      title: request.at('items.title'),
      type: type ?? '',
      types: itemTypes,
      after,
      more: more ? `/admin/items?${more.toString()}` : null,
      items: page.items.map((item) => ({
        ...item,
        audience: audience(item, c, request.at),
        warnings: warningsOf(item, request),
      })),
    });
  });

  app.get<{ Querystring: { type?: string } }>('/items/new', editor, async (request, reply) => {
    const { type } = request.query;
    if (!isItemType(type))
      return reply.adminPage('items/type', { title: request.at('items.new'), types: itemTypes });
    return form(request, reply, { values: emptyValues(type) });
  });

  app.post('/items', async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const type = field(body, 'type');
    if (!isItemType(type))
      return reply.adminPage(
        'items/type',
        { title: request.at('items.new'), types: itemTypes },
        400,
      );
    const { values, draft } = readItemForm(body, type);
    const result = service.create(draft, request.actor!);
    if (result.kind === 'invalid')
      return form(request, reply, { values, problems: result.errors }, 400);
    return reply.redirect(`/admin/items/${result.item.id}?notice=items.created`, 303);
  });

  app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const item = findItem(request);
    if (!item) return reply.callNotFound();
    if (roleAllows(request.user!.role, 'editor'))
      return form(request, reply, { item, values: valuesOf(item) });
    const c = choices(request);
    return reply.adminPage('items/detail', {
      title: item.title,
      item,
      values: valuesOf(item),
      audience: audience(item, c, request.at),
      inputs: fieldInputs(item.type),
      translationLanguages: languages.filter((l) => item.translations[l.code]),
      warnings: warningsOf(item, request),
    });
  });

  app.post<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const item = findItem(request);
    if (!item) return reply.callNotFound();
    const { values, draft } = readItemForm((request.body ?? {}) as FormBody, item.type, item);
    const { type: _type, ...patch } = draft;
    const result = service.update(item.id, patch, request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'invalid')
      return form(request, reply, { item, values, problems: result.errors }, 400);
    return reply.redirect(`/admin/items/${item.id}?notice=items.saved`, 303);
  });

  app.get<{ Params: { id: string } }>('/items/:id/delete', editor, async (request, reply) => {
    const item = findItem(request);
    if (!item) return reply.callNotFound();
    return reply.adminPage('items/delete', {
      title: request.at('items.deleteQuestion', { title: item.title }),
      item,
    });
  });

  app.post<{ Params: { id: string } }>('/items/:id/delete', async (request, reply) => {
    const item = findItem(request);
    if (!item || !service.delete(item.id, request.actor!)) return reply.callNotFound();
    return reply.redirect('/admin/items?notice=items.deleted', 303);
  });
}
