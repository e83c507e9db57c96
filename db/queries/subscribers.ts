import { and, asc, count, eq, inArray, isNull, lt, gt, ne } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  consentEvents,
  consentTexts,
  lists,
  subscriberRoles,
  subscribers,
  subscriberTokens,
  subscriberTopics,
  subscriptions,
  usedFormTokens,
  type ConsentEventKind,
} from '../schema.js';

export type Subscriber = typeof subscribers.$inferSelect;
export type ConsentEvent = typeof consentEvents.$inferSelect;
/** The columns naming where a sign-up came from. */
export type SourceColumns = Partial<
  Pick<
    Subscriber,
    | 'sourceKind'
    | 'sourceEditionId'
    | 'sourceCampaignId'
    | 'sourceEventId'
    | 'referredBy'
    | 'sourceCode'
  >
>;

/** Where a state change came from: kept in the consent log. */
export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
  source?: string | null;
  channel?: string | null;
}

export interface Profile {
  name: string;
  regionKey: string | null;
  roleKeys: string[];
  topicKeys: string[];
  language: string;
  trackingConsent: boolean;
}

export interface SubscriberWithProfile extends Subscriber {
  roleKeys: string[];
  topicKeys: string[];
  listIds: number[];
}

export function findByEmail(email: string, tx: Tx): Subscriber | undefined {
  return tx.select().from(subscribers).where(eq(subscribers.email, email)).get();
}

export function findById(id: number, tx: Tx): Subscriber | undefined {
  return tx.select().from(subscribers).where(eq(subscribers.id, id)).get();
}

export function withProfile(subscriber: Subscriber, tx: Tx): SubscriberWithProfile {
  return attachProfiles([subscriber], tx)[0]!;
}

/**
 * Several people with roles, topics and active lists, in the order of `ids` (unknown ids are
 * left out): four queries however many people.
 */
export function withProfiles(ids: number[], tx: Tx): SubscriberWithProfile[] {
  if (!ids.length) return [];
  const rows = tx.select().from(subscribers).where(inArray(subscribers.id, ids)).all();
  const byId = new Map(attachProfiles(rows, tx).map((s) => [s.id, s]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Roles, topics and active lists of the given people: one query each. */
function attachProfiles(people: Subscriber[], tx: Tx): SubscriberWithProfile[] {
  if (!people.length) return [];
  const ids = people.map((p) => p.id);
  const grouped = <V>(pairs: { id: number; value: V }[]) => {
    const map = new Map<number, V[]>();
    for (const { id, value } of pairs) {
      const values = map.get(id);
      if (values) values.push(value);
      else map.set(id, [value]);
    }
    return map;
  };
  const roles = grouped(
    tx
      .select({ id: subscriberRoles.subscriberId, value: subscriberRoles.roleKey })
      .from(subscriberRoles)
      .where(inArray(subscriberRoles.subscriberId, ids))
      .orderBy(asc(subscriberRoles.subscriberId), asc(subscriberRoles.roleKey))
      .all(),
  );
  const topics = grouped(
    tx
      .select({ id: subscriberTopics.subscriberId, value: subscriberTopics.topicKey })
      .from(subscriberTopics)
      .where(inArray(subscriberTopics.subscriberId, ids))
      .orderBy(asc(subscriberTopics.subscriberId), asc(subscriberTopics.topicKey))
      .all(),
  );
  const listIds = grouped(
    tx
      .select({ id: subscriptions.subscriberId, value: subscriptions.listId })
      .from(subscriptions)
      .where(
        and(
          inArray(subscriptions.subscriberId, ids),
          inArray(subscriptions.status, ['unconfirmed', 'confirmed']),
        ),
      )
      .orderBy(asc(subscriptions.subscriberId), asc(subscriptions.listId))
      .all(),
  );
  return people.map((p) => ({
    ...p,
    roleKeys: roles.get(p.id) ?? [],
    topicKeys: topics.get(p.id) ?? [],
    listIds: listIds.get(p.id) ?? [],
  }));
}

function setProfileLinks(
  id: number,
  profile: Pick<Profile, 'roleKeys' | 'topicKeys'>,
  tx: Tx,
): void {
  tx.delete(subscriberRoles).where(eq(subscriberRoles.subscriberId, id)).run();
  tx.delete(subscriberTopics).where(eq(subscriberTopics.subscriberId, id)).run();
  if (profile.roleKeys.length) {
    tx.insert(subscriberRoles)
      .values(profile.roleKeys.map((roleKey) => ({ subscriberId: id, roleKey })))
      .run();
  }
  if (profile.topicKeys.length) {
    tx.insert(subscriberTopics)
      .values(profile.topicKeys.map((topicKey) => ({ subscriberId: id, topicKey })))
      .run();
  }
}

export interface ConsentRecord {
  subscriberId: number;
  emailHash: string;
  kind: ConsentEventKind;
  meta?: RequestMeta;
  consentTextVersion?: string | null;
  templateVersion?: string | null;
  listIds?: number[] | null;
  details?: Record<string, unknown> | null;
  at?: number;
}

/** Write consent records; a list (e.g. an import batch) goes in a few multi-row statements. */
export function recordConsent(entries: ConsentRecord | ConsentRecord[], tx: Tx): void {
  const rows = (Array.isArray(entries) ? entries : [entries]).map((entry) => ({
    subscriberId: entry.subscriberId,
    emailHash: entry.emailHash,
    kind: entry.kind,
    at: entry.at ?? Date.now(),
    ip: entry.meta?.ip ?? null,
    userAgent: entry.meta?.userAgent?.slice(0, 500) ?? null,
    source: entry.meta?.source?.slice(0, 500) ?? null,
    channel: entry.meta?.channel ?? null,
    consentTextVersion: entry.consentTextVersion ?? null,
    templateVersion: entry.templateVersion ?? null,
    listIds: entry.listIds ?? null,
    details: entry.details ?? null,
  }));
  for (let i = 0; i < rows.length; i += 500)
    tx.insert(consentEvents)
      .values(rows.slice(i, i + 500))
      .run();
}

export function consentHistory(subscriberId: number, tx: Tx): ConsentEvent[] {
  return tx
    .select()
    .from(consentEvents)
    .where(eq(consentEvents.subscriberId, subscriberId))
    .orderBy(asc(consentEvents.at), asc(consentEvents.id))
    .all();
}

export type SignUpOutcome =
  | { kind: 'confirmation'; subscriber: Subscriber }
  | { kind: 'already-confirmed'; subscriber: Subscriber }
  | { kind: 'cooldown'; subscriber: Subscriber }
  | { kind: 'blocked'; subscriber: Subscriber };

/**
 * Record a sign-up. A new or still unconfirmed address gets (or refreshes) its unconfirmed
 * profile and a consent record; confirmed and blocked addresses keep what they have. The
 * caller answers the same in every case and decides which mail (if any) goes out.
 */
export function signUp(
  input: {
    email: string;
    emailHash: string;
    profile: Profile;
    listIds: number[];
    /** The consent wording's version (null: consent was given elsewhere, e.g. on paper). */
    consentTextVersion: string | null;
    /** Language of the consent wording the person saw. */
    consentLanguage: string | null;
    /** More about where the consent came from (paper: event, date, who entered it). */
    details?: Record<string, unknown>;
    meta: RequestMeta;
    /** Where the sign-up came from; kept from the first sign-up, never overwritten. */
    sourceColumns?: SourceColumns;
    cooldownMs: number;
    now?: number;
  },
  tx: Tx,
): SignUpOutcome {
  const now = input.now ?? Date.now();
  const existing = findByEmail(input.email, tx);
  const inCooldown = (s: Subscriber) =>
    s.lastConfirmationAt !== null && now - s.lastConfirmationAt < input.cooldownMs;
  if (existing?.status === 'blocked') return { kind: 'blocked', subscriber: existing };
  if (existing?.status === 'confirmed') {
    return { kind: inCooldown(existing) ? 'cooldown' : 'already-confirmed', subscriber: existing };
  }
  let subscriber: Subscriber;
  const { roleKeys, topicKeys, ...fields } = input.profile;
  if (existing) {
    subscriber = tx
      .update(subscribers)
      // A fresh sign-up restarts the retention period of an unconfirmed one.
      .set({
        ...fields,
        status: 'unconfirmed',
        source: input.meta.source ?? '',
        createdAt: now,
        updatedAt: now,
      })
      .where(eq(subscribers.id, existing.id))
      .returning()
      .get();
  } else {
    subscriber = tx
      .insert(subscribers)
      .values({
        ...fields,
        ...input.sourceColumns,
        email: input.email,
        status: 'unconfirmed',
        source: input.meta.source ?? '',
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
  }
  setProfileLinks(subscriber.id, { roleKeys, topicKeys }, tx);
  for (const listId of input.listIds) {
    tx.insert(subscriptions)
      .values({ subscriberId: subscriber.id, listId, status: 'unconfirmed', createdAt: now })
      .onConflictDoUpdate({
        target: [subscriptions.subscriberId, subscriptions.listId],
        set: { status: 'unconfirmed', unsubscribedAt: null },
      })
      .run();
  }
  recordConsent(
    {
      subscriberId: subscriber.id,
      emailHash: input.emailHash,
      kind: 'signup',
      meta: input.meta,
      consentTextVersion: input.consentTextVersion,
      listIds: input.listIds,
      details: {
        ...input.details,
        consentLanguage: input.consentLanguage,
        regionKey: fields.regionKey,
        roleKeys,
        topicKeys,
        language: fields.language,
        trackingConsent: fields.trackingConsent,
      },
      at: now,
    },
    tx,
  );
  if (fields.trackingConsent) {
    recordConsent(
      {
        subscriberId: subscriber.id,
        emailHash: input.emailHash,
        kind: 'tracking_granted',
        meta: input.meta,
        at: now,
      },
      tx,
    );
  }
  return inCooldown(subscriber)
    ? { kind: 'cooldown', subscriber }
    : { kind: 'confirmation', subscriber };
}

/** Claim the right to send a confirmation-type mail now (at most one per cool-down). */
export function claimConfirmationSlot(
  id: number,
  cooldownMs: number,
  now: number,
  tx: Tx,
): boolean {
  const claimed = tx
    .update(subscribers)
    .set({ lastConfirmationAt: now })
    .where(
      and(
        eq(subscribers.id, id),
        // either never sent, or the last one is older than the cool-down
        isNull(subscribers.lastConfirmationAt),
      ),
    )
    .returning({ id: subscribers.id })
    .all();
  if (claimed.length) return true;
  const again = tx
    .update(subscribers)
    .set({ lastConfirmationAt: now })
    .where(and(eq(subscribers.id, id), lt(subscribers.lastConfirmationAt, now - cooldownMs)))
    .returning({ id: subscribers.id })
    .all();
  return again.length > 0;
}

export function createToken(
  subscriberId: number,
  purpose: 'confirm',
  tokenHash: string,
  expiresAt: number,
  tx: Tx,
): void {
  tx.insert(subscriberTokens).values({ subscriberId, purpose, tokenHash, expiresAt }).run();
}

/**
 * What a confirmation token stands for before it expires: `open` (it confirms its unconfirmed
 * subscriber), `used` (its subscriber is confirmed, by this link or another of theirs), or
 * undefined (unknown, expired, blocked, or used by somebody no longer confirmed).
 */
export function confirmTokenState(
  tokenHash: string,
  now: number,
  tx: Tx,
): { state: 'open' | 'used'; tokenId: number; subscriber: Subscriber } | undefined {
  const row = tx
    .select({
      tokenId: subscriberTokens.id,
      usedAt: subscriberTokens.usedAt,
      subscriber: subscribers,
    })
    .from(subscriberTokens)
    .innerJoin(subscribers, eq(subscribers.id, subscriberTokens.subscriberId))
    .where(
      and(
        eq(subscriberTokens.tokenHash, tokenHash),
        eq(subscriberTokens.purpose, 'confirm'),
        // A blocked person is never confirmed, whatever link they still hold.
        ne(subscribers.status, 'blocked'),
        gt(subscriberTokens.expiresAt, now),
      ),
    )
    .get();
  if (!row) return undefined;
  const { tokenId, subscriber } = row;
  if (subscriber.status === 'confirmed') return { state: 'used', tokenId, subscriber };
  if (row.usedAt === null) return { state: 'open', tokenId, subscriber };
  return undefined;
}

/** Confirm with a token: works once, only before it expires, only while unconfirmed. */
export function confirm(
  input: {
    tokenHash: string;
    emailHash: (email: string) => string;
    meta: RequestMeta;
    now?: number;
  },
  tx: Tx,
): Subscriber | undefined {
  const now = input.now ?? Date.now();
  const found = confirmTokenState(input.tokenHash, now, tx);
  if (found?.state !== 'open') return undefined;
  const used = tx
    .update(subscriberTokens)
    .set({ usedAt: now })
    .where(and(eq(subscriberTokens.id, found.tokenId), isNull(subscriberTokens.usedAt)))
    .returning({ id: subscriberTokens.id })
    .all();
  if (!used.length) return undefined;
  const subscriber = tx
    .update(subscribers)
    .set({ status: 'confirmed', confirmedAt: now, updatedAt: now })
    .where(eq(subscribers.id, found.subscriber.id))
    .returning()
    .get();
  const confirmedLists = tx
    .update(subscriptions)
    .set({ status: 'confirmed', confirmedAt: now })
    .where(
      and(eq(subscriptions.subscriberId, subscriber.id), eq(subscriptions.status, 'unconfirmed')),
    )
    .returning({ listId: subscriptions.listId })
    .all();
  // Every other open confirmation link of this person stops working.
  tx.update(subscriberTokens)
    .set({ usedAt: now })
    .where(and(eq(subscriberTokens.subscriberId, subscriber.id), isNull(subscriberTokens.usedAt)))
    .run();
  recordConsent(
    {
      subscriberId: subscriber.id,
      emailHash: input.emailHash(subscriber.email),
      kind: 'confirmed',
      meta: input.meta,
      listIds: confirmedLists.map((l) => l.listId),
      at: now,
    },
    tx,
  );
  return subscriber;
}

/**
 * Confirm without a link: for lists whose double opt-in an admin switched off (channel
 * `single-opt-in`), or for consent given on paper (channel `paper`). The consent log says so.
 */
export function confirmWithoutLink(
  input: {
    subscriberId: number;
    emailHash: string;
    meta: RequestMeta;
    /** How the consent was given: `single-opt-in` (default) or `paper`. */
    channel?: string;
    details?: Record<string, unknown>;
    now?: number;
  },
  tx: Tx,
): void {
  const now = input.now ?? Date.now();
  tx.update(subscribers)
    .set({ status: 'confirmed', confirmedAt: now, updatedAt: now })
    .where(eq(subscribers.id, input.subscriberId))
    .run();
  const lists = tx
    .update(subscriptions)
    .set({ status: 'confirmed', confirmedAt: now })
    .where(
      and(
        eq(subscriptions.subscriberId, input.subscriberId),
        eq(subscriptions.status, 'unconfirmed'),
      ),
    )
    .returning({ listId: subscriptions.listId })
    .all();
  recordConsent(
    {
      subscriberId: input.subscriberId,
      emailHash: input.emailHash,
      kind: 'confirmed',
      meta: { ...input.meta, channel: input.channel ?? 'single-opt-in' },
      listIds: lists.map((l) => l.listId),
      details: input.details ?? null,
      at: now,
    },
    tx,
  );
}

/**
 * Unsubscribe from one list (or all when listId is null). When no subscription is left the
 * person's newsletter data is erased; the consent log keeps the proof under the hashed address.
 */
export function unsubscribe(
  input: {
    subscriberId: number;
    listId: number | null;
    emailHash: string;
    meta: RequestMeta;
    now?: number;
  },
  tx: Tx,
): { erased: boolean } {
  const now = input.now ?? Date.now();
  const subscriber = findById(input.subscriberId, tx);
  if (!subscriber) return { erased: true };
  const where =
    input.listId === null
      ? eq(subscriptions.subscriberId, subscriber.id)
      : and(eq(subscriptions.subscriberId, subscriber.id), eq(subscriptions.listId, input.listId));
  const changed = tx
    .update(subscriptions)
    .set({ status: 'unsubscribed', unsubscribedAt: now })
    .where(and(where, inArray(subscriptions.status, ['unconfirmed', 'confirmed'])))
    .returning({ listId: subscriptions.listId })
    .all();
  recordConsent(
    {
      subscriberId: subscriber.id,
      emailHash: input.emailHash,
      kind: 'unsubscribed',
      meta: input.meta,
      listIds: changed.map((c) => c.listId),
      at: now,
    },
    tx,
  );
  const remaining = withProfile(subscriber, tx).listIds.length;
  if (remaining === 0 && subscriber.status !== 'blocked') {
    tx.delete(subscribers).where(eq(subscribers.id, subscriber.id)).run();
    return { erased: true };
  }
  return { erased: false };
}

/** Change the profile; every change is recorded, tracking consent separately. */
export function updateProfile(
  input: {
    subscriberId: number;
    emailHash: string;
    profile: Profile;
    meta: RequestMeta;
    now?: number;
  },
  tx: Tx,
): SubscriberWithProfile | undefined {
  const now = input.now ?? Date.now();
  const before = findById(input.subscriberId, tx);
  if (!before) return undefined;
  const beforeFull = withProfile(before, tx);
  const { roleKeys, topicKeys, ...fields } = input.profile;
  tx.update(subscribers)
    .set({ ...fields, updatedAt: now })
    .where(eq(subscribers.id, before.id))
    .run();
  setProfileLinks(before.id, { roleKeys, topicKeys }, tx);
  const changes: Record<string, unknown> = {};
  if (before.name !== fields.name) changes.name = true;
  if (before.regionKey !== fields.regionKey) changes.regionKey = fields.regionKey;
  if (before.language !== fields.language) changes.language = fields.language;
  if (beforeFull.roleKeys.slice().sort().join() !== roleKeys.slice().sort().join())
    changes.roleKeys = roleKeys;
  if (beforeFull.topicKeys.slice().sort().join() !== topicKeys.slice().sort().join())
    changes.topicKeys = topicKeys;
  if (Object.keys(changes).length) {
    recordConsent(
      {
        subscriberId: before.id,
        emailHash: input.emailHash,
        kind: 'preferences_changed',
        meta: input.meta,
        details: changes,
        at: now,
      },
      tx,
    );
  }
  if (before.trackingConsent !== fields.trackingConsent) {
    recordConsent(
      {
        subscriberId: before.id,
        emailHash: input.emailHash,
        kind: fields.trackingConsent ? 'tracking_granted' : 'tracking_withdrawn',
        meta: input.meta,
        at: now,
      },
      tx,
    );
  }
  return withProfile(findById(before.id, tx)!, tx);
}

/** Erase a person: a last consent record, then the subscriber row and everything hanging on it. */
export function erase(
  input: { subscriberId: number; emailHash: string; meta: RequestMeta; now?: number },
  tx: Tx,
): boolean {
  const subscriber = findById(input.subscriberId, tx);
  if (!subscriber) return false;
  recordConsent(
    {
      subscriberId: subscriber.id,
      emailHash: input.emailHash,
      kind: 'erased',
      meta: input.meta,
      at: input.now ?? Date.now(),
    },
    tx,
  );
  tx.delete(subscribers).where(eq(subscribers.id, subscriber.id)).run();
  return true;
}

/** Everything stored about one person, for the JSON download and the API. */
export function exportData(subscriberId: number, tx: Tx) {
  const subscriber = findById(subscriberId, tx);
  if (!subscriber) return undefined;
  const full = withProfile(subscriber, tx);
  const subs = tx
    .select({
      listId: subscriptions.listId,
      list: lists.name,
      status: subscriptions.status,
      createdAt: subscriptions.createdAt,
      confirmedAt: subscriptions.confirmedAt,
      unsubscribedAt: subscriptions.unsubscribedAt,
    })
    .from(subscriptions)
    .innerJoin(lists, eq(lists.id, subscriptions.listId))
    .where(eq(subscriptions.subscriberId, subscriber.id))
    .all();
  const history = consentHistory(subscriber.id, tx);
  const versions = [
    ...new Set(history.map((h) => h.consentTextVersion).filter((v): v is string => !!v)),
  ];
  const texts = versions.length
    ? tx.select().from(consentTexts).where(inArray(consentTexts.version, versions)).all()
    : [];
  return {
    subscriber: {
      id: full.id,
      email: full.email,
      name: full.name,
      regionKey: full.regionKey,
      roleKeys: full.roleKeys,
      topicKeys: full.topicKeys,
      language: full.language,
      status: full.status,
      trackingConsent: full.trackingConsent,
      source: full.source,
      createdAt: full.createdAt,
      confirmedAt: full.confirmedAt,
    },
    subscriptions: subs,
    consent: history,
    // The wording each consent record refers to, in the language the form was shown in.
    consentTexts: texts.filter((t) =>
      history.some(
        (h) =>
          h.consentTextVersion === t.version &&
          (h.details?.consentLanguage ?? full.language) === t.language,
      ),
    ),
  };
}

/**
 * Use up the nonce of a sign-up form's token: false when it was used before. Nonces of expired
 * tokens are forgotten on the way (such tokens are refused by their age).
 */
export function useFormNonce(nonce: string, expiresAt: number, now: number, tx: Tx): boolean {
  tx.delete(usedFormTokens).where(lt(usedFormTokens.expiresAt, now)).run();
  const used = tx
    .insert(usedFormTokens)
    .values({ nonce, expiresAt })
    .onConflictDoNothing()
    .returning({ nonce: usedFormTokens.nonce })
    .all();
  return used.length > 0;
}

/** Delete sign-ups that were never confirmed and are older than the cut-off. */
export function purgeUnconfirmed(olderThan: number, tx: Tx): number {
  const stale = tx
    .select({ id: subscribers.id })
    .from(subscribers)
    .where(and(eq(subscribers.status, 'unconfirmed'), lt(subscribers.createdAt, olderThan)))
    .all()
    .map((r) => r.id);
  if (!stale.length) return 0;
  for (let i = 0; i < stale.length; i += 500) {
    const chunk = stale.slice(i, i + 500);
    tx.delete(subscribers).where(inArray(subscribers.id, chunk)).run();
    // Their sign-up records (IP, time) go too: there was never a consent to prove.
    tx.delete(consentEvents).where(inArray(consentEvents.subscriberId, chunk)).run();
  }
  return stale.length;
}

/** How many subscribers there are in each status (dashboard). */
export function subscriberCounts(tx: Tx): Record<string, number> {
  const rows = tx
    .select({ status: subscribers.status, n: count() })
    .from(subscribers)
    .groupBy(subscribers.status)
    .all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
