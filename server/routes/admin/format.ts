import type { FastifyRequest } from 'fastify';

/** The signed-in user's admin language (German when there is none). */
export const lang = (request: FastifyRequest) => request.user?.language ?? 'de';

/** A time as staff read it: 04.05.2026, 10:00 in German, 04/05/2026, 10:00 in English. */
export const timeLabel = (at: number, lang: string) =>
  new Date(at).toLocaleString(lang === 'de' ? 'de-DE' : 'en-GB', {
    timeZone: 'Europe/Berlin',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
