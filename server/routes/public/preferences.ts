import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as subscribers from '../../../db/queries/subscribers.js';
import { formChoices } from '../../plugins/view.js';
import { field, requestMeta, type FormBody } from '../../http/form.js';
import {
  checkEmail,
  fieldMessages,
  profileFromForm,
  profileValues,
  validateProfile,
} from '../../services/subscribers/profile.js';

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

/**
 * Preferences by signed link: change the profile, download all own data, delete it all. A
 * link can be requested by e-mail (same answer whether the address is known or not).
 */
export default async function preferencesRoutes(app: FastifyInstance) {
  const db = app.database.db;

  /** The subscriber a preferences token names, or an answer already sent. */
  const subscriberFor = async (request: TokenRequest, reply: FastifyReply) => {
    const claims = app.secrets.verify('preferences', request.params.token);
    const subscriber = claims ? subscribers.findById(claims.s, db) : undefined;
    if (!subscriber || subscriber.status === 'blocked') {
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
    subscriber: subscribers.Subscriber,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const full = subscribers.withProfile(subscriber, db);
    return reply.page(
      'preferences',
      {
        title: request.t('preferences.title'),
        token: request.params.token,
        email: subscriber.email,
        choices: formChoices(app, request.lang.code),
        unsubscribeUrl: app.services.subscribers.unsubscribeLink(subscriber.id, null),
        values: profileValues(full),
        ...extra,
      },
      status,
    );
  };

  app.get('/preferences', async (request, reply) =>
    reply.page('preferences-request', { title: request.t('preferences.requestTitle') }),
  );

  app.post(
    '/preferences',
    { config: { rateLimit: { max: app.config.signupRateLimit, timeWindow: '10 minutes' } } },
    async (request, reply) => {
      const { email, error: problem } = checkEmail(
        field((request.body ?? {}) as FormBody, 'email'),
      );
      const error = problem && request.t(problem.key);
      if (error) {
        return reply.page(
          'preferences-request',
          {
            title: request.t('preferences.requestTitle'),
            values: { email },
            errors: { email: error },
          },
          400,
        );
      }
      await app.services.subscribers.requestPreferencesLink(email);
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
    const check = validateProfile(
      { ...profileFromForm((request.body ?? {}) as FormBody), listIds: undefined },
      formChoices(app, request.lang.code),
      { fallbackLanguage: subscriber.language },
    );
    const { profile } = check;
    if (Object.keys(check.errors).length) {
      const values = profileValues(profile);
      const errors = fieldMessages(check.errors, request.t);
      return showForm(request, reply, subscriber, { values, errors }, 400);
    }
    app.services.subscribers.updateProfile(
      subscriber.id,
      profile,
      requestMeta(request, 'preferences'),
    );
    return showForm(request, reply, subscribers.findById(subscriber.id, db)!, { saved: true });
  });

  app.get<{ Params: { token: string } }>('/p/:token/export', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply);
    if (!subscriber) return reply;
    const data = subscribers.exportData(subscriber.id, db);
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
    app.services.subscribers.erase(subscriber.id, requestMeta(request, 'preferences'));
    return reply.page('message', {
      title: request.t('preferences.deletedTitle'),
      message: request.t('preferences.deleted'),
      status: true,
    });
  });
}
