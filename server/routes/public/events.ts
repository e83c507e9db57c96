import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, requestMeta, type FormBody } from '../../http/form.js';
import type { Event } from '../../services/events/index.js';
import {
  descriptionHtml,
  eventWhen,
  registrationOpen,
  type RegistrationDraft,
} from '../../services/registrations/index.js';
import { problemTexts } from '../../services/reference/index.js';
import { readSource, sourceParams, SOURCE_PARAMS } from '../../services/sources/index.js';

type SlugParams = { Params: { slug: string } };

/** The registration fields of the form, in its order. */
const FIELDS = [
  'name',
  'email',
  'organisation',
  'role',
  'region',
  'accessibilityNeeds',
  'interpreter',
] as const;

/**
 * An event's public page (`/events/<slug>`): what, when, where, places left, and the
 * registration form with the same languages, accessibility and anti-abuse as the sign-up form
 * (hidden trap field, signed form token, rate limit). The source of the visit (`?ed=&cp=`,
 * `?who=` …) travels on in hidden fields. Cancelling by the link of the mail shows a button
 * first: mail scanners fetch links, and a GET never cancels.
 */
export default async function eventRoutes(app: FastifyInstance) {
  const { config, secrets } = app;
  const signups = app.services.subscribers.signup;
  const registrations = app.services.registrations;

  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    reply.page(
      'message',
      {
        title: request.t('registration.missingTitle'),
        message: request.t('registration.missing'),
      },
      404,
    );

  function showEvent(
    request: FastifyRequest,
    reply: FastifyReply,
    event: Event,
    form: {
      values: Record<string, unknown>;
      errors?: Record<string, string>;
      hidden: Record<string, string>;
    },
    status = 200,
  ) {
    return reply.page(
      'event',
      {
        title: event.title,
        event,
        when: eventWhen(event, request.lang.code),
        description: descriptionHtml(event),
        placesLeft: registrations.placesLeft(event),
        open: registrationOpen(event),
        choices: app.services.reference.formChoices(request.lang.code),
        startedAt: signups.formToken(),
        hidden: form.hidden,
        values: form.values,
        errors: form.errors ?? {},
      },
      status,
    );
  }

  const thanks = (request: FastifyRequest, reply: FastifyReply, event: Event, waiting: boolean) =>
    reply.page('message', {
      title: request.t(waiting ? 'registration.waitingTitle' : 'registration.registeredTitle'),
      message: request.t(waiting ? 'registration.waiting' : 'registration.registered', {
        title: event.title,
      }),
      status: true,
      link: { href: `/events/${event.slug}`, text: event.title },
    });

  app.get<SlugParams>('/events/:slug', async (request, reply) => {
    const event = app.services.events.findBySlug(request.params.slug);
    if (!event) return notFound(request, reply);
    const source = readSource(secrets, request.query);
    return showEvent(request, reply, event, {
      values: {},
      hidden: sourceParams(source, secrets),
    });
  });

  app.post<SlugParams>(
    '/events/:slug',
    { config: { rateLimit: { max: config.signupRateLimit, timeWindow: '10 minutes' } } },
    async (request, reply) => {
      const event = app.services.events.findBySlug(request.params.slug);
      if (!event) return notFound(request, reply);
      const body = (request.body ?? {}) as FormBody;
      const { t } = request;
      const draft: RegistrationDraft = Object.fromEntries(FIELDS.map((f) => [f, field(body, f)]));
      const newsletter = field(body, 'newsletter') === 'yes';
      const source = readSource(
        secrets,
        Object.fromEntries(SOURCE_PARAMS.map((p) => [p, field(body, p)])),
      );
      const hidden = sourceParams(source, secrets);
      const values = { ...draft, newsletter };

      // Bots fill the hidden field: they get the ordinary answer and nothing is stored.
      if (field(body, 'website') !== '') return thanks(request, reply, event, false);
      const form = signups.useFormToken(field(body, 'startedAt'));
      if (form !== 'ok') {
        const key = form === 'too-fast' || form === 'forged' ? 'tooFast' : 'formUsed';
        return showEvent(
          request,
          reply,
          event,
          { values, hidden, errors: { form: t(`signup.errors.${key}`) } },
          400,
        );
      }
      // Per address: a few attempts an hour, then silently nothing (the answer stays the same).
      if (!(await signups.allowAttempt(draft.email ?? '')))
        return thanks(request, reply, event, false);

      const outcome = await registrations.register(event.id, {
        draft,
        source,
        language: request.lang.code,
        newsletter: newsletter
          ? {
              formLanguage: request.lang.code,
              meta: requestMeta(request, 'event-form', `${config.publicUrl}/events/${event.slug}`),
            }
          : undefined,
      });
      switch (outcome.kind) {
        case 'missing':
          return notFound(request, reply);
        case 'invalid':
          return showEvent(
            request,
            reply,
            event,
            {
              values: { ...outcome.draft, newsletter },
              hidden,
              errors: problemTexts(outcome.errors, t),
            },
            400,
          );
        case 'closed':
          return showEvent(request, reply, event, { values, hidden }, 409);
        default:
          return thanks(request, reply, event, outcome.kind === 'waiting');
      }
    },
  );

  app.get<{ Params: { slug: string; token: string } }>(
    '/events/:slug/cancel/:token',
    async (request, reply) => {
      const registration = registrations.byCancelToken(request.params.token);
      const event = registration && app.services.events.find(registration.eventId);
      if (!registration || !event || event.slug !== request.params.slug)
        return reply.page(
          'message',
          {
            title: request.t('registration.cancelTitle'),
            message: request.t('registration.cancelInvalid'),
          },
          404,
        );
      return reply.page('event-cancel', {
        title: request.t('registration.cancelTitle'),
        event,
        when: eventWhen(event, request.lang.code),
        cancelled: registration.status === 'cancelled',
        action: `/events/${event.slug}/cancel/${request.params.token}`,
      });
    },
  );

  app.post<{ Params: { slug: string; token: string } }>(
    '/events/:slug/cancel/:token',
    async (request, reply) => {
      const registration = registrations.byCancelToken(request.params.token);
      const event = registration && app.services.events.find(registration.eventId);
      if (!registration || !event || event.slug !== request.params.slug)
        return reply.page(
          'message',
          {
            title: request.t('registration.cancelTitle'),
            message: request.t('registration.cancelInvalid'),
          },
          404,
        );
      await registrations.cancel(registration.id, { kind: 'system', task: 'cancel-link' });
      return reply.page('message', {
        title: request.t('registration.cancelledTitle'),
        message: request.t('registration.cancelled', { title: event.title }),
        status: true,
        link: { href: `/events/${event.slug}`, text: event.title },
      });
    },
  );
}
