import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as mailTexts from '../../../db/queries/mail-texts.js';
import { renderTransactional } from '../../../emails/render.js';
import { isLanguage, language, languages, translator } from '../../i18n/index.js';
import { field, type FormBody } from '../../http/form.js';

const MAX_SUBJECT = 200;
const MAX_BODY = 5000;

/**
 * The welcome mail's text, per language, written by editors (plain text, paragraphs separated
 * by blank lines; never markup). Empty means the built-in text; the links always stay.
 */
export default async function mailTextRoutes(app: FastifyInstance) {
  const db = app.database.db;
  const editor = { config: { role: 'editor' as const } };

  /** The welcome mail as a subscriber in this language would get it (text part). */
  const preview = async (lang: string, custom?: { subject: string; body: string }) => {
    const l = language(lang);
    const sample = `${app.config.publicUrl}/p/…`;
    const mail = await renderTransactional(
      'welcome',
      {
        lang: l.code,
        dir: l.dir,
        t: translator(l.code),
        org: {
          name: app.config.orgName,
          imprint: app.config.orgImprint,
          publicUrl: app.config.publicUrl,
          privacyUrl: app.config.privacyUrl,
        },
      },
      {
        name: 'Erika Mustermann',
        email: 'erika@example.org',
        actionUrl: sample,
        preferencesUrl: sample,
        unsubscribeUrl: `${app.config.publicUrl}/u/…`,
        custom,
      },
    );
    return { subject: mail.subject, text: mail.text };
  };

  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    lang: string,
    extra: { values?: { subject: string; body: string }; errors?: Record<string, string> } = {},
    status = 200,
  ) => {
    const stored = mailTexts.findMailText('welcome', lang, db);
    const values = extra.values ?? { subject: stored?.subject ?? '', body: stored?.body ?? '' };
    const custom = values.body.trim() || values.subject.trim() ? values : undefined;
    return reply.adminPage(
      'mail-texts',
      {
        title: request.at('mailTexts.title'),
        languages,
        current: language(lang),
        custom: !!stored,
        values,
        errors: extra.errors ?? {},
        preview: await preview(
          lang,
          extra.errors && Object.keys(extra.errors).length ? undefined : custom,
        ),
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
    if (field(body, 'action') === 'reset') {
      mailTexts.deleteMailText('welcome', lang, db);
      request.audit('reset', 'mail-text', `welcome/${lang}`);
      return reply.redirect(`/admin/mail-texts?lang=${lang}&notice=mailTexts.reset`, 303);
    }
    const values = {
      subject: field(body, 'subject').trim(),
      body: field(body, 'body').replace(/\r\n/g, '\n').trim(),
    };
    const errors: Record<string, string> = {};
    if (values.subject.length > MAX_SUBJECT || /[\r\n]/.test(values.subject)) {
      errors.subject = request.at('mailTexts.subjectInvalid', { max: MAX_SUBJECT });
    }
    if (values.body.length > MAX_BODY)
      errors.body = request.at('mailTexts.bodyTooLong', { max: MAX_BODY });
    if (Object.keys(errors).length || field(body, 'action') === 'preview') {
      return page(request, reply, lang, { values, errors }, Object.keys(errors).length ? 400 : 200);
    }
    if (!values.subject && !values.body) mailTexts.deleteMailText('welcome', lang, db);
    else mailTexts.saveMailText('welcome', lang, values.subject, values.body, db);
    request.audit('update', 'mail-text', `welcome/${lang}`);
    return reply.redirect(`/admin/mail-texts?lang=${lang}&notice=mailTexts.saved`, 303);
  });
}
