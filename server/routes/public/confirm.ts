import type { FastifyInstance } from 'fastify';
import { requestMeta } from '../../http/form.js';

/**
 * Double opt-in: GET only shows a page with a button (link scanners must not confirm anybody),
 * POST confirms.
 */
export default async function confirmRoutes(app: FastifyInstance) {
  const invalid = (request: { t: (k: string) => string }) => ({
    title: request.t('confirm.invalidTitle'),
    message: request.t('confirm.invalid'),
    link: { href: '/', text: request.t('confirm.again') },
  });

  app.get<{ Params: { token: string } }>('/confirm/:token', async (request, reply) => {
    const subscriber = app.services.subscribers.signup.peekConfirmToken(request.params.token);
    if (!subscriber) return reply.page('message', invalid(request), 404);
    request.preferLanguage(subscriber.language);
    return reply.header('Cache-Control', 'no-store').page('confirm', {
      title: request.t('confirm.title'),
      email: subscriber.email,
      token: request.params.token,
    });
  });

  app.post<{ Params: { token: string } }>('/confirm/:token', async (request, reply) => {
    const subscriber = await app.services.subscribers.signup.confirm(
      request.params.token,
      requestMeta(request, 'confirmation-link'),
    );
    if (!subscriber) return reply.page('message', invalid(request), 404);
    request.preferLanguage(subscriber.language);
    return reply.page('message', {
      title: request.t('confirm.doneTitle'),
      message: request.t('confirm.done'),
      status: true,
    });
  });
}
