import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLanguage, language, languages } from '../../i18n/index.js';
import { field, type FormBody } from '../../http/form.js';
import { fieldErrors } from '../../plugins/admin.js';
import {
  MAIL_TEXT_LIMITS,
  mailTextProblems,
  normaliseMailText,
  type MailText,
  type MailTextProblems,
} from '../../services/mail-texts/index.js';

/** The welcome mail's text per language, written by editors, with a preview of the mail. */
export default async function mailTextRoutes(app: FastifyInstance) {
  const mailTexts = app.services.mailTexts;
  const editor = { config: { role: 'editor' as const } };
  const limits = {
    subject: { max: MAIL_TEXT_LIMITS.subject },
    body: { max: MAIL_TEXT_LIMITS.body },
  };

  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    lang: string,
    extra: { values?: MailText; errors?: MailTextProblems } = {},
    status = 200,
  ) => {
    const stored = mailTexts.welcome(lang);
    const values = extra.values ?? { subject: stored?.subject ?? '', body: stored?.body ?? '' };
    const custom = values.body.trim() || values.subject.trim() ? values : undefined;
    const invalid = !!extra.errors && Object.keys(extra.errors).length > 0;
    return reply.adminPage(
      'mail-texts',
      {
        title: request.at('mailTexts.title'),
        languages,
        current: language(lang),
        custom: !!stored,
        values,
        errors: fieldErrors(request.at, extra.errors ?? {}, limits),
        preview: await mailTexts.previewWelcome(lang, invalid ? undefined : custom),
      },
      status,
    );
  };

  app.get<{ Querystring: { lang?: string } }>('/mail-texts', editor, async (request, reply) =>
    page(request, reply, isLanguage(request.query.lang) ? request.query.lang : 'de'),
  );

  app.post('/mail-texts', editor, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const lang = field(body, 'language');
    if (!isLanguage(lang))
      return reply
        .code(400)
        .send({ error: 'Bad Request', message: 'unknown language', statusCode: 400 });
    const action = field(body, 'action');
    if (action === 'reset') {
      mailTexts.resetWelcome(lang, request.actor!);
      return reply.redirect(`/admin/mail-texts?lang=${lang}&notice=mailTexts.reset`, 303);
    }
    const input = { subject: field(body, 'subject'), body: field(body, 'body') };
    if (action === 'preview') {
      const values = normaliseMailText(input);
      const errors = mailTextProblems(values);
      return page(request, reply, lang, { values, errors }, Object.keys(errors).length ? 400 : 200);
    }
    const result = mailTexts.saveWelcome(lang, input, request.actor!);
    if (result.kind === 'invalid')
      return page(request, reply, lang, { values: result.values, errors: result.errors }, 400);
    return reply.redirect(`/admin/mail-texts?lang=${lang}&notice=mailTexts.saved`, 303);
  });
}
