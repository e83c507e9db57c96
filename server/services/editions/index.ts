import { transaction, type Db, type Tx } from '../../../db/client.js';
import { compileVariant, personalise } from '../../../emails/newsletter/index.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as editions from '../../../db/queries/editions.js';
import * as items from '../../../db/queries/items.js';
import * as reference from '../../../db/queries/reference.js';
import { seededIndicators } from '../../../db/seed.js';
import { isLanguage } from '../../i18n/index.js';
import { recommendLink } from '../sources/index.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { itemWarnings, type Item, type ItemWarning } from '../items/index.js';
import type { OrganisationService } from '../organisation/index.js';
import { MailOutbox } from '../mail-outbox/index.js';
import { hasProblems, type Problems } from '../reference/problems.js';
import {
  editionContent,
  organisationForMail,
  previewVariant,
  renderPreview,
  type EditionPreview,
  type PreviewRequest,
} from './preview.js';
import { eventLinks } from '../registrations/links.js';
import { listRevisions, recordRevision, type EditionRevision } from './revisions.js';
import {
  composeTestMail,
  TEST_SEND_LIMITS,
  testAddresses,
  type TestSendRequest,
} from './test-send.js';
import type { Check } from './checks.js';
import type { Edition, EditionStatus } from './types.js';
import {
  editionConflicts,
  editionWarnings,
  validateEdition,
  type EditionDraft,
  type EditionVocabulary,
  type EditionWarning,
} from './validate.js';

export type { EditionInput } from '../../../db/queries/editions.js';
export { checkText, type Check } from './checks.js';
export type { EditionPreview, PreviewRequest } from './preview.js';
export type { EditionRevision } from './revisions.js';
export { TEST_SEND_LIMITS, type TestSendRequest } from './test-send.js';
export * from './types.js';
export * from './validate.js';

/** An edition with its items in order, and what an editor should know about both. */
export interface EditionDetail extends Edition {
  items: (Item & { itemWarnings: ItemWarning[] })[];
  warnings: EditionWarning[];
}

/** An edition in a list: its texts and how many items it holds. */
export interface EditionSummary extends Edition {
  itemCount: number;
}

/** An edition in the public archive, with the languages its web version is shown in. */
export interface ArchivedEdition extends Edition {
  /** German first, then each translated language. */
  languages: string[];
}

export type ArchivePage =
  | { kind: 'page'; edition: ArchivedEdition; language: string; html: string; preheader: string }
  | { kind: 'moved'; slug: string }
  | { kind: 'missing' };

export type PreviewResult =
  | { kind: 'preview'; preview: EditionPreview }
  | { kind: 'missing' }
  | { kind: 'invalid'; errors: Problems };

export type EditionSaved =
  | { kind: 'saved'; edition: EditionDetail }
  | { kind: 'invalid'; errors: Problems }
  | { kind: 'conflict'; errors: Problems };

/** A change of some of an edition's properties; what is not given stays. */
export type EditionPatch = Partial<EditionDraft>;

/** Somebody else saved the edition after the form was loaded: nothing was changed. */
export interface EditionStale {
  kind: 'stale';
  /** Who saved last (name or e-mail), when known. */
  by: string | null;
  at: number;
}

export type EditionChanged = EditionSaved | EditionStale | { kind: 'missing' } | { kind: 'sent' };

/** Who has an edition open for editing (the soft lock), and whether it is the asker. */
export interface EditionLock {
  holder: string;
  since: number;
  mine: boolean;
}

/** A lock not renewed for this long is gone (the editor closed the page). */
export const LOCK_TTL_MS = 2 * 60_000;

export type TestSendResult =
  { kind: 'queued'; count: number } | { kind: 'missing' } | { kind: 'invalid'; errors: Problems };

export type PublishResult =
  | { kind: 'saved'; edition: EditionDetail }
  | { kind: 'blocked'; checks: Check[] }
  | { kind: 'missing' }
  | { kind: 'sent' };

/** One number of the series plan. */
export interface PlannedEdition {
  number: number;
  /** The edition's status, or 'planned' while there is no edition with this number. */
  status: EditionStatus;
  editionId: number | null;
  title: string | null;
  targetDate: string;
  /** Whether the date is the edition's own (true) or spread over the period (false). */
  dateSet: boolean;
}

export interface SeriesPlan {
  period: { from: string; to: string };
  target: number;
  editions: PlannedEdition[];
}

const DAY = 86_400_000;
const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`);
const dateOf = (at: number) => new Date(at).toISOString().slice(0, 10);

/**
 * The editions of the newsletter: numbered in the series, composed of items from the library
 * in sections, and planned against the indicators' target.
 */
export class EditionService {
  private readonly db: Db;
  private readonly config: ServiceContext['config'];
  private readonly organisation: OrganisationService;
  private readonly outbox: MailOutbox;

  constructor(
    ctx: Pick<ServiceContext, 'db' | 'config' | 'queues' | 'log'>,
    organisation: OrganisationService,
  ) {
    ({ db: this.db, config: this.config } = ctx);
    this.organisation = organisation;
    this.outbox = new MailOutbox(ctx);
  }

  find(id: number): EditionDetail | undefined {
    const edition = editions.findEdition(id, this.db);
    return edition && this.detail(edition, this.db);
  }

  /**
   * One variant of the edition as the sample recipient "Erika Mustermann" would get it (links
   * to `/u/preview` and `/p/preview`, never a real token), with the pre-send checks over every
   * variant the edition goes out in. The spam score takes a second: only the explicit check
   * asks for it.
   */
  async preview(
    id: number,
    request: PreviewRequest = {},
    opts: { spamScore?: boolean } = {},
  ): Promise<PreviewResult> {
    const edition = editions.findEdition(id, this.db);
    if (!edition) return { kind: 'missing' };
    const { variant, errors } = previewVariant(request, {
      regions: new Set(reference.listRegions(this.db).map((region) => region.key)),
      roles: new Set(reference.listRoles(this.db).map((role) => role.key)),
    });
    if (hasProblems(errors)) return { kind: 'invalid', errors };
    const items = editions.listEditionItems(id, this.db);
    const content = editionContent(edition, items, {
      recommendUrl: recommendLink(this.config.publicUrl, { editionId: edition.id }),
      eventLinks: eventLinks(items, this.config.publicUrl, { ed: edition.id }, this.db),
    });
    const org = organisationForMail(this.organisation.get(), this.config);
    const preview = await renderPreview(content, variant, org, opts);
    return { kind: 'preview', preview };
  }

  /** The sent editions kept in the public archive, newest number first. */
  archive(): ArchivedEdition[] {
    return editions
      .listEditions(this.db)
      .filter(archived)
      .reverse()
      .map((edition) => ({ ...edition, languages: languagesOf(edition) }));
  }

  /**
   * The web version of an archived edition (`<number>-<slug>`) in German or one of its
   * translations: everybody's view (no region, no role), greeting without a name, and the
   * unsubscribe and preferences links pointing at the public sign-up page — no token, no
   * tracking. A known number under an old slug is `moved`; an edition not sent, kept out of the
   * archive, or asked for in a language it has no translation for is `missing`.
   */
  async archivePage(numberSlug: string, language = 'de'): Promise<ArchivePage> {
    const number = /^([1-9][0-9]{0,8})(?:-|$)/.exec(numberSlug)?.[1];
    const found = number ? editions.findEditionByNumber(Number(number), this.db) : undefined;
    if (!found || !archived(found)) return { kind: 'missing' };
    if (found.slug !== numberSlug) return { kind: 'moved', slug: found.slug };
    const edition = { ...found, languages: languagesOf(found) };
    if (!edition.languages.includes(language)) return { kind: 'missing' };
    // The sign-up, recommendation and event links say they come from this edition's archive page.
    const signup = recommendLink(this.config.publicUrl, { editionId: edition.id, archive: true });
    const items = editions.listEditionItems(edition.id, this.db);
    const content = editionContent(edition, items, {
      recommendUrl: signup,
      eventLinks: eventLinks(
        items,
        this.config.publicUrl,
        { ed: edition.id, from: 'archive' },
        this.db,
      ),
    });
    const org = organisationForMail(this.organisation.get(), this.config);
    const compiled = await compileVariant(content, { language, region: null, role: null }, org);
    const { html } = personalise(compiled, { unsubscribeUrl: signup, preferencesUrl: signup });
    return { kind: 'page', edition, language, html, preheader: compiled.preheader };
  }

  /** In the order of the series. */
  list(): EditionSummary[] {
    const all = editions.listEditions(this.db);
    const counts = editions.countEditionItems(
      all.map((e) => e.id),
      this.db,
    );
    return all.map((e) => ({ ...e, itemCount: counts.get(e.id) ?? 0 }));
  }

  /** A new draft; without a number it takes the first one no edition holds. */
  create(draft: EditionDraft, actor: Actor): EditionSaved {
    return transaction(this.db, (tx) => {
      const number = draft.number ?? firstFreeNumber(editions.listNumbers(tx));
      const { input, errors } = validateEdition(
        { ...draft, number },
        this.vocabulary(tx, draft.items ?? [], []),
      );
      if (hasProblems(errors)) return refused(errors);
      const { items: itemIds, ...fields } = input;
      const edition = editions.createEdition(fields, userOf(actor), tx);
      editions.replaceEditionItems(edition.id, itemIds, tx);
      recordRevision(edition, itemIds, actor, { autosave: false, now: edition.updatedAt }, tx);
      recordAction(auditWho(actor), 'create', 'edition', edition.id, { ...input }, tx);
      return { kind: 'saved', edition: this.detail(edition, tx) };
    });
  }

  /**
   * Only the given properties change; the item list is replaced as a whole, in the given
   * order. The whole edition is checked again. A sent edition stays as it was sent. Every save
   * is kept as a revision (an autosave replaces the same editor's recent autosave). With
   * `basedOn` — the `updatedAt` the editor's form was loaded with — a save over somebody else's
   * newer save is refused as `stale` instead of overwriting it.
   */
  update(
    id: number,
    patch: EditionPatch,
    actor: Actor,
    opts: { autosave?: boolean; basedOn?: number } = {},
  ): EditionChanged {
    return transaction(this.db, (tx) => {
      const current = editions.findEdition(id, tx);
      if (!current) return { kind: 'missing' as const };
      if (current.status === 'sent') return { kind: 'sent' as const };
      if (opts.basedOn !== undefined && opts.basedOn !== current.updatedAt) {
        const by = editions.latestRevision(id, tx)?.savedByName ?? null;
        return { kind: 'stale' as const, by, at: current.updatedAt };
      }
      const currentItems = editions.listEditionItemIds(id, tx);
      const draft: EditionDraft = {
        number: current.number,
        title: current.title,
        subject: current.subject,
        preheader: current.preheader,
        intro: current.intro,
        targetDate: current.targetDate,
        inArchive: current.inArchive,
        items: currentItems,
        sections: current.sections,
        translations: current.translations,
      };
      for (const [key, value] of Object.entries(patch))
        if (value !== undefined) Object.assign(draft, { [key]: value });
      const { input, errors } = validateEdition(
        draft,
        this.vocabulary(tx, draft.items ?? [], currentItems, current.number),
      );
      if (hasProblems(errors)) return refused(errors);
      const { items: itemIds, ...fields } = input;
      editions.updateEdition(id, { ...fields, status: current.status }, userOf(actor), tx);
      if (patch.items !== undefined) editions.replaceEditionItems(id, itemIds, tx);
      const saved = editions.findEdition(id, tx)!;
      recordRevision(
        saved,
        editions.listEditionItemIds(id, tx),
        actor,
        { autosave: opts.autosave ?? false, now: saved.updatedAt },
        tx,
      );
      const changed = Object.keys(patch).filter(
        (k) => patch[k as keyof EditionPatch] !== undefined,
      );
      // Autosaves are kept in the revision history; the audit log names explicit saves only.
      if (!opts.autosave)
        recordAction(auditWho(actor), 'update', 'edition', id, { changed, ...input }, tx);
      return { kind: 'saved' as const, edition: this.detail(saved, tx) };
    });
  }

  /** The saved states of an edition, newest first; undefined for an unknown edition. */
  revisions(id: number): EditionRevision[] | undefined {
    if (!editions.findEdition(id, this.db)) return undefined;
    return listRevisions(id, this.db);
  }

  /**
   * Go back to a revision: its texts, sections, translations and items become the edition's
   * (a new revision, so the restore itself can be undone). Items deleted from the library since
   * are left out. A sent edition stays as it was sent.
   */
  restore(id: number, revision: number, actor: Actor): EditionChanged {
    const found = editions.findRevision(id, revision, this.db);
    if (!found) return { kind: 'missing' };
    const { snapshot } = found;
    const kept = new Set([
      ...items.existingItemIds(snapshot.items, this.db),
      ...editions.listEditionItemIds(id, this.db),
    ]);
    const result = this.update(
      id,
      { ...snapshot, items: snapshot.items.filter((itemId) => kept.has(itemId)) },
      actor,
    );
    if (result.kind === 'saved')
      recordAction(auditWho(actor), 'restore', 'edition', id, { revision }, this.db);
    return result;
  }

  /**
   * Take or renew the soft lock of an edition for a signed-in editor, and say who holds it: a
   * second editor sees who is editing since when (and may still edit — it is a warning, the
   * `basedOn` check keeps saves from overwriting each other). A lock not renewed for
   * LOCK_TTL_MS is free again.
   */
  lock(id: number, actor: Actor, now = Date.now()): EditionLock | undefined {
    if (actor.kind !== 'user') return undefined;
    return transaction(this.db, (tx) => {
      if (!editions.findEdition(id, tx)) return undefined;
      const held = editions.findLock(id, tx);
      const live = held && now - held.renewedAt < LOCK_TTL_MS;
      if (live && held.userId !== actor.userId)
        return { holder: held.name || held.email, since: held.since, mine: false };
      const since = live ? held.since : now;
      editions.saveLock({ editionId: id, userId: actor.userId, since, renewedAt: now }, tx);
      return { holder: actor.email, since, mine: true };
    });
  }

  /** Give the lock up (the editor left the page); only its holder can. */
  unlock(id: number, actor: Actor): void {
    if (actor.kind !== 'user') return;
    transaction(this.db, (tx) => editions.deleteLock(id, actor.userId, tx));
  }

  /**
   * Put an edition in the public archive without sending it (a web-only number), once the
   * pre-send check has no blocking problem. It stays a draft: it can still be sent later.
   */
  async publish(id: number, actor: Actor): Promise<PublishResult> {
    const edition = editions.findEdition(id, this.db);
    if (!edition) return { kind: 'missing' };
    if (edition.status === 'sent') return { kind: 'sent' };
    const result = await this.preview(id);
    if (result.kind !== 'preview') return { kind: 'missing' };
    const blocking = result.preview.checks.filter((check) => check.level === 'error');
    if (blocking.length) return { kind: 'blocked', checks: blocking };
    return transaction(this.db, (tx) => {
      const now = Date.now();
      editions.setPublished(id, now, tx);
      recordAction(auditWho(actor), 'publish', 'edition', id, undefined, tx);
      return { kind: 'saved' as const, edition: this.detail(editions.findEdition(id, tx)!, tx) };
    });
  }

  /** Take a published (not sent) edition out of the archive again. */
  unpublish(id: number, actor: Actor): PublishResult {
    return transaction(this.db, (tx) => {
      const edition = editions.findEdition(id, tx);
      if (!edition) return { kind: 'missing' as const };
      if (edition.status === 'sent') return { kind: 'sent' as const };
      if (edition.publishedAt !== null) {
        editions.setPublished(id, null, tx);
        recordAction(auditWho(actor), 'unpublish', 'edition', id, undefined, tx);
      }
      return { kind: 'saved' as const, edition: this.detail(editions.findEdition(id, tx)!, tx) };
    });
  }

  /**
   * Send the edition as it is now to one or more addresses (not necessarily subscribers), in
   * one variant, subject marked "[Test]". The mails are owed in the same transaction that
   * notes the test send and go out through the mail queue like every mail; when Redis is down
   * they are sent once it is back. At most TEST_SEND_LIMITS per request and per edition and hour.
   */
  async testSend(
    id: number,
    request: TestSendRequest,
    actor: Actor,
    now = Date.now(),
  ): Promise<TestSendResult> {
    if (!editions.findEdition(id, this.db)) return { kind: 'missing' };
    const { emails, errors } = testAddresses(request.emails);
    const { variant, errors: variantErrors } = previewVariant(request, {
      regions: new Set(reference.listRegions(this.db).map((region) => region.key)),
      roles: new Set(reference.listRoles(this.db).map((role) => role.key)),
    });
    Object.assign(errors, variantErrors);
    if (hasProblems(errors)) return { kind: 'invalid', errors };
    const owed = transaction(this.db, (tx) => {
      const recent = editions.countTestSendsSince(id, now - 3_600_000, tx);
      if (recent + emails.length > TEST_SEND_LIMITS.perHour) return undefined;
      const rows = editions.addTestSends(
        emails.map((email) => ({
          editionId: id,
          email,
          language: variant.language,
          region: variant.region,
          role: variant.role,
          requestedBy: userOf(actor),
          createdAt: now,
        })),
        tx,
      );
      recordAction(
        auditWho(actor),
        'test-send',
        'edition',
        id,
        { recipients: emails.length, ...variant },
        tx,
      );
      return this.outbox.owe(
        rows.map((row) => ({ name: 'edition-test' as const, testSendId: row.id })),
        tx,
        now,
      );
    });
    if (!owed) return { kind: 'invalid', errors: { emails: 'editions.errors.testThrottled' } };
    await this.outbox.send(owed);
    return { kind: 'queued', count: emails.length };
  }

  /** The test mail the mail worker sends for a test send; null when there is nothing to send. */
  composeTestMail(testSendId: number) {
    return composeTestMail(testSendId, {
      db: this.db,
      config: this.config,
      organisation: this.organisation,
    });
  }

  /**
   * The series as the indicators plan it: numbers 1 to the seeded target (`newsletters`),
   * and any edition beyond it, each with its state and target date. An edition's own date
   * wins; the others are spread evenly over the period, the last at its end.
   */
  plan(): SeriesPlan {
    const seeded = seededIndicators();
    const target = seeded.targets.find((t) => t.key === 'newsletters')?.target ?? 0;
    const { period } = seeded;
    const byNumber = new Map(editions.listEditions(this.db).map((e) => [e.number, e]));
    const last = Math.max(target, ...byNumber.keys());
    const from = dayOf(period.from);
    const span = dayOf(period.to) - from;
    const planned: PlannedEdition[] = [];
    for (let number = 1; number <= last; number++) {
      const edition = byNumber.get(number);
      const spread = dateOf(from + Math.round((span * number) / Math.max(target, 1) / DAY) * DAY);
      planned.push({
        number,
        status: edition?.status ?? 'planned',
        editionId: edition?.id ?? null,
        title: edition?.title ?? null,
        targetDate: edition?.targetDate ?? spread,
        dateSet: edition?.targetDate != null,
      });
    }
    return { period, target, editions: planned };
  }

  private detail(edition: Edition, tx: Tx): EditionDetail {
    const list = editions
      .listEditionItems(edition.id, tx)
      .map((item) => ({ ...item, itemWarnings: itemWarnings(item) }));
    return { ...edition, items: list, warnings: editionWarnings({ items: list }) };
  }

  /**
   * The items in the library and the numbers other editions hold; an edition being changed may
   * keep the items it already has (an item deleted from the library since does not block it).
   */
  private vocabulary(
    tx: Tx,
    given: readonly unknown[],
    current: readonly number[],
    ownNumber?: number,
  ): EditionVocabulary {
    const ids = given.filter(
      (id): id is number => typeof id === 'number' && Number.isSafeInteger(id),
    );
    const takenNumbers = new Set(editions.listNumbers(tx));
    if (ownNumber !== undefined) takenNumbers.delete(ownNumber);
    return {
      items: new Set([...items.existingItemIds(ids, tx), ...current]),
      takenNumbers,
    };
  }
}

/** Sent, or published without sending, and not kept out of the archive. */
const archived = (edition: Edition) =>
  edition.inArchive && (edition.status === 'sent' || edition.publishedAt !== null);

const languagesOf = (edition: Edition) => [
  'de',
  ...Object.keys(edition.translations)
    .filter((language) => language !== 'de' && isLanguage(language))
    .sort(),
];

function firstFreeNumber(taken: readonly number[]): number {
  const held = new Set(taken);
  let number = 1;
  while (held.has(number)) number++;
  return number;
}

const userOf = (actor: Actor) => (actor.kind === 'user' ? actor.userId : null);

/** Conflicts alone are a 409; any other problem makes the body wrong (400) and lists all. */
function refused(errors: Problems): { kind: 'invalid' | 'conflict'; errors: Problems } {
  const conflict = Object.values(errors).every((code) => editionConflicts.has(code));
  return { kind: conflict ? 'conflict' : 'invalid', errors };
}
