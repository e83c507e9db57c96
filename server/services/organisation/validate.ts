import { hasControlCharacters, isPlainText } from '../plain-text.js';
import { isWebUrl } from '../items/validate.js';
import { imageType, type ImageExtension } from '../media/index.js';
import type { Problems } from '../reference/problems.js';
import { isValidEmail } from '../subscribers/profile.js';

/** The limits of the settings' texts and of the logo. */
export const organisationLimits = {
  name: 200,
  tagline: 300,
  project: 200,
  logoAlt: 300,
  multiLine: 2000,
  funderAttribution: 300,
  senderName: 100,
  url: 2000,
  /** bytes */
  logo: 500 * 1024,
} as const;

/** The text settings an admin edits in one form. */
export const organisationFields = [
  'name',
  'tagline',
  'project',
  'primaryColour',
  'textColour',
  'imprint',
  'postalAddress',
  'funderAttribution',
  'senderName',
  'senderAddress',
  'replyTo',
  'privacyUrl',
] as const;
export type OrganisationField = (typeof organisationFields)[number];

/** The settings as text, the logo's description included. */
export type OrganisationValues = Record<OrganisationField | 'logoAlt', string>;

/** Web colours are written `#rrggbb`. */
export function isHexColour(value: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(value);
}

/** WCAG 2 relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** Normal text needs 4.5:1 (WCAG 2, level AA). */
export const MIN_CONTRAST = 4.5;

/** Plain text over several lines: line breaks allowed, no markup, no other control characters. */
export function isPlainMultiLine(value: string, maxLength: number): boolean {
  return (
    value.length <= maxLength &&
    !/[<>]/.test(value) &&
    !hasControlCharacters(value.replace(/\n/g, ''))
  );
}

/** The values as they are stored: no outer spaces, Unix line ends, colours in lower case. */
export function normaliseOrganisation(values: OrganisationValues): OrganisationValues {
  const out = { ...values };
  for (const key of Object.keys(out) as (keyof OrganisationValues)[])
    out[key] = out[key].replace(/\r\n?/g, '\n').trim();
  out.primaryColour = out.primaryColour.toLowerCase();
  out.textColour = out.textColour.toLowerCase();
  return out;
}

/** What is wrong with an uploaded logo, or null; and the type its bytes announce. */
export function logoProblem(
  bytes: Uint8Array,
): { problem: string; type?: undefined } | { problem: null; type: ImageExtension } {
  if (bytes.length === 0) return { problem: 'organisation.errors.logoMissing' };
  if (bytes.length > organisationLimits.logo)
    return { problem: 'organisation.errors.logoTooLarge' };
  const type = imageType(bytes);
  if (!type) return { problem: 'organisation.errors.logoType' };
  return { problem: null, type };
}

/**
 * The one rule for the organisation settings. `hasLogo`: a logo is (or is about to be) set,
 * so it needs its text alternative. Problems are admin message keys by field.
 */
export function validateOrganisation(
  draft: OrganisationValues,
  options: { hasLogo: boolean; logo?: Uint8Array },
): { values: OrganisationValues; errors: Problems } {
  const values = normaliseOrganisation(draft);
  const errors: Problems = {};
  const e = (key: string) => `organisation.errors.${key}`;
  const { name, tagline, project, funderAttribution, senderName } = organisationLimits;

  if (!values.name) errors.name = e('nameMissing');
  else if (!isPlainText(values.name, name)) errors.name = e('plainText');
  if (!isPlainText(values.tagline, tagline)) errors.tagline = e('plainText');
  if (!isPlainText(values.project, project)) errors.project = e('plainText');
  if (!isPlainText(values.funderAttribution, funderAttribution))
    errors.funderAttribution = e('plainText');
  if (!isPlainText(values.senderName, senderName)) errors.senderName = e('plainText');
  for (const key of ['imprint', 'postalAddress'] as const)
    if (!isPlainMultiLine(values[key], organisationLimits.multiLine)) errors[key] = e('multiLine');

  for (const key of ['primaryColour', 'textColour'] as const) {
    if (!isHexColour(values[key])) errors[key] = e('colour');
    else if (contrastRatio(values[key], '#ffffff') < MIN_CONTRAST) errors[key] = e('contrast');
  }

  if (!values.senderAddress) errors.senderAddress = e('emailMissing');
  else if (!isValidEmail(values.senderAddress)) errors.senderAddress = e('email');
  if (values.replyTo && !isValidEmail(values.replyTo)) errors.replyTo = e('email');
  if (values.privacyUrl.length > organisationLimits.url || !isWebUrl(values.privacyUrl))
    errors.privacyUrl = e('url');

  if (options.logo) {
    const { problem } = logoProblem(options.logo);
    if (problem) errors.logo = problem;
  }
  if (options.hasLogo && !values.logoAlt) errors.logoAlt = e('logoAltMissing');
  else if (!isPlainText(values.logoAlt, organisationLimits.logoAlt))
    errors.logoAlt = e('plainText');
  return { values, errors };
}
