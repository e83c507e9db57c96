import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readableColour } from '../../emails/newsletter/index.js';
import {
  isLanguage,
  language,
  languages,
  negotiate,
  translator,
  type Language,
  type Translate,
} from '../i18n/index.js';
import { DEFAULT_COLOURS, type OrganisationSettings } from '../services/organisation/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    lang: Language;
    t: Translate;
    /** True when the language was chosen (query, form field or cookie), not guessed. */
    langChosen: boolean;
    /** Use a subscriber's own language unless the visitor chose one. */
    preferLanguage(code: string): void;
  }
  interface FastifyReply {
    /** Render a page with the layout, the request's language and the common helpers. */
    page(template: string, data?: Record<string, unknown>, status?: number): Promise<FastifyReply>;
  }
}

const viewsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'views');

/** What every public page shows of the organisation: header, footer, privacy and imprint. */
function pageOrganisation(org: OrganisationSettings) {
  return {
    name: org.name,
    imprint: org.imprint,
    postalAddress: org.postalAddress,
    attribution: org.funderAttribution,
    logo: org.logo ? { url: org.logo.url, alt: org.logo.alt } : null,
    // Links and buttons (white text) in the organisation's colour, if readable on white.
    accent: readableColour(org.primaryColour, DEFAULT_COLOURS.primaryColour),
  };
}

/**
 * Language per request (the `lang` query or form field, then the cookie, then Accept-Language),
 * and Eta views that escape by default.
 */
export default fp(
  async (app) => {
    const eta = new Eta({ views: viewsDir, cache: app.config.production, autoEscape: true });
    await app.register(view, { engine: { eta }, root: viewsDir, viewExt: 'eta' });

    app.decorateRequest('lang', null as unknown as Language);
    app.decorateRequest('t', null as unknown as Translate);
    app.decorateRequest('langChosen', false);
    app.decorateRequest('preferLanguage', function (this: FastifyRequest, code: string) {
      if (this.langChosen || !isLanguage(code)) return;
      this.lang = language(code);
      this.t = translator(code);
    });
    app.addHook('preHandler', (request, reply, done) => {
      const query = request.query as Record<string, unknown> | undefined;
      const body = request.body as Record<string, unknown> | undefined;
      const cookie = request.cookies?.lang;
      const chosen = [query?.lang, body?.lang, cookie].find(isLanguage);
      const code = chosen ?? negotiate(request.headers['accept-language']);
      if (isLanguage(query?.lang) && query.lang !== cookie) {
        reply.setCookie('lang', query.lang, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: app.config.publicUrl.startsWith('https:'),
          maxAge: 365 * 24 * 3600,
        });
      }
      request.lang = language(code);
      request.t = translator(code);
      request.langChosen = chosen !== undefined;
      done();
    });

    // Read per page, so a saved change shows on the next one. Should the database fail, the
    // error page still renders, with the environment's values.
    const organisation = (request: FastifyRequest): OrganisationSettings => {
      try {
        return app.services.organisation.get();
      } catch (err) {
        request.log.error({ err }, 'organisation settings unreadable; using the defaults');
        return { ...app.services.organisation.defaults(), logo: null };
      }
    };

    app.decorateReply(
      'page',
      async function (this: FastifyReply, template, data = {}, status = 200) {
        const request: FastifyRequest = this.request;
        // Language links point back to the matched route; a page no route matched (a 404 for
        // `/.//evil.example/x`) links to the start page, so no raw path ever becomes a link.
        const url = new URL(request.url, 'http://x');
        const path = request.routeOptions.url ? url.pathname.replace(/^\/+/, '/') : '/';
        const switchTo = (code: string) => {
          url.searchParams.set('lang', code);
          return `${path}?${url.searchParams.toString()}`;
        };
        const org = organisation(request);
        const html = await this.viewAsync(template, {
          t: request.t,
          lang: request.lang,
          languages,
          switchTo,
          org: pageOrganisation(org),
          privacyUrl: org.privacyUrl,
          errors: {},
          values: {},
          ...data,
        });
        return this.code(status).type('text/html; charset=utf-8').send(html);
      },
    );
  },
  { name: 'view', dependencies: ['services'] },
);
