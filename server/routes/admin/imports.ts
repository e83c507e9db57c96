import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  MAPPING_CHOICES,
  MAX_CONSENT_SOURCE,
  MAX_ROWS,
  mappable,
  type Import,
  type ImportField,
} from '../../services/imports/index.js';
import { field, type FormBody } from '../../http/form.js';
import { acceptMultipart, MalformedMultipartError, readMultipart } from '../../http/multipart.js';

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/**
 * CSV import in four steps: upload, map the columns (with a preview), read the validation
 * report, then choose the mode and start the background job; the page shows its progress.
 */
export default async function importRoutes(app: FastifyInstance) {
  await acceptMultipart(app, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, parts: 6, fieldSize: 1024 },
  });
  const service = app.services.imports;
  const editor = { config: { role: 'editor' as const } };

  const indexPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    errors: Record<string, string> = {},
    status = 200,
  ) =>
    reply.adminPage(
      'imports/index',
      { title: request.at('imports.title'), imports: service.list(), errors },
      status,
    );

  const load = (request: FastifyRequest<{ Params: { id: string } }>) =>
    service.find(Number(request.params.id));

  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(404)
      .adminPage(
        'message',
        { title: request.at('imports.title'), message: request.at('imports.notFound') },
        404,
      );

  app.get('/imports', editor, async (request, reply) => indexPage(request, reply));

  app.post('/imports', editor, async (request, reply) => {
    const fail = (key: string, vars?: Record<string, string | number>, status = 400) =>
      indexPage(request, reply, { file: request.at(`imports.errors.${key}`, vars) }, status);
    if (!request.isMultipart()) return fail('noFile');
    let upload: { fileName: string; bytes: Buffer } | undefined;
    try {
      upload = await readMultipart(async () => {
        const file = await request.file();
        return file?.filename
          ? { fileName: file.filename, bytes: await file.toBuffer() }
          : undefined;
      });
    } catch (err) {
      if (err instanceof app.multipartErrors.RequestFileTooLargeError)
        return fail('tooLarge', { mb: MAX_UPLOAD_BYTES / 1024 / 1024 }, 413);
      if (err instanceof MalformedMultipartError) return fail('unreadable');
      throw err;
    }
    if (!upload) return fail('noFile');
    const created = service.create(upload, request.actor!);
    if (!created.ok)
      return fail(created.error.code, { line: created.error.line ?? '?', max: MAX_ROWS });
    return reply.redirect(`/admin/imports/${created.import.id}/mapping`, 303);
  });

  const mappingPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    row: Import,
    mapping: ImportField[],
    error?: string,
  ) =>
    reply.adminPage(
      'imports/mapping',
      {
        title: request.at('imports.mapping.title'),
        item: row,
        options: row.options,
        mapping,
        choices: MAPPING_CHOICES,
        errors: error ? { mapping: error } : {},
      },
      error ? 400 : 200,
    );

  app.get<{ Params: { id: string } }>('/imports/:id/mapping', editor, async (request, reply) => {
    const row = load(request);
    if (!row) return notFound(request, reply);
    if (!mappable(row)) return reply.redirect(`/admin/imports/${row.id}`, 303);
    return mappingPage(request, reply, row, row.options.mapping);
  });

  app.post<{ Params: { id: string } }>('/imports/:id/mapping', editor, async (request, reply) => {
    const row = load(request);
    if (!row) return notFound(request, reply);
    const body = (request.body ?? {}) as FormBody;
    const choices = row.options.headers.map((_h, i) => field(body, `map-${i}`));
    const result = service.validate(row.id, choices);
    switch (result.kind) {
      case 'not-found':
        return notFound(request, reply);
      case 'invalid':
        return mappingPage(
          request,
          reply,
          result.import,
          result.mapping,
          request.at(`imports.mapping.${result.problem}`),
        );
      default:
        return reply.redirect(`/admin/imports/${row.id}`, 303);
    }
  });

  const reportPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    row: Import,
    values: Record<string, string> = {},
    errors: Record<string, string> = {},
  ) =>
    reply.adminPage(
      'imports/report',
      {
        title: request.at('imports.report.title'),
        item: row,
        options: row.options,
        report: row.report ?? undefined,
        values: { mode: 'confirmation', ...values },
        errors,
      },
      Object.keys(errors).length ? 400 : 200,
    );

  app.get<{ Params: { id: string }; Querystring: { refresh?: string } }>(
    '/imports/:id',
    editor,
    async (request, reply) => {
      const row = load(request);
      if (!row) return notFound(request, reply);
      if (row.status === 'uploaded') return reply.redirect(`/admin/imports/${row.id}/mapping`, 303);
      if (row.status === 'ready') return reportPage(request, reply, row);
      const running = row.status === 'running';
      return reply.adminPage('imports/status', {
        title: request.at(`imports.status.${row.status}`),
        item: row,
        options: row.options,
        report: row.report ?? undefined,
        // Refreshing moves a screen reader back to the top: it can be switched off.
        refresh: running && request.query.refresh !== 'off',
        // "The import is running" belongs to the running page only, not to a reloaded done page.
        ...(running ? {} : { notice: undefined }),
      });
    },
  );

  app.post<{ Params: { id: string } }>('/imports/:id/start', editor, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const values = { mode: field(body, 'mode'), consentSource: field(body, 'consentSource') };
    const result = await service.start(Number(request.params.id), values, request.actor!);
    switch (result.kind) {
      case 'not-found':
        return notFound(request, reply);
      case 'not-startable':
        return reply.redirect(`/admin/imports/${result.import.id}`, 303);
      case 'invalid': {
        const errors = Object.fromEntries(
          Object.entries(result.errors).map(([f, key]) => [
            f,
            request.at(key, { max: MAX_CONSENT_SOURCE }),
          ]),
        );
        const shown = { ...values, consentSource: values.consentSource.trim() };
        return reportPage(request, reply, result.import, shown, errors);
      }
      case 'started':
        return reply.redirect(`/admin/imports/${result.import.id}?notice=imports.started`, 303);
    }
  });
}
