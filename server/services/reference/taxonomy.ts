import { transaction, type Db } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as taxonomy from '../../../db/queries/taxonomy.js';
import type { Region, Role, TaxonomyKind, Topic, Usage } from '../../../db/queries/taxonomy.js';
import { languages } from '../../i18n/index.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { isPlainText } from '../plain-text.js';
import { hasProblems, type Problems } from './problems.js';

export type {
  LabelledKind,
  Region,
  Role,
  TaxonomyKind,
  Topic,
  Usage,
} from '../../../db/queries/taxonomy.js';

export const taxonomyKinds: readonly TaxonomyKind[] = ['regions', 'roles', 'topics'];
export const isTaxonomyKind = (k: string): k is TaxonomyKind =>
  (taxonomyKinds as readonly string[]).includes(k);
export const KEY_PATTERN = /^[a-z0-9-]{2,40}$/;
/** Roles and topics need these labels; the other languages may fall back to them. */
export const REQUIRED_LABELS: readonly string[] = ['de', 'en'];

/** An entry as its form gives it (one label per language; position as typed). */
export interface TaxonomyDraft {
  key: string;
  name: string;
  kind: string;
  labels: Record<string, string>;
  position: string;
  active: boolean;
}

/**
 * The one check of a region, role or topic. `isNew` also checks the key's form (whether it is
 * taken needs the database: see create). Regions have a name and a kind; roles and topics a
 * label per language.
 */
export function validateTaxonomyEntry(
  kind: TaxonomyKind,
  draft: TaxonomyDraft,
  isNew: boolean,
): { values: TaxonomyDraft; errors: Problems } {
  const values: TaxonomyDraft = {
    key: draft.key.trim(),
    name: draft.name.trim(),
    kind: draft.kind.trim(),
    labels: Object.fromEntries(
      languages.map((l) => [l.code, (draft.labels[l.code] ?? '').trim()] as const),
    ),
    position: draft.position.trim(),
    active: draft.active,
  };
  const errors: Problems = {};
  // 'new' names the add form's address.
  if (isNew && (!KEY_PATTERN.test(values.key) || values.key === 'new'))
    errors.key = 'taxonomy.errors.key';
  if (kind === 'regions') {
    if (!values.name || !isPlainText(values.name, 100)) errors.name = 'taxonomy.errors.name';
    if (!isPlainText(values.kind, 60)) errors.kind = 'taxonomy.errors.kind';
  } else {
    for (const l of languages) {
      const label = values.labels[l.code] ?? '';
      const required = REQUIRED_LABELS.includes(l.code);
      if ((required && !label) || !isPlainText(label, 200))
        errors[`label-${l.code}`] = `taxonomy.errors.${required ? 'label' : 'labelOptional'}`;
    }
  }
  if (values.position && !/^\d{1,4}$/.test(values.position))
    errors.position = 'taxonomy.errors.position';
  return { values, errors };
}

export type TaxonomySaved =
  | { kind: 'saved' }
  | { kind: 'invalid'; values: TaxonomyDraft; errors: Problems }
  | { kind: 'missing' };

/** The audit's entity for a kind: region, role, topic. */
const entityOf = (kind: TaxonomyKind) => kind.slice(0, -1);

/**
 * Regions, roles and topics: labels change, keys never do (subscribers, segments and imports
 * refer to them); entries are deactivated rather than deleted.
 */
export class TaxonomyService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  /** Every entry of every kind, active or not, with how many subscribers carry it. */
  overview(): {
    regions: (Region & Usage)[];
    roles: ((Role | Topic) & Usage)[];
    topics: ((Role | Topic) & Usage)[];
  } {
    return {
      regions: taxonomy.allRegions(this.db),
      roles: taxonomy.allLabelled('roles', this.db),
      topics: taxonomy.allLabelled('topics', this.db),
    };
  }

  find(kind: TaxonomyKind, key: string): Region | Role | Topic | undefined {
    return kind === 'regions'
      ? taxonomy.findRegion(key, this.db)
      : taxonomy.findLabelled(kind, key, this.db);
  }

  create(kind: TaxonomyKind, draft: TaxonomyDraft, actor: Actor): TaxonomySaved {
    return transaction(this.db, (tx) => {
      const { values, errors } = validateTaxonomyEntry(kind, draft, true);
      if (!errors.key && taxonomy.keyExists(kind, values.key, tx))
        errors.key = 'taxonomy.errors.keyTaken';
      if (hasProblems(errors)) return { kind: 'invalid', values, errors };
      const position = values.position ? Number(values.position) : undefined;
      const { key, active } = values;
      if (kind === 'regions') {
        const { name } = values;
        taxonomy.createRegion(key, { name, kind: values.kind, position, active }, tx);
        recordAction(auditWho(actor), 'create', 'region', key, { name, active }, tx);
      } else {
        const labels = labelsOf(values);
        taxonomy.createLabelled(kind, key, { labels, position, active }, tx);
        recordAction(auditWho(actor), 'create', entityOf(kind), key, { labels, active }, tx);
      }
      return { kind: 'saved' };
    });
  }

  /** The key stays whatever the draft says. */
  update(kind: TaxonomyKind, key: string, draft: TaxonomyDraft, actor: Actor): TaxonomySaved {
    return transaction(this.db, (tx) => {
      if (!taxonomy.keyExists(kind, key, tx)) return { kind: 'missing' };
      const { values, errors } = validateTaxonomyEntry(kind, draft, false);
      if (hasProblems(errors)) return { kind: 'invalid', values, errors };
      const position = values.position ? Number(values.position) : undefined;
      const { active } = values;
      if (kind === 'regions') {
        const { name } = values;
        taxonomy.updateRegion(key, { name, kind: values.kind, position, active }, tx);
        recordAction(auditWho(actor), 'update', 'region', key, { name, active }, tx);
      } else {
        const labels = labelsOf(values);
        taxonomy.updateLabelled(kind, key, { labels, position, active }, tx);
        recordAction(auditWho(actor), 'update', entityOf(kind), key, { labels, active }, tx);
      }
      return { kind: 'saved' };
    });
  }
}

/** The labels given (an empty one falls back to another language). */
const labelsOf = (values: TaxonomyDraft) =>
  Object.fromEntries(Object.entries(values.labels).filter(([, v]) => v !== ''));
