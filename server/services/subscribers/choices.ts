import type { Tx } from '../../../db/client.js';
import * as reference from '../../../db/queries/reference.js';
import * as admin from '../../../db/queries/subscriber-admin.js';
import { DEFAULT_LANGUAGE } from '../../i18n/index.js';
import type { ProfileChoices } from './profile.js';

/** What a stored profile may name: active regions, roles and topics, and every list. */
export function profileChoices(tx: Tx): ProfileChoices {
  return {
    regions: reference.listRegions(tx),
    roles: reference.listRoles(tx),
    topics: reference.listTopics(tx),
    lists: admin.allLists(tx),
  };
}

/**
 * A new person's language when none is chosen: the default language of their (first) list —
 * the default list when none is given — else the organisation's default language.
 */
export function defaultLanguageFor(listIds: readonly number[], tx: Tx): string {
  const listId = listIds[0] ?? reference.defaultList(tx).id;
  return reference.findList(listId, tx)?.defaultLanguage ?? DEFAULT_LANGUAGE;
}
