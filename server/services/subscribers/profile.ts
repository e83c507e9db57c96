import { domainToASCII, domainToUnicode } from 'node:url';
import type { Profile } from '../../../db/queries/subscribers.js';
import { many, one, type FormBody } from '../../http/form.js';
import { isLanguage } from '../../i18n/index.js';
import { hasControlCharacters, isPlainText, plainTextPattern } from '../plain-text.js';

/**
 * The one validator of a subscriber's profile (name, region, roles, topics, language, tracking
 * consent, lists, address), used by the sign-up and preferences forms, the admin forms, the API
 * and the import. The API's JSON schema is generated from these limits.
 */
export const PROFILE_LIMITS = {
  email: 254,
  emailLocalPart: 64,
  name: 100,
  key: 40,
  language: 10,
  keys: 50,
  lists: 50,
} as const;

/** What the profile may name: the active regions, roles and topics, and the lists on offer. */
export interface ProfileChoices {
  regions: readonly { key: string }[];
  roles: readonly { key: string }[];
  topics: readonly { key: string }[];
  lists: readonly { id: number }[];
}

/** A profile as it arrives (form or JSON); absent fields take the fallback or stay empty. */
export interface ProfileInput {
  email?: string;
  name?: string;
  regionKey?: string | null;
  roleKeys?: readonly string[];
  topicKeys?: readonly string[];
  language?: string;
  trackingConsent?: boolean;
  listIds?: readonly (number | string)[];
}

export type ProfileField = 'email' | 'name' | 'region' | 'roles' | 'topics' | 'language' | 'lists';

/**
 * One problem with one field: `key` is the translation key forms show next to the field,
 * `message` names the field and the bad value for the API (and the import's report).
 */
export interface Problem {
  key: string;
  message: string;
}

export type FieldProblems<F extends string = string> = Partial<Record<F, Problem>>;

export interface ProfileCheck {
  /** The profile to store: unknown keys dropped, the fallback language where none was valid. */
  profile: Profile;
  /** The address as typed, trimmed (at most 254 characters). */
  email: string;
  /** The chosen lists that exist, without repeats. */
  listIds: number[];
  errors: FieldProblems<ProfileField>;
}

export interface ProfileRules {
  /** The language when none (or an unknown one) is given. */
  fallbackLanguage: string;
  /** Check the address (sign-up, add); profile changes leave it alone. */
  email?: boolean;
  /** At least one list must be chosen (forms that offer lists). */
  listsRequired?: boolean;
}

/** Check one profile against the choices; every problem is keyed by its field. */
export function validateProfile(
  raw: ProfileInput,
  choices: ProfileChoices,
  rules: ProfileRules,
): ProfileCheck {
  const errors: FieldProblems<ProfileField> = {};
  const name = (raw.name ?? '').trim();
  // Names are shown in mails and pages (escaped) and may reach headers: no line breaks, no markup.
  // A control character is refused even where trimming would drop it (a trailing TAB or VT).
  if (!isPlainText(name, PROFILE_LIMITS.name) || hasControlCharacters(raw.name ?? '')) {
    errors.name = {
      key: 'signup.errors.name',
      message: `name must be plain text of at most ${PROFILE_LIMITS.name} characters`,
    };
  }

  let regionKey = raw.regionKey || null;
  if (regionKey && !choices.regions.some((r) => r.key === regionKey)) {
    errors.region = { key: 'signup.errors.region', message: `unknown regionKey ${regionKey}` };
    regionKey = null;
  }

  const keys = (field: 'roles' | 'topics', given: readonly string[] | undefined) => {
    const wanted = [...new Set(given ?? [])];
    const known = wanted.filter((k) => choices[field].some((c) => c.key === k));
    const unknown = wanted.filter((k) => !known.includes(k));
    const noun = field === 'roles' ? 'role' : 'topic';
    if (unknown.length || wanted.length > PROFILE_LIMITS.keys) {
      errors[field] = {
        key: `signup.errors.${field}`,
        message: unknown.length
          ? unknown.map((k) => `unknown ${noun} ${k}`).join('; ')
          : `at most ${PROFILE_LIMITS.keys} ${field}`,
      };
    }
    return known;
  };
  const roleKeys = keys('roles', raw.roleKeys);
  const topicKeys = keys('topics', raw.topicKeys);

  let language = raw.language || rules.fallbackLanguage;
  if (!isLanguage(language)) {
    const unknown: string = raw.language ?? '';
    errors.language = { key: 'signup.errors.language', message: `unknown language ${unknown}` };
    language = rules.fallbackLanguage;
  }

  const wantedLists = [...new Set((raw.listIds ?? []).map(String))];
  const listIds = wantedLists.map(Number).filter((id) => choices.lists.some((l) => l.id === id));
  if (listIds.length !== wantedLists.length || wantedLists.length > PROFILE_LIMITS.lists) {
    const unknown = wantedLists.filter((id) => !listIds.includes(Number(id)));
    errors.lists = {
      key: 'signup.errors.lists',
      message: unknown.length
        ? unknown.map((id) => `unknown list ${id}`).join('; ')
        : `at most ${PROFILE_LIMITS.lists} lists`,
    };
  } else if (rules.listsRequired && !listIds.length) {
    errors.lists = { key: 'signup.errors.lists', message: 'listIds must name at least one list' };
  }

  const address = checkEmail(raw.email ?? '');
  if (rules.email && address.error) errors.email = address.error;

  return {
    profile: {
      name,
      regionKey,
      roleKeys,
      topicKeys,
      language,
      trackingConsent: raw.trackingConsent ?? false,
    },
    email: address.email,
    listIds,
    errors,
  };
}

/** An address as typed: trimmed, cut at the length limit, with its problem if any. */
export function checkEmail(raw: string): { email: string; error?: Problem } {
  const email = raw.trim();
  if (email.length > PROFILE_LIMITS.email) {
    return {
      email: email.slice(0, PROFILE_LIMITS.email),
      error: {
        key: 'signup.errors.emailLong',
        message: `email is longer than ${PROFILE_LIMITS.email} characters`,
      },
    };
  }
  if (isValidEmail(email)) return { email };
  const at = email.lastIndexOf('@');
  // Mail to a non-ASCII local part needs SMTPUTF8 all the way; a Unicode domain does not.
  if (/\P{ASCII}/u.test(email.slice(0, at)) && isValidEmail(`x@${email.slice(at + 1)}`)) {
    return {
      email,
      error: {
        key: 'signup.errors.emailUnicodeLocal',
        message:
          'email has characters other than ASCII before the @: such an address cannot be delivered yet',
      },
    };
  }
  return {
    email,
    error: { key: 'signup.errors.email', message: 'email is not a valid address' },
  };
}

/** The profile fields of a posted form (names as the forms use them). */
export function profileFromForm(body: FormBody): ProfileInput {
  return {
    email: one(body.email),
    name: one(body.name),
    regionKey: one(body.region) || null,
    roleKeys: many(body.roles),
    topicKeys: many(body.topics),
    language: one(body.language) || undefined,
    trackingConsent: one(body.tracking) === 'yes',
    listIds: many(body.lists).slice(0, PROFILE_LIMITS.lists),
  };
}

export interface ProfileValues {
  name: string;
  region: string;
  roles: string[];
  topics: string[];
  language: string;
  tracking: boolean;
}

/** The form values of a profile (stored, or checked and shown again). */
export function profileValues(s: Profile): ProfileValues {
  return {
    name: s.name,
    region: s.regionKey ?? '',
    roles: s.roleKeys,
    topics: s.topicKeys,
    language: s.language,
    tracking: s.trackingConsent,
  };
}

/** One line for the API's 400 answer, naming every field with a problem. */
export function problemMessage(errors: FieldProblems): string {
  return Object.values(errors)
    .map((p) => p!.message)
    .join('; ');
}

/** The problems as messages next to the fields, in the reader's language. */
export function fieldMessages(
  errors: FieldProblems,
  translate: (key: string) => string,
): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([f, p]) => [f, translate(p!.key)]));
}

/**
 * The one form of an address that is stored and compared: trimmed, lower-cased, NFC, and an
 * internationalised domain in Unicode (a domain given as xn--… too), so each person is one row.
 */
export function normaliseEmail(email: string): string {
  const address = email.trim().toLowerCase().normalize('NFC');
  const at = address.lastIndexOf('@');
  const ascii = at > 0 ? asciiDomain(address.slice(at + 1)) : undefined;
  return ascii ? `${address.slice(0, at)}@${domainToUnicode(ascii)}` : address;
}

const LOCAL_PART = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const HOST_NAME =
  /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * A domain (ASCII or Unicode) as its punycode host name, or undefined when it is none. Only
 * letters, digits, hyphens and dots may come in: the URL parser behind `domainToASCII` would
 * also decode "%41" or read an IP address.
 */
function asciiDomain(domain: string): string | undefined {
  if (!/^[\p{L}\p{M}\p{N}.-]+$/u.test(domain)) return undefined;
  const ascii = domainToASCII(domain);
  return HOST_NAME.test(ascii) ? ascii : undefined;
}

/**
 * A pragmatic address check (what mail servers accept), plus the RFC length limits: an ASCII
 * local part, and a domain that may be internationalised (checked in its punycode form).
 */
export function isValidEmail(email: string): boolean {
  if (email.length > PROFILE_LIMITS.email) return false;
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const ascii = at > 0 ? asciiDomain(email.slice(at + 1)) : undefined;
  return (
    ascii !== undefined &&
    LOCAL_PART.test(local) &&
    !local.startsWith('.') &&
    local.length <= PROFILE_LIMITS.emailLocalPart &&
    local.length + 1 + ascii.length <= PROFILE_LIMITS.email
  );
}

/** The API's JSON schema of the profile fields, from the same limits as the validator. */
export const profileJsonSchema = {
  name: { type: 'string', maxLength: PROFILE_LIMITS.name, pattern: plainTextPattern },
  regionKey: { type: ['string', 'null'], maxLength: PROFILE_LIMITS.key },
  roleKeys: {
    type: 'array',
    items: { type: 'string', maxLength: PROFILE_LIMITS.key },
    maxItems: PROFILE_LIMITS.keys,
  },
  topicKeys: {
    type: 'array',
    items: { type: 'string', maxLength: PROFILE_LIMITS.key },
    maxItems: PROFILE_LIMITS.keys,
  },
  language: { type: 'string', maxLength: PROFILE_LIMITS.language },
  trackingConsent: { type: 'boolean' },
  listIds: {
    type: 'array',
    items: { type: 'integer', minimum: 1 },
    maxItems: PROFILE_LIMITS.lists,
  },
} as const;
