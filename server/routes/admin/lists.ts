import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as lists from '../../../db/queries/lists.js';
import { isLanguage, languages } from '../../i18n/index.js';
import { field, type FormBody } from '../../http/form.js';
import { isPlainText } from '../../services/plain-text.js';

/** Read and check the list form; every problem becomes a message next to its field. */
export function readListForm(
  body: FormBody,
  at: FastifyRequest['at'],
  nameTaken: (name: string) => boolean,
): { input: lists.ListInput; errors: Record<string, string> } {
  const input: lists.ListInput = {
    name: field(body, 'name').trim(),
    description: field(body, 'description').trim().replace(/\r\n/g, '\n'),
    isPublic: field(body, 'isPublic') === 'yes',
    doubleOptIn: field(body, 'doubleOptIn') === 'yes',
    defaultLanguage: field(body, 'defaultLanguage') || 'de',
  };
  const errors: Record<string, string> = {};
  if (!input.name || !isPlainText(input.name, 100)) errors.name = at('lists.errors.name');
  else if (nameTaken(input.name)) errors.name = at('lists.errors.nameTaken');
  if (input.description.length > 500 || /[<>]/.test(input.description))
    errors.description = at('lists.errors.description');
  if (!isLanguage(input.defaultLanguage)) {
    errors.defaultLanguage = at('lists.errors.language');
    input.defaultLanguage = 'de';
  }
  return { input, errors };
}

/** Lists: everyone sees them; editors create, change and delete (empty ones only). */
export default async function listRoutes(app: FastifyInstance) {
  const db = app.database.db;
  const editor = { config: { role: 'editor' as const } };

  const form = (
    reply: FastifyReply,
    data: { list?: lists.ListWithCount; values: Partial<lists.ListInput>; errors?: object },
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
      lists: lists.listLists(db),
      languages,
    }),
  );

  app.get('/lists/new', editor, async (_request, reply) =>
    form(reply, { values: { isPublic: true, doubleOptIn: true, defaultLanguage: 'de' } }),
  );

  app.post('/lists', async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const { input, errors } = readListForm(body, request.at, (n) => lists.listNameTaken(n, db));
    if (Object.keys(errors).length) return form(reply, { values: input, errors }, 400);
    const list = lists.createList(input, db);
    request.audit('create', 'list', list.id, { ...input, key: list.key });
    return reply.redirect('/admin/lists?notice=lists.created', 303);
  });

  app.get<{ Params: { id: string } }>('/lists/:id', editor, async (request, reply) => {
    const list = lists.findList(Number(request.params.id), db);
    if (!list) return reply.callNotFound();
    return form(reply, { list, values: list, errors: {} });
  });

  app.post<{ Params: { id: string } }>('/lists/:id', async (request, reply) => {
    const list = lists.findList(Number(request.params.id), db);
    if (!list) return reply.callNotFound();
    const body = (request.body ?? {}) as FormBody;
    const { input, errors } = readListForm(body, request.at, (n) =>
      lists.listNameTaken(n, db, list.id),
    );
    if (Object.keys(errors).length) return form(reply, { list, values: input, errors }, 400);
    lists.updateList(list.id, input, db);
    request.audit('update', 'list', list.id, { ...input });
    return reply.redirect('/admin/lists?notice=lists.saved', 303);
  });

  app.post<{ Params: { id: string } }>('/lists/:id/delete', async (request, reply) => {
    const id = Number(request.params.id);
    const list = lists.findList(id, db);
    const blocker = lists.deleteList(id, db);
    if (blocker === 'missing') return reply.callNotFound();
    if (blocker) {
      return form(
        reply,
        { list, values: list!, errors: { delete: request.at(`lists.blocked.${blocker}`) } },
        409,
      );
    }
    request.audit('delete', 'list', id, { name: list?.name, key: list?.key });
    return reply.redirect('/admin/lists?notice=lists.deleted', 303);
  });
}
