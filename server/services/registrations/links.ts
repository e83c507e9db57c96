import type { Tx } from '../../../db/client.js';
import { findEvent } from '../../../db/queries/events.js';
import type { Item } from '../items/types.js';

/**
 * The registration page of each event the items point to (`fields.event`), with the query that
 * tells where the person came from: `{ ed, cp }` for a newsletter, `{ ed, from: 'archive' }`
 * for the archive's web version. Events that are gone are left out (the item's own link stays).
 */
export function eventLinks(
  items: readonly Item[],
  publicUrl: string,
  source: Record<string, string | number>,
  tx: Tx,
): Record<string, string> {
  const query = new URLSearchParams(
    Object.entries(source).map(([key, value]): [string, string] => [key, String(value)]),
  ).toString();
  const links: Record<string, string> = {};
  for (const item of items) {
    const id = (item.fields as Record<string, string | undefined>).event;
    if (!id || id in links || !/^[1-9]\d{0,11}$/.test(id)) continue;
    const event = findEvent(Number(id), tx);
    if (event)
      links[id] =
        `${publicUrl}/events/${encodeURIComponent(event.slug)}${query ? `?${query}` : ''}`;
  }
  return links;
}
