import type { Tx } from '../../../db/client.js';
import * as lists from '../../../db/queries/lists.js';
import * as reference from '../../../db/queries/reference.js';
import * as taxonomy from '../../../db/queries/taxonomy.js';
import { subscriberStatuses } from '../../../db/schema.js';
import { DEFAULT_LANGUAGE, hasKey, languages, translator } from '../../i18n/index.js';

/** Label of a role or topic in a language: database label, else translation file, else German. */
export function labelFor(
  kind: 'roles' | 'topics',
  item: { key: string; labels: Record<string, string> },
  lang: string,
): string {
  if (item.labels[lang]) return item.labels[lang];
  if (hasKey(lang, `domain.${kind}.${item.key}`))
    return translator(lang)(`domain.${kind}.${item.key}`);
  return item.labels[DEFAULT_LANGUAGE] ?? item.labels.en ?? item.key;
}

/** Regions, roles and topics as the sign-up and preferences forms show them. */
export function formChoices(tx: Tx, lang: string) {
  return {
    regions: reference.listRegions(tx),
    roles: reference.listRoles(tx).map((r) => ({ key: r.key, label: labelFor('roles', r, lang) })),
    topics: reference
      .listTopics(tx)
      .map((t) => ({ key: t.key, label: labelFor('topics', t, lang) })),
    lists: reference.publicLists(tx),
  };
}

export type FormChoices = ReturnType<typeof formChoices>;

/**
 * Everything the segment form and the rule summaries name, in the admin's language: every
 * region, role and topic (inactive ones too: people may still carry them), the languages, the
 * lists and the statuses.
 */
export function ruleChoices(tx: Tx, lang: string) {
  return {
    regions: taxonomy.allRegions(tx).map((r) => ({ key: r.key, label: r.name, active: r.active })),
    roles: taxonomy.allLabelled('roles', tx).map((r) => ({
      key: r.key,
      label: labelFor('roles', r, lang),
      active: r.active,
    })),
    topics: taxonomy.allLabelled('topics', tx).map((r) => ({
      key: r.key,
      label: labelFor('topics', r, lang),
      active: r.active,
    })),
    languages: languages.map((l) => ({ key: l.code, label: l.name, lang: l.code, active: true })),
    lists: lists.listLists(tx).map((l) => ({ key: String(l.id), label: l.name, active: true })),
    statuses: subscriberStatuses.map((s) => ({ key: s, active: true })),
  };
}

export type RuleChoices = ReturnType<typeof ruleChoices>;
