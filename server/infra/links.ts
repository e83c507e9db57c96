import { DAY_MS, PREFERENCES_LINK_DAYS, UNSUBSCRIBE_LINK_DAYS, type Secrets } from './security.js';

/**
 * A subscriber's signed unsubscribe link (of one list, or of everything): every mail that goes
 * to them carries one, whether the web process or a send worker on another host writes it.
 */
export function unsubscribeLink(
  secrets: Secrets,
  publicUrl: string,
  subscriberId: number,
  listId: number | null,
  now = Date.now(),
): string {
  const token = secrets.sign('unsubscribe', {
    s: subscriberId,
    ...(listId ? { l: listId } : {}),
    e: Math.floor((now + UNSUBSCRIBE_LINK_DAYS * DAY_MS) / 1000),
  });
  return `${publicUrl}/u/${token}`;
}

/** A subscriber's signed link to their preferences page. */
export function preferencesLink(
  secrets: Secrets,
  publicUrl: string,
  subscriberId: number,
  now = Date.now(),
): string {
  const token = secrets.sign('preferences', {
    s: subscriberId,
    e: Math.floor((now + PREFERENCES_LINK_DAYS * DAY_MS) / 1000),
  });
  return `${publicUrl}/p/${token}`;
}
