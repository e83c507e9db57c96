import type { FastifyInstance } from 'fastify';
import type { ArchivedEdition } from '../../services/editions/index.js';
import { recommendLink } from '../../services/sources/index.js';

const escapeXml = (value: string) =>
  value.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** The day an archived edition is dated with: its target date, else its last change. */
const dayOf = (edition: ArchivedEdition) =>
  edition.targetDate ?? new Date(edition.updatedAt).toISOString().slice(0, 10);

/**
 * A small bar at the top of the web version: the sign-up link (naming this edition's archive
 * page as the source) and the other languages.
 */
function withTopBar(
  html: string,
  edition: ArchivedEdition,
  shown: string,
  signup: { href: string; text: string },
): string {
  const others = edition.languages.filter((code) => code !== shown);
  const links = [
    `<a href="${escapeXml(signup.href)}">${escapeXml(signup.text)}</a>`,
    ...others.map((code) => {
      const href = `/archive/${edition.slug}?lang=${code}`;
      return `<a href="${escapeXml(href)}" hreflang="${code}" lang="${code}">${code}</a>`;
    }),
  ].join(' · ');
  const bar = `<nav style="text-align:center;font:14px sans-serif;padding:4px">${links}</nav>`;
  return html.replace(/<body[^>]*>/, (body) => `${body}${bar}`);
}

/**
 * The public archive: the sent editions an editor kept in it, as a list, as web versions at a
 * stable address (`/archive/<number>-<slug>`, an old slug redirects) and as an Atom feed.
 */
export default async function archiveRoutes(app: FastifyInstance) {
  const { publicUrl } = app.config;
  const editions = app.services.editions;

  app.get('/archive', async (request, reply) =>
    reply.page('archive', {
      title: request.t('archive.title'),
      editions: editions.archive().map((edition) => ({
        number: edition.number,
        title: edition.title,
        date: dayOf(edition),
        href: `/archive/${edition.slug}`,
        languages: edition.languages,
      })),
    }),
  );

  app.get('/archive/feed.xml', async (_request, reply) => {
    const archived = editions.archive();
    const self = `${publicUrl}/archive/feed.xml`;
    const updated = new Date(Math.max(0, ...archived.map((e) => e.updatedAt))).toISOString();
    const entries = archived.map((edition) => {
      const url = `${publicUrl}/archive/${edition.slug}`;
      return [
        '  <entry>',
        `    <id>${escapeXml(`${publicUrl}/archive/${edition.number}`)}</id>`,
        `    <title>${escapeXml(edition.title)}</title>`,
        `    <updated>${new Date(edition.updatedAt).toISOString()}</updated>`,
        `    <link rel="alternate" type="text/html" href="${escapeXml(url)}"/>`,
        `    <summary>${escapeXml(edition.preheader)}</summary>`,
        '  </entry>',
      ].join('\n');
    });
    const feed = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `  <id>${escapeXml(`${publicUrl}/archive`)}</id>`,
      `  <title>${escapeXml(app.services.organisation.get().name)}</title>`,
      `  <updated>${updated}</updated>`,
      `  <link rel="self" type="application/atom+xml" href="${escapeXml(self)}"/>`,
      `  <link rel="alternate" type="text/html" href="${escapeXml(`${publicUrl}/archive`)}"/>`,
      ...entries,
      '</feed>',
      '',
    ].join('\n');
    return reply.type('application/atom+xml; charset=utf-8').send(feed);
  });

  app.get<{ Params: { numberSlug: string }; Querystring: { lang?: unknown } }>(
    '/archive/:numberSlug',
    async (request, reply) => {
      const lang = typeof request.query.lang === 'string' ? request.query.lang : undefined;
      const found = await editions.archivePage(request.params.numberSlug, lang);
      if (found.kind === 'moved') {
        const query = lang ? `?lang=${encodeURIComponent(lang)}` : '';
        return reply.redirect(`/archive/${found.slug}${query}`, 301);
      }
      if (found.kind === 'missing') {
        return reply.page(
          'message',
          {
            title: request.t('archive.missingTitle'),
            message: request.t('archive.missing'),
            link: { href: '/archive', text: request.t('archive.title') },
          },
          404,
        );
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('X-Content-Type-Options', 'nosniff')
        .header(
          'Content-Security-Policy',
          "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'",
        )
        .send(
          withTopBar(found.html, found.edition, found.language, {
            href: recommendLink(publicUrl, { editionId: found.edition.id, archive: true }),
            text: request.t('referral.subscribe'),
          }),
        );
    },
  );
}
