import type { FastifyInstance } from 'fastify';

/**
 * The development mail catcher's inbox, for admins (outside production only). A message's
 * HTML is served into a sandboxed frame with scripts off.
 */
export default async function mailRoutes(app: FastifyInstance) {
  const mailCatcher = app.services.mailCatcher;
  const admin = { config: { role: 'admin' as const } };

  app.get('/mail', admin, async (request, reply) =>
    reply.adminPage('mail-list', {
      title: request.at('mail.title'),
      mails: mailCatcher.list(),
    }),
  );

  app.get<{ Params: { id: string } }>('/mail/:id', admin, async (request, reply) => {
    const mail = mailCatcher.find(Number(request.params.id));
    if (!mail) return reply.callNotFound();
    return reply.adminPage('mail-detail', {
      title: mail.subject || request.at('mail.noSubject'),
      mail,
    });
  });

  app.get<{ Params: { id: string } }>('/mail/:id/html', admin, async (request, reply) => {
    const mail = mailCatcher.find(Number(request.params.id));
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

  app.get<{ Params: { id: string } }>('/mail/:id/raw', admin, async (request, reply) => {
    const mail = mailCatcher.find(Number(request.params.id));
    if (!mail) return reply.callNotFound();
    return reply.type('text/plain; charset=utf-8').send(mail.raw);
  });

  app.post('/mail/clear', admin, async (request, reply) => {
    mailCatcher.clear(request.actor!);
    return reply.redirect('/admin/mail', 303);
  });
}
