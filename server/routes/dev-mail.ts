import type { FastifyInstance } from 'fastify';
import * as ops from '../../db/queries/ops.js';

/**
 * The development mail catcher's inbox (never registered in production). Messages are shown
 * escaped; a message's HTML is served only into a sandboxed frame with scripts off.
 */
export default async function devMailRoutes(app: FastifyInstance) {
  const db = app.database.db;

  app.get('/dev/mail.json', async () =>
    ops.listCaughtMails(200, db).map((m) => ({
      id: m.id,
      receivedAt: new Date(m.receivedAt).toISOString(),
      from: m.envelopeFrom,
      to: m.envelopeTo,
      subject: m.subject,
    })),
  );

  app.get('/dev/mail', async (request, reply) =>
    reply.page('dev/mail-list', { title: 'Mail catcher', mails: ops.listCaughtMails(200, db) }),
  );

  app.get<{ Params: { id: string } }>('/dev/mail/:id', async (request, reply) => {
    const mail = ops.findCaughtMail(Number(request.params.id), db);
    if (!mail) return reply.callNotFound();
    return reply.page('dev/mail-detail', { title: mail.subject || 'Mail', mail });
  });

  app.get<{ Params: { id: string } }>('/dev/mail/:id/html', async (request, reply) => {
    const mail = ops.findCaughtMail(Number(request.params.id), db);
    if (!mail?.html) return reply.callNotFound();
    return reply
      .header(
        'Content-Security-Policy',
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
      )
      .header('X-Frame-Options', 'SAMEORIGIN')
      .type('text/html; charset=utf-8')
      .send(mail.html);
  });

  app.get<{ Params: { id: string } }>('/dev/mail/:id/raw', async (request, reply) => {
    const mail = ops.findCaughtMail(Number(request.params.id), db);
    if (!mail) return reply.callNotFound();
    return reply.type('text/plain; charset=utf-8').send(mail.raw);
  });

  app.post('/dev/mail/clear', async (_request, reply) => {
    ops.clearCaughtMails(db);
    return reply.redirect('/dev/mail', 303);
  });
}
