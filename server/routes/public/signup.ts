import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { field, requestMeta, type FormBody } from '../../http/form.js';
import { fieldMessages, profileFromForm, profileValues } from '../../services/subscribers/index.js';

const viewsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'views');
const stylesheets: Record<string, Buffer> = {
  'style.css': readFileSync(join(viewsDir, 'style.css')),
  'admin.css': readFileSync(join(viewsDir, 'admin.css')),
};
const scripts: Record<string, Buffer> = {
  'admin-campaigns.js': readFileSync(join(viewsDir, 'admin-campaigns.js')),
  'admin-editor.js': readFileSync(join(viewsDir, 'admin-editor.js')),
  'admin-attendance.js': readFileSync(join(viewsDir, 'admin-attendance.js')),
};

/** The public sign-up form (GET /, POST /), the privacy notice and the imprint. */
export default async function signupRoutes(app: FastifyInstance) {
  const { config } = app;
  const signups = app.services.subscribers.signup;

  // No icon yet: answer the browsers' automatic request without a 404 in the log.
  app.get('/favicon.ico', { logLevel: 'warn' }, async (_request, reply) =>
    reply.code(204).header('Cache-Control', 'public, max-age=86400').send(),
  );

  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const { file } = request.params;
    const script = Object.hasOwn(scripts, file) ? scripts[file] : undefined;
    if (script)
      return reply
        .type('text/javascript; charset=utf-8')
        .header('Cache-Control', 'public, max-age=3600')
        .send(script);
    const css = Object.hasOwn(stylesheets, file) ? stylesheets[file] : undefined;
    if (!css) return reply.callNotFound();
    return reply
      .type('text/css; charset=utf-8')
      .header('Cache-Control', 'public, max-age=3600')
      .send(css);
  });

  // `/signup` is the address newsletters and the archive link to: the same form. Where the
  // visit came from travels on as hidden fields; a bare `recommend=1` (a generic
  // recommendation link) is simply not carried on.
  const showForm = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as Record<string, string | undefined>;
    return reply.page('signup', {
      title: request.t('signup.title'),
      choices: app.services.reference.formChoices(request.lang.code),
      listChoices: signups.listChoices(),
      startedAt: signups.formToken(),
      sourceFields: signups.sourceFields(signups.readSource(request.query)),
      values: { source: (typeof query.source === 'string' ? query.source : '').slice(0, 200) },
    });
  };
  app.get('/', showForm);
  app.get('/signup', showForm);

  app.post(
    '/',
    {
      config: { rateLimit: { max: config.signupRateLimit, timeWindow: '10 minutes' } },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as FormBody;
      const { t } = request;
      const choices = app.services.reference.formChoices(request.lang.code);
      const checkInbox = (email: string) =>
        reply.page('message', {
          title: t('signup.checkInboxTitle'),
          message: t('signup.checkInbox', { email }),
          status: true,
        });

      const origin = signups.readSource(body);
      const check = signups.checkSignUp(profileFromForm(body), request.lang.code);
      const { email, profile, listIds } = check;
      const errors = fieldMessages(check.errors, t);
      if (field(body, 'consent') !== 'yes') errors.consent = t('signup.errors.consent');
      const listChoices = signups.listChoices();
      const allValues = {
        ...profileValues(profile),
        email,
        lists: listIds.map(String),
        consent: field(body, 'consent') === 'yes',
        source: field(body, 'source'),
      };

      // Bots fill the hidden field: they get the ordinary answer and nothing is stored.
      if (field(body, 'website') !== '') return checkInbox(email);
      if (!Object.keys(errors).length) {
        const form = signups.useFormToken(field(body, 'startedAt'));
        if (form === 'too-fast' || form === 'forged') errors.form = t('signup.errors.tooFast');
        else if (form !== 'ok') errors.form = t('signup.errors.formUsed');
      }
      if (Object.keys(errors).length) {
        return reply.page(
          'signup',
          {
            title: t('signup.title'),
            choices,
            listChoices,
            startedAt: signups.formToken(),
            sourceFields: signups.sourceFields(origin),
            values: allValues,
            errors,
          },
          400,
        );
      }

      // Per address: a few attempts an hour, then silently nothing (the answer stays the same).
      if (!(await signups.allowAttempt(email))) return checkInbox(email);

      const source = (allValues.source || request.headers.referer || `${config.publicUrl}/`).slice(
        0,
        500,
      );
      await signups.signUp({
        email,
        profile,
        formLanguage: request.lang.code,
        listIds,
        meta: requestMeta(request, 'web-form', source),
        source: origin,
      });
      return checkInbox(email);
    },
  );

  app.get('/privacy', async (request, reply) =>
    reply.page('privacy', {
      title: request.t('privacy.title'),
      days: config.unconfirmedRetentionDays,
    }),
  );
  app.get('/imprint', async (request, reply) =>
    reply.page('privacy', {
      title: request.t('common.imprint'),
      days: config.unconfirmedRetentionDays,
    }),
  );
}
