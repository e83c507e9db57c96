import type { SourceKind } from '../../../db/schema.js';
import { DAY_MS, type Secrets } from '../../infra/security.js';

export { sourceKinds, type SourceKind } from '../../../db/schema.js';

/**
 * Where a sign-up or an event registration came from, as the query string of the page it was
 * made on tells. Links Landpost writes carry it:
 *
 * - `?ed=<edition id>&cp=<campaign id>`: a link in a newsletter edition (kind `edition`)
 * - `?ed=<edition id>&from=archive`: a link on the edition's archive page (kind `archive`)
 * - `?ev=<event id>`: a link on an event's page (kind `event`)
 * - `?ref=<token>`: a colleague's personal recommendation link (kind `referral`); the token is
 *   signed and names the recommending subscriber
 * - `?src=<code>`: a campaign code, e.g. printed on a flyer (kind `code`)
 * - `?who=<token>`: the reader themself, signed; the click redirect adds it to links to our
 *   own pages only for subscribers who gave tracking consent, so that a registration can be
 *   attributed to them
 *
 * Anything unreadable (a tampered token, a letter where an id belongs) is dropped, never an
 * error: the person still signs up, just without a source.
 */
export interface Source {
  kind: SourceKind;
  editionId: number | null;
  campaignId: number | null;
  eventId: number | null;
  /** The subscriber whose recommendation link it was. */
  referredBy: number | null;
  /** The campaign code (`?src=`), lower-cased. */
  code: string | null;
  /** The reader themself, from a signed `who` (only with their tracking consent). */
  subscriberId: number | null;
}

export const DIRECT_SOURCE: Source = {
  kind: 'direct',
  editionId: null,
  campaignId: null,
  eventId: null,
  referredBy: null,
  code: null,
  subscriberId: null,
};

/** The query parameters a source is read from; forms carry them on as hidden fields. */
export const SOURCE_PARAMS = ['ed', 'cp', 'from', 'ev', 'ref', 'src', 'who'] as const;

/** Recommendation and attribution links live in mails that people keep: two years. */
export const SOURCE_LINK_DAYS = 730;

const CODE = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const ID = /^[1-9][0-9]{0,11}$/;

function param(query: unknown, name: string): string | undefined {
  if (!query || typeof query !== 'object') return undefined;
  const value = (query as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : undefined;
}

function id(query: unknown, name: string): number | null {
  const value = param(query, name);
  return value !== undefined && ID.test(value) ? Number(value) : null;
}

/**
 * Whether a source names the campaign it came in: a link in a newsletter mail does, and so does
 * a recommendation link from one. The campaign's sign-ups are the people its mails brought,
 * through the reader's colleague or not.
 */
const namesCampaign = (source: Source) =>
  source.kind === 'edition' || (source.kind === 'referral' && source.editionId !== null);

/**
 * The source a page's query string (or a form's hidden fields) names. The strongest wins: a
 * recommendation, then an edition (or its archive page), an event, a campaign code.
 */
export function readSource(secrets: Secrets, query: unknown, now = Date.now()): Source {
  const source: Source = { ...DIRECT_SOURCE };
  const who = param(query, 'who');
  if (who) source.subscriberId = secrets.verify('attribution', who, now)?.s || null;
  const editionId = id(query, 'ed');
  const eventId = id(query, 'ev');
  const rawCode = param(query, 'src')?.trim().toLowerCase();
  const code = rawCode && CODE.test(rawCode) ? rawCode : null;
  const ref = param(query, 'ref');
  const referredBy = ref ? secrets.verify('referral', ref, now)?.s || null : null;
  source.editionId = editionId;
  source.eventId = eventId;
  source.code = code;
  if (referredBy) {
    source.kind = 'referral';
    source.referredBy = referredBy;
  } else if (editionId) {
    source.kind = param(query, 'from') === 'archive' ? 'archive' : 'edition';
  } else if (eventId) {
    source.kind = 'event';
  } else if (code) {
    source.kind = 'code';
  }
  if (namesCampaign(source)) source.campaignId = id(query, 'cp');
  return source;
}

/** The query parameters that carry a source on (hidden form fields, the next link). */
export function sourceParams(
  source: Source,
  secrets: Secrets,
  now = Date.now(),
): Record<string, string> {
  const out: Record<string, string> = {};
  if (source.editionId) out.ed = String(source.editionId);
  if (source.campaignId) out.cp = String(source.campaignId);
  if (source.kind === 'archive') out.from = 'archive';
  if (source.eventId) out.ev = String(source.eventId);
  if (source.referredBy) out.ref = referralToken(secrets, source.referredBy, now);
  if (source.code) out.src = source.code;
  if (source.subscriberId) out.who = attributionToken(secrets, source.subscriberId, now);
  return out;
}

function linkClaims(subscriberId: number, now: number) {
  return { s: subscriberId, e: Math.floor((now + SOURCE_LINK_DAYS * DAY_MS) / 1000) };
}

/** The signed `ref` of a subscriber's personal "recommend to a colleague" link. */
export function referralToken(secrets: Secrets, subscriberId: number, now = Date.now()): string {
  return secrets.sign('referral', linkClaims(subscriberId, now));
}

/** The signed `who` that attributes a visit to a consenting subscriber. */
export function attributionToken(secrets: Secrets, subscriberId: number, now = Date.now()): string {
  return secrets.sign('attribution', linkClaims(subscriberId, now));
}

/** The columns a source fills in a subscriber or registration row. */
export function sourceColumns(source: Source) {
  return {
    sourceKind: source.kind,
    sourceEditionId: source.editionId,
    sourceCampaignId: source.campaignId,
    referredBy: source.referredBy,
    sourceCode: source.code,
  };
}

/** Lookups telling whether the rows a source names (still) exist. */
export interface SourceRows {
  edition(id: number): boolean;
  campaign(id: number): boolean;
  event(id: number): boolean;
  subscriber(id: number): boolean;
}

/**
 * The source without the rows that do not exist (a hand-made `?ed=99`, a recommending person
 * erased since), its kind read again from what is left, in the order `readSource` uses.
 */
export function knownSource(source: Source, rows: SourceRows): Source {
  const known = (id: number | null, exists: (id: number) => boolean) =>
    id !== null && exists(id) ? id : null;
  const editionId = known(source.editionId, (id) => rows.edition(id));
  const referredBy = known(source.referredBy, (id) => rows.subscriber(id));
  const eventId = known(source.eventId, (id) => rows.event(id));
  const out: Source = {
    ...source,
    editionId,
    campaignId: editionId ? known(source.campaignId, (id) => rows.campaign(id)) : null,
    eventId,
    referredBy,
    subscriberId: known(source.subscriberId, (id) => rows.subscriber(id)),
  };
  if (referredBy) out.kind = 'referral';
  else if (editionId) out.kind = source.kind === 'archive' ? 'archive' : 'edition';
  else if (eventId) out.kind = 'event';
  else if (out.code) out.kind = 'code';
  else out.kind = 'direct';
  if (!namesCampaign(out)) out.campaignId = null;
  return out;
}

/** What the consent log keeps of a source: its kind and the values it has. */
export function sourceDetails(source: Source): Record<string, string | number> {
  const out: Record<string, string | number> = { kind: source.kind };
  if (source.editionId) out.editionId = source.editionId;
  if (source.campaignId) out.campaignId = source.campaignId;
  if (source.eventId) out.eventId = source.eventId;
  if (source.referredBy) out.referredBy = source.referredBy;
  if (source.code) out.code = source.code;
  return out;
}

/** A stored source as the admin pages show it, with the names of the rows it points to. */
export interface SourceOrigin {
  kind: SourceKind;
  edition: { id: number; number: number; title: string } | null;
  event: { id: number; title: string } | null;
  /** The recommending person; `erased` when they have been erased since. */
  referrer: { id: number; name: string } | 'erased' | null;
  code: string | null;
}

/**
 * The source an API client names for a sign-up it passes on (e.g. from a partner's form):
 * `direct`, or `code` with a campaign code; undefined when the code is not one.
 */
export function apiSource(input: { kind: 'direct' | 'code'; code?: string }): Source | undefined {
  if (input.kind === 'direct') return { ...DIRECT_SOURCE };
  const code = input.code?.trim().toLowerCase();
  return code && CODE.test(code) ? { ...DIRECT_SOURCE, kind: 'code', code } : undefined;
}

/**
 * The "recommend to a colleague" link of an edition: to the sign-up form, naming the edition
 * and, in a sent newsletter, its campaign. `recommend=1` asks the click redirect to make it
 * the reader's personal recommendation link (only with their tracking consent); the sign-up
 * page itself ignores it. The archive's link says it is the archive (the archive never tracks).
 */
export function recommendLink(
  publicUrl: string,
  edition: { editionId: number; campaignId?: number; archive?: boolean },
): string {
  const query = new URLSearchParams({ ed: String(edition.editionId) });
  if (edition.archive) query.set('from', 'archive');
  else {
    if (edition.campaignId) query.set('cp', String(edition.campaignId));
    query.set('recommend', '1');
  }
  return `${publicUrl}/signup?${query.toString()}`;
}
