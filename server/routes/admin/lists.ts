import type { FastifyInstance, FastifyReply } from 'fastify';
import { languages } from '../../i18n/index.js';
import { field, type FormBody } from '../../http/form.js';
import {
  problemTexts,
  type ListDraft,
  type ListInput,
  type ListWithCount,
} from '../../services/reference/index.js';

/** The list form as the service reads it. */
function readListForm(body: FormBody): ListDraft {
  return {
    name: field(body, 'name'),
    description: field(body, 'description'),
    isPublic: field(body, 'isPublic') === 'yes',
    doubleOptIn: field(body, 'doubleOptIn') === 'yes',
    defaultLanguage: field(body, 'defaultLanguage'),
  };
}

/** Lists: everyone sees them; editors create, change and delete (empty ones only). */
export default async function listRoutes(app: FastifyInstance) {
  const service = app.services.reference.lists;
  const editor = { config: { role: 'editor' as const } };

  const form = (
    reply: FastifyReply,
    data: { list?: ListWithCount; values: Partial<ListInput>; errors?: Record<string, string> },
    status = 200,
  ) =>
    reply.adminPage(
      'lists/form',
      {
        title: data.list
          ? reply.request.at('lists.editNamed', { name: data.list.name })
          : reply.request.at('lists.new'),
        languages,
        errors: {},
        ...data,
      },
      status,
    );

  app.get('/lists', async (request, reply) =>
    reply.adminPage('lists/index', {
      title: request.at('lists.title'),
      lists: service.all(),
      languages,
    }),
  );

  app.get('/lists/new', editor, async (_request, reply) =>
    form(reply, { values: { isPublic: true, doubleOptIn: true, defaultLanguage: 'de' } }),
  );

  app.post('/lists', async (request, reply) => {
    const result = service.create(readListForm((request.body ?? {}) as FormBody), request.actor!);
    if (result.kind !== 'saved') {
      const errors = problemTexts(result.errors, request.at);
      return form(reply, { values: result.input, errors }, 400);
    }
    return reply.redirect('/admin/lists?notice=lists.created', 303);
  });

  app.get<{ Params: { id: string } }>('/lists/:id', editor, async (request, reply) => {
    const list = service.find(Number(request.params.id));
    if (!list) return reply.callNotFound();
    return form(reply, { list, values: list, errors: {} });
  });

  app.post<{ Params: { id: string } }>('/lists/:id', async (request, reply) => {
    const id = Number(request.params.id);
    const draft = readListForm((request.body ?? {}) as FormBody);
    const result = service.update(id, draft, request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind !== 'saved') {
      const errors = problemTexts(result.errors, request.at);
      return form(reply, { list: service.find(id), values: result.input, errors }, 400);
    }
    return reply.redirect('/admin/lists?notice=lists.saved', 303);
  });

  app.post<{ Params: { id: string } }>('/lists/:id/delete', async (request, reply) => {
    const result = service.delete(Number(request.params.id), request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'blocked') {
      const { list } = result;
      const errors = { delete: request.at(`lists.blocked.${result.reason}`) };
      return form(reply, { list, values: list, errors }, 409);
    }
    return reply.redirect('/admin/lists?notice=lists.deleted', 303);
  });
}
