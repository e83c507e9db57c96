import type { FastifyRequest } from 'fastify';
import type { Profile, RequestMeta } from '../../db/queries/subscribers.js';
import { isLanguage, type Translate } from '../i18n/index.js';
import { isValidEmail } from '../services/subscribers/index.js';
import type { FormChoices } from '../services/reference/index.js';
import { isPlainText } from '../services/plain-text.js';

type Choices = FormChoices;
export type FormBody = Record<string, string | string[] | undefined>;

export interface ProfileValues {
  name: string;
  region: string;
  roles: string[];
  topics: string[];
  language: string;
  tracking: boolean;
}

/** The first value of a form field (forms may repeat a name). */
export const one = (v: string | string[] | undefined): string =>
  Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
/** All non-empty values of a repeatable form field. */
export const many = (v: string | string[] | undefined): string[] =>
  (Array.isArray(v) ? v : v ? [v] : []).filter((x) => typeof x === 'string' && x !== '');

/** Read and check the profile fields; every problem becomes a message next to its field. */
export function readProfile(
  body: FormBody,
  choices: Choices,
  t: Translate,
  fallbackLanguage: string,
): { values: ProfileValues; errors: Record<string, string>; profile: Profile } {
  const errors: Record<string, string> = {};
  const values: ProfileValues = {
    name: one(body.name).trim(),
    region: one(body.region),
    roles: [...new Set(many(body.roles))],
    topics: [...new Set(many(body.topics))],
    language: one(body.language) || fallbackLanguage,
    tracking: one(body.tracking) === 'yes',
  };
  // Names are shown in mails and pages (escaped) and may reach headers: no line breaks, no markup.
  if (!isPlainText(values.name, 100)) errors.name = t('signup.errors.name');
  if (values.region && !choices.regions.some((r) => r.key === values.region)) {
    errors.region = t('signup.errors.region');
    values.region = '';
  }
  if (
    values.roles.some((k) => !choices.roles.some((r) => r.key === k)) ||
    values.roles.length > 50
  ) {
    errors.roles = t('signup.errors.roles');
    values.roles = values.roles.filter((k) => choices.roles.some((r) => r.key === k));
  }
  if (
    values.topics.some((k) => !choices.topics.some((r) => r.key === k)) ||
    values.topics.length > 50
  ) {
    errors.topics = t('signup.errors.topics');
    values.topics = values.topics.filter((k) => choices.topics.some((r) => r.key === k));
  }
  if (!isLanguage(values.language)) {
    errors.language = t('signup.errors.language');
    values.language = fallbackLanguage;
  }
  return {
    values,
    errors,
    profile: {
      name: values.name,
      regionKey: values.region || null,
      roleKeys: values.roles,
      topicKeys: values.topics,
      language: values.language,
      trackingConsent: values.tracking,
    },
  };
}

/** The form values of a stored profile (the inverse of readProfile). */
export function profileValues(s: {
  name: string;
  regionKey: string | null;
  roleKeys: string[];
  topicKeys: string[];
  language: string;
  trackingConsent: boolean;
}): ProfileValues {
  return {
    name: s.name,
    region: s.regionKey ?? '',
    roles: s.roleKeys,
    topics: s.topicKeys,
    language: s.language,
    tracking: s.trackingConsent,
  };
}

export function readEmail(body: FormBody, t: Translate): { email: string; error?: string } {
  const email = one(body.email).trim();
  if (email.length > 254)
    return { email: email.slice(0, 254), error: t('signup.errors.emailLong') };
  if (!isValidEmail(email)) return { email, error: t('signup.errors.email') };
  return { email };
}

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
