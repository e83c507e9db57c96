import type { Tx } from '../../../db/client.js';
import * as reference from '../../../db/queries/reference.js';
import { DEFAULT_LANGUAGE, hasKey, translator } from '../../i18n/index.js';

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
