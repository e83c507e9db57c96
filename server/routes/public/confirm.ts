import type { FastifyInstance } from 'fastify';
import { requestMeta } from '../../http/form.js';

/**
 * Double opt-in: GET only shows a page with a button (link scanners must not confirm anybody),
 * POST confirms. A link used before tells its owner they are already confirmed.
 */
export default async function confirmRoutes(app: FastifyInstance) {
  const invalid = (request: { t: (k: string) => string }) => ({
    title: request.t('confirm.invalidTitle'),
    message: request.t('confirm.invalid'),
    link: { href: '/', text: request.t('confirm.again') },
  });
  const alreadyConfirmed = (request: { t: (k: string) => string }) => ({
    title: request.t('confirm.alreadyTitle'),
    message: request.t('confirm.already'),
    status: true,
  });

  app.get<{ Params: { token: string } }>('/confirm/:token', async (request, reply) => {
    const link = app.services.subscribers.signup.peekConfirmToken(request.params.token);
    if (!link) return reply.page('message', invalid(request), 404);
    request.preferLanguage(link.subscriber.language);
    reply.header('Cache-Control', 'no-store');
    if (link.kind === 'already-confirmed') return reply.page('message', alreadyConfirmed(request));
    return reply.page('confirm', {
      title: request.t('confirm.title'),
      email: link.subscriber.email,
      token: request.params.token,
    });
  });

  app.post<{ Params: { token: string } }>('/confirm/:token', async (request, reply) => {
    const confirmation = await app.services.subscribers.signup.confirm(
      request.params.token,
      requestMeta(request, 'confirmation-link'),
    );
    if (!confirmation) return reply.page('message', invalid(request), 404);
    request.preferLanguage(confirmation.subscriber.language);
    if (confirmation.kind === 'already-confirmed')
      return reply.page('message', alreadyConfirmed(request));
    return reply.page('message', {
      title: request.t('confirm.doneTitle'),
      message: request.t('confirm.done'),
      status: true,
    });
  });
}
