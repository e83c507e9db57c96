import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, requestMeta, type FormBody } from '../../http/form.js';
import {
  checkEmail,
  fieldMessages,
  profileFromForm,
  profileValues,
  type SubscriberWithProfile,
} from '../../services/subscribers/index.js';

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

/**
 * Preferences by signed link: change the profile, download all own data, delete it all. A
 * link can be requested by e-mail (same answer whether the address is known or not).
 */
export default async function preferencesRoutes(app: FastifyInstance) {
  const signups = app.services.subscribers.signup;

  /** The subscriber a preferences token names, or an answer already sent. */
  const subscriberFor = async (request: TokenRequest, reply: FastifyReply) => {
    const subscriber = signups.byPreferencesLink(request.params.token);
    if (!subscriber) {
      await reply.page(
        'message',
        {
          title: request.t('preferences.invalidTitle'),
          message: request.t('preferences.invalid'),
          link: { href: '/preferences', text: request.t('preferences.requestTitle') },
        },
        404,
      );
      return undefined;
    }
    reply.header('Cache-Control', 'no-store');
    request.preferLanguage(subscriber.language);
    return subscriber;
  };

  const showForm = (
    request: TokenRequest,
    reply: FastifyReply,
    subscriber: SubscriberWithProfile,
    extra: Record<string, unknown> = {},
    status = 200,
  ) =>
    reply.page(
      'preferences',
      {
        title: request.t('preferences.title'),
        token: request.params.token,
        email: subscriber.email,
        choices: app.services.reference.formChoices(request.lang.code),
        unsubscribeUrl: signups.unsubscribeLink(subscriber.id, null),
        values: profileValues(subscriber),
        ...extra,
      },
      status,
    );

  app.get('/preferences', async (request, reply) =>
    reply.page('preferences-request', { title: request.t('preferences.requestTitle') }),
  );

  app.post(
    '/preferences',
    { config: { rateLimit: { max: app.config.signupRateLimit, timeWindow: '10 minutes' } } },
    async (request, reply) => {
      const { email, error } = checkEmail(field((request.body ?? {}) as FormBody, 'email'));
      if (error) {
        return reply.page(
          'preferences-request',
          {
            title: request.t('preferences.requestTitle'),
            values: { email },
            errors: { email: request.t(error.key) },
          },
          400,
        );
      }
      await signups.requestPreferencesLink(email);
      return reply.page('preferences-request', {
        title: request.t('preferences.requestTitle'),
        sent: true,
      });
    },
  );

  app.get<{ Params: { token: string } }>('/p/:token', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply);
    if (!subscriber) return reply;
    return showForm(request, reply, subscriber);
  });

  app.post<{ Params: { token: string } }>('/p/:token', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply);
    if (!subscriber) return reply;
    const result = signups.updateProfile(
      subscriber.id,
      profileFromForm((request.body ?? {}) as FormBody),
      requestMeta(request, 'preferences'),
    );
    if (!result) return subscriberFor(request, reply);
    if (!result.ok) {
      const values = profileValues(result.check.profile);
      const errors = fieldMessages(result.errors, request.t);
      return showForm(request, reply, subscriber, { values, errors }, 400);
    }
    return showForm(request, reply, result.subscriber, { saved: true });
  });

  app.get<{ Params: { token: string } }>('/p/:token/export', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply);
    if (!subscriber) return reply;
    const data = signups.ownData(subscriber.id);
    return reply
      .type('application/json; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="landpost-data.json"')
      .send(JSON.stringify(data, null, 2));
  });

  app.get<{ Params: { token: string } }>('/p/:token/delete', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply);
    if (!subscriber) return reply;
    return reply.page('preferences-delete', {
      title: request.t('preferences.deleteTitle'),
      token: request.params.token,
    });
  });

  app.post<{ Params: { token: string } }>('/p/:token/delete', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply);
    if (!subscriber) return reply;
    signups.eraseOwn(subscriber.id, requestMeta(request, 'preferences'));
    return reply.page('message', {
      title: request.t('preferences.deletedTitle'),
      message: request.t('preferences.deleted'),
      status: true,
    });
  });
}
