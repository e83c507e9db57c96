import type { FastifyRequest } from 'fastify';
import type { Origin, RequestMeta } from '../services/subscribers/index.js';

export type FormBody = Record<string, string | string[] | undefined>;

/** The first value of a form field (forms may repeat a name). */
export const one = (v: string | string[] | undefined): string =>
  Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
/** All non-empty values of a repeatable form field. */
export const many = (v: string | string[] | undefined): string[] =>
  (Array.isArray(v) ? v : v ? [v] : []).filter((x) => typeof x === 'string' && x !== '');

export function field(body: FormBody, name: string): string {
  return one(body[name]);
}

/** Who did it, from where: for the consent log. */
export function requestMeta(
  request: FastifyRequest,
  channel: string,
  source?: string,
): RequestMeta {
  return {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    source: source ?? null,
    channel,
  };
}

/** Who makes a request (set by the admin session or the API token) and with which client. */
export function origin(request: FastifyRequest): Origin {
  if (!request.actor) throw new Error('origin() needs an authenticated request');
  return { actor: request.actor, userAgent: request.headers['user-agent'] ?? null };
}
