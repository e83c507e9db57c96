import type { SubscriberWithProfile } from '../../../services/subscribers/index.js';

/** JSON schemas shared by the API routes (and so by the OpenAPI document). */
export const error = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    statusCode: { type: 'integer' },
  },
} as const;

export const consentEvent = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    ip: { type: ['string', 'null'] },
    userAgent: { type: ['string', 'null'] },
    source: { type: ['string', 'null'] },
    channel: { type: ['string', 'null'] },
    consentTextVersion: { type: ['string', 'null'] },
    templateVersion: { type: ['string', 'null'] },
    listIds: { type: ['array', 'null'], items: { type: 'integer' } },
    details: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

export const subscriber = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['unconfirmed', 'confirmed', 'unsubscribed', 'blocked'] },
    regionKey: { type: ['string', 'null'] },
    roleKeys: { type: 'array', items: { type: 'string' } },
    topicKeys: { type: 'array', items: { type: 'string' } },
    listIds: { type: 'array', items: { type: 'integer' } },
    language: { type: 'string' },
    trackingConsent: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    confirmedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function present(s: SubscriberWithProfile) {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    status: s.status,
    regionKey: s.regionKey,
    roleKeys: s.roleKeys,
    topicKeys: s.topicKeys,
    listIds: s.listIds,
    language: s.language,
    trackingConsent: s.trackingConsent,
    createdAt: iso(s.createdAt),
    confirmedAt: iso(s.confirmedAt),
  };
}

/** `:id` path parameter of every single-record route. */
export const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
} as const;
