import type { FastifyInstance } from 'fastify';
import { field, requestMeta, type FormBody } from '../../http/form.js';
import { acceptMultipart } from '../../http/multipart.js';

/**
 * Unsubscribe by signed link. GET shows a button; POST unsubscribes — both the button and the
 * RFC 8058 one-click POST (`List-Unsubscribe=One-Click`, no cookie, no CSRF token).
 */
export default async function unsubscribeRoutes(app: FastifyInstance) {
  // RFC 8058 recommends multipart/form-data for the one-click POST: its few fields become the body.
  await acceptMultipart(app, {
    fields: true,
    limits: { files: 0, fields: 10, fieldSize: 1024, parts: 10 },
  });

  const invalid = (t: (k: string) => string) => ({
    title: t('unsubscribe.invalidTitle'),
    message: t('unsubscribe.invalid'),
    link: { href: '/preferences', text: t('preferences.requestTitle') },
  });

  app.get<{ Params: { token: string } }>('/u/:token', async (request, reply) => {
    const link = app.services.subscribers.signup.byUnsubscribeLink(request.params.token);
    if (!link) return reply.page('message', invalid(request.t), 404);
    const { subscriber } = link;
    if (!subscriber) {
      return reply.page('message', {
        title: request.t('unsubscribe.doneTitle'),
        message: request.t('unsubscribe.done'),
      });
    }
    request.preferLanguage(subscriber.language);
    return reply.header('Cache-Control', 'no-store').page('unsubscribe', {
      title: request.t('unsubscribe.title'),
      email: subscriber.email,
      token: request.params.token,
    });
  });

  app.post<{ Params: { token: string } }>('/u/:token', async (request, reply) => {
    const link = app.services.subscribers.signup.byUnsubscribeLink(request.params.token);
    const oneClick = field((request.body ?? {}) as FormBody, 'List-Unsubscribe') === 'One-Click';
    if (!link) {
      if (oneClick)
        return reply
          .code(404)
          .send({ error: 'Not Found', message: 'unknown or expired link', statusCode: 404 });
      return reply.page('message', invalid(request.t), 404);
    }
    app.services.subscribers.signup.unsubscribe(
      link.claims,
      requestMeta(request, oneClick ? 'one-click' : 'unsubscribe-page'),
    );
    if (oneClick) return reply.code(200).type('text/plain; charset=utf-8').send('unsubscribed\n');
    return reply.page('message', {
      title: request.t('unsubscribe.doneTitle'),
      message: request.t('unsubscribe.done'),
      status: true,
    });
  });
}
