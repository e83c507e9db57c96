import type { FastifyInstance } from 'fastify';

/** A day as people read it: 30.11.2026 in German, 30/11/2026 in English. */
const dayLabel = (day: string, lang: string) =>
  new Date(`${day}T12:00:00Z`).toLocaleDateString(lang === 'de' ? 'de-DE' : 'en-GB', {
    timeZone: 'UTC',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  });

interface PeriodQuery {
  from?: string;
  to?: string;
}

/**
 * The multiplier view: whose recommendations brought whom in a period. Everybody signed in
 * reads it; the service decides who sees names.
 */
export default async function multiplierRoutes(app: FastifyInstance) {
  const service = app.services.multipliers;

  app.get<{ Querystring: PeriodQuery }>('/multipliers', async (request, reply) => {
    const { from, to } = request.query;
    const period = service.period({ from, to });
    const asked = Boolean(from || to);
    const refused = asked && (period.from !== from || period.to !== to);
    const lang = request.user?.language ?? 'de';
    const view = service.view(period, request.user!, lang);
    return reply.adminPage(
      'multipliers/index',
      {
        title: request.at('multipliers.title'),
        view,
        fromLabel: dayLabel(period.from, lang),
        toLabel: dayLabel(period.to, lang),
        asked: { from: typeof from === 'string' ? from : '', to: typeof to === 'string' ? to : '' },
        errors: refused ? { from: request.at('multipliers.periodInvalid') } : {},
      },
      refused ? 400 : 200,
    );
  });
}
