import {
  compileVariant,
  overregional,
  personalise,
  type CompiledVariant,
  type EditionContent,
  type Org,
  type Recipient,
  type Variant,
} from '../../../emails/newsletter/index.js';
import type { Config } from '../../config.js';
import { isLanguage } from '../../i18n/index.js';
import type { Item } from '../items/index.js';
import type { OrganisationSettings } from '../organisation/index.js';
import type { Problems } from '../reference/problems.js';
import { presendChecks, type Check } from './checks.js';
import type { Edition } from './types.js';

/** Which variant to show; missing: German, no region, no role. */
export interface PreviewRequest {
  language?: string;
  region?: string | null;
  role?: string | null;
}

export interface EditionPreview {
  subject: string;
  preheader: string;
  html: string;
  text: string;
  /** Bytes of the HTML part as the sample recipient would get it. */
  size: number;
  checks: Check[];
}

/** The name and links of the sample recipient: never a real subscriber's token. */
export function sampleRecipient(publicUrl: string): Recipient {
  return {
    name: 'Erika Mustermann',
    unsubscribeUrl: `${publicUrl}/u/preview`,
    preferencesUrl: `${publicUrl}/p/preview`,
  };
}

/** The organisation's settings as the newsletter renderer takes them. */
export function organisationForMail(
  settings: OrganisationSettings,
  config: Pick<Config, 'publicUrl'>,
): Org {
  return {
    name: settings.name,
    logoUrl: settings.logo ? `${config.publicUrl}${settings.logo.url}` : undefined,
    colours: { primary: settings.primaryColour, text: settings.textColour },
    imprint: settings.imprint,
    postalAddress: settings.postalAddress,
    attribution: settings.funderAttribution,
    privacyUrl: settings.privacyUrl,
    publicUrl: config.publicUrl,
    sender: { name: settings.senderName, address: settings.senderAddress },
  };
}

/**
 * The stored edition with its items in its sections, as the renderer takes it; `recommendUrl`
 * is the "recommend to a colleague" link, `eventLinks` the registration pages of the events its
 * items point to.
 */
export function editionContent(
  edition: Edition,
  items: Item[],
  links: { recommendUrl?: string; eventLinks?: Record<string, string> } = {},
): EditionContent {
  return {
    ...(links.recommendUrl && { recommendUrl: links.recommendUrl }),
    eventLinks: links.eventLinks,
    number: edition.number,
    title: edition.title,
    subject: edition.subject,
    preheader: edition.preheader,
    intro: edition.intro,
    translations: edition.translations,
    sections: edition.sections.map((section) => ({
      ...section,
      items: items.filter((item) => item.type === section.type),
    })),
  };
}

/** A requested variant checked against the known languages, regions and roles. */
export function previewVariant(
  request: PreviewRequest,
  known: { regions: ReadonlySet<string>; roles: ReadonlySet<string> },
): { variant: Variant; errors: Problems } {
  const errors: Problems = {};
  const language = request.language ?? 'de';
  if (!isLanguage(language)) errors.language = 'editions.errors.language';
  const region = request.region ?? null;
  if (region !== null && !known.regions.has(region)) errors.region = 'editions.errors.region';
  const role = request.role ?? null;
  if (role !== null && !known.roles.has(role)) errors.role = 'editions.errors.role';
  return { variant: { language, region, role }, errors };
}

/**
 * The variants an edition is checked in: German without region and in each region its items
 * name, and every language it has a translation for.
 */
export function checkedVariants(content: EditionContent): Variant[] {
  const regions = new Set(
    content.sections.flatMap((section) =>
      section.items.flatMap((item) => item.regions.filter((key) => key !== overregional)),
    ),
  );
  return [
    { language: 'de', region: null, role: null },
    ...[...regions].sort().map((region) => ({ language: 'de', region, role: null })),
    ...Object.keys(content.translations)
      .filter((language) => language !== 'de' && isLanguage(language))
      .sort()
      .map((language) => ({ language, region: null, role: null })),
  ];
}

/** The requested variant for the sample recipient, and the checks over all variants. */
export async function renderPreview(
  content: EditionContent,
  variant: Variant,
  org: Org,
  opts: { spamScore?: boolean; now?: number } = {},
): Promise<EditionPreview> {
  const compiled = new Map<string, Promise<CompiledVariant>>();
  // Each variant is compiled once, for the preview and the checks alike.
  const compile = (wanted: Variant) => {
    const key = JSON.stringify([wanted.language, wanted.region, wanted.role]);
    let found = compiled.get(key);
    if (!found) {
      found = compileVariant(content, wanted, org);
      compiled.set(key, found);
    }
    return found;
  };
  const recipient = sampleRecipient(org.publicUrl);
  const shown = await compile(variant);
  const { html, text } = personalise(shown, recipient);
  const checks = await presendChecks({
    edition: content,
    org,
    variants: checkedVariants(content),
    recipient,
    compile,
    spamScore: opts.spamScore,
    now: opts.now,
  });
  return {
    subject: shown.subject,
    preheader: shown.preheader,
    html,
    text,
    size: Buffer.byteLength(html, 'utf8'),
    checks,
  };
}
