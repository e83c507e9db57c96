import { transaction, type Db, type Tx } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as settings from '../../../db/queries/settings.js';
import type { Config } from '../../config.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { MediaService } from '../media/index.js';
import { hasProblems, type Problems } from '../reference/problems.js';
import {
  logoProblem,
  organisationFields,
  validateOrganisation,
  type OrganisationValues,
} from './validate.js';

export * from './validate.js';

/** The colours a network gets until it chooses its own (the admin UI's own accent and text). */
export const DEFAULT_COLOURS = { primaryColour: '#1d4e89', textColour: '#1a1a1a' } as const;

/** The organisation as every page and newsletter shows it: the saved settings over the defaults. */
export interface OrganisationSettings extends OrganisationValues {
  /** The current logo, served at `url` (relative to PUBLIC_URL); null without one. */
  logo: { file: string; url: string; alt: string } | null;
}

export type OrganisationSaved =
  | { kind: 'saved'; settings: OrganisationSettings }
  | { kind: 'invalid'; errors: Problems; values: OrganisationValues };

const editable = [...organisationFields, 'logoAlt'] as const;
type Editable = (typeof editable)[number];

/**
 * The organisation's name, logo, colours, imprint, funder line and newsletter sender, edited by
 * admins. What was never saved comes from the environment (ORG_NAME, ORG_IMPRINT, MAIL_FROM,
 * PRIVACY_URL) or a built-in default; a value equal to its default is stored as "not saved", so
 * it keeps following the environment.
 */
export class OrganisationService {
  private readonly db: Db;
  private readonly config: Config;
  private readonly uploads: MediaService;

  constructor(ctx: Pick<ServiceContext, 'db' | 'config'>) {
    ({ db: this.db, config: this.config } = ctx);
    this.uploads = new MediaService(ctx);
  }

  /** The defaults from the environment (and built in) that apply where nothing was saved. */
  defaults(): OrganisationValues {
    const sender = parseMailbox(this.config.mailFrom);
    return {
      name: this.config.orgName,
      tagline: '',
      project: '',
      primaryColour: DEFAULT_COLOURS.primaryColour,
      textColour: DEFAULT_COLOURS.textColour,
      imprint: this.config.orgImprint,
      postalAddress: '',
      funderAttribution: '',
      senderName: sender.name,
      senderAddress: sender.address,
      replyTo: '',
      privacyUrl: this.config.privacyUrl,
      logoAlt: '',
    };
  }

  /** The effective settings: saved values over the defaults. */
  get(tx: Tx = this.db): OrganisationSettings {
    const stored = settings.findOrganisationSettings(tx);
    const values = this.defaults();
    for (const key of editable) {
      const saved = stored?.[key];
      if (saved !== null && saved !== undefined) values[key] = saved;
    }
    const file = stored?.logoFile ?? null;
    return {
      ...values,
      logo: file ? { file, url: MediaService.path(file), alt: values.logoAlt } : null,
    };
  }

  /**
   * Change some settings (what is not given stays); everything is checked again with the one
   * validator. The audit entry names the fields that changed.
   */
  update(input: Partial<Record<Editable, string>>, actor: Actor): OrganisationSaved {
    return this.save(input, undefined, actor, 'update');
  }

  /** A new logo (PNG, JPEG or WebP, checked by its bytes) with its text alternative. */
  setLogo(bytes: Uint8Array, alt: string, actor: Actor): OrganisationSaved {
    return this.save({ logoAlt: alt }, bytes, actor, 'set-logo');
  }

  /**
   * No logo any more. The file stays: newsletters already sent still show it at its address.
   */
  removeLogo(actor: Actor): OrganisationSettings {
    transaction(this.db, (tx) => {
      const current = this.get(tx);
      if (!current.logo) return;
      settings.saveOrganisationSettings(
        { ...this.row(current, tx), logoFile: null, logoAlt: null },
        tx,
      );
      recordAction(auditWho(actor), 'remove-logo', 'organisation', null, undefined, tx);
    });
    return this.get();
  }

  /** A stored upload and its Content-Type, for /media/<name>. */
  media(name: string): { bytes: Buffer; type: string } | undefined {
    return this.uploads.read(name);
  }

  private save(
    input: Partial<Record<Editable, string>>,
    logo: Uint8Array | undefined,
    actor: Actor,
    action: 'update' | 'set-logo',
  ): OrganisationSaved {
    const current = this.get();
    const draft = Object.fromEntries(
      editable.map((key) => [key, input[key] ?? current[key]]),
    ) as OrganisationValues;
    const { values, errors } = validateOrganisation(draft, {
      hasLogo: !!current.logo || logo !== undefined,
      logo,
    });
    if (hasProblems(errors)) return { kind: 'invalid', errors, values };
    let logoFile = current.logo?.file ?? null;
    if (logo) {
      const checked = logoProblem(logo);
      if (checked.problem !== null) throw new Error('the validator passed an invalid logo');
      logoFile = this.uploads.saveImage(logo, checked.type);
    }
    const changed: string[] = editable.filter((key) => values[key] !== current[key]);
    if (logo) changed.push('logo');
    transaction(this.db, (tx) => {
      settings.saveOrganisationSettings({ ...this.row(values, tx), logoFile }, tx);
      recordAction(auditWho(actor), action, 'organisation', null, { changed }, tx);
    });
    return { kind: 'saved', settings: this.get() };
  }

  /** The row for these values: a value equal to its default is stored as null. */
  private row(values: OrganisationValues, tx: Tx): settings.OrganisationSettingsRow {
    const defaults = this.defaults();
    const stored = settings.findOrganisationSettings(tx);
    const column = (key: Editable) => (values[key] === defaults[key] ? null : values[key]);
    return {
      name: column('name'),
      tagline: column('tagline'),
      project: column('project'),
      logoFile: stored?.logoFile ?? null,
      logoAlt: column('logoAlt'),
      primaryColour: column('primaryColour'),
      textColour: column('textColour'),
      imprint: column('imprint'),
      postalAddress: column('postalAddress'),
      funderAttribution: column('funderAttribution'),
      senderName: column('senderName'),
      senderAddress: column('senderAddress'),
      replyTo: column('replyTo'),
      privacyUrl: column('privacyUrl'),
    };
  }
}

/** `Name <address>` or a bare address, as MAIL_FROM is written. */
export function parseMailbox(value: string): { name: string; address: string } {
  const match = /^\s*(.*?)\s*<([^<>\s]+)>\s*$/.exec(value);
  if (!match) return { name: '', address: value.trim() };
  return { name: match[1]!.replace(/^"(.*)"$/, '$1').trim(), address: match[2]! };
}
