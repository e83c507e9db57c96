import type { Tx } from '../../../db/client.js';
import * as editions from '../../../db/queries/editions.js';
import type { EditionSnapshot } from '../../../db/schema.js';
import type { Actor } from '../context.js';
import type { Edition } from './types.js';

export type { EditionSnapshot } from '../../../db/schema.js';

/** One saved state of an edition, as the revision history lists it. */
export interface EditionRevision {
  number: number;
  savedAt: number;
  /** The user's name or e-mail, or the API token's name; null when unknown. */
  savedBy: string | null;
  autosave: boolean;
  title: string;
  subject: string;
  itemCount: number;
}

/** An autosave replaces the same editor's autosave when it is this recent. */
export const AUTOSAVE_MERGE_MS = 10 * 60_000;

/** Who saved, as the history and a "changed meanwhile" notice show it. */
export function actorName(actor: Actor): string | null {
  switch (actor.kind) {
    case 'user':
      return actor.email;
    case 'api-token':
      return `API: ${actor.name}`;
    case 'cli':
      return 'CLI';
    default:
      return null;
  }
}

export function snapshotOf(edition: Edition, items: number[]): EditionSnapshot {
  return {
    number: edition.number,
    title: edition.title,
    subject: edition.subject,
    preheader: edition.preheader,
    intro: edition.intro,
    targetDate: edition.targetDate,
    inArchive: edition.inArchive,
    sections: edition.sections,
    translations: edition.translations,
    items,
  };
}

/**
 * Keep the edition's state as a new revision. An autosave right after the same editor's
 * autosave (within AUTOSAVE_MERGE_MS) replaces it, so typing does not bury the history.
 */
export function recordRevision(
  edition: Edition,
  items: number[],
  actor: Actor,
  opts: { autosave: boolean; now: number },
  tx: Tx,
): void {
  const snapshot = snapshotOf(edition, items);
  const savedBy = actor.kind === 'user' ? actor.userId : null;
  const latest = editions.latestRevision(edition.id, tx);
  if (
    opts.autosave &&
    latest?.autosave &&
    savedBy !== null &&
    latest.savedBy === savedBy &&
    opts.now - latest.savedAt < AUTOSAVE_MERGE_MS
  ) {
    editions.replaceRevision(latest.id, snapshot, opts.now, tx);
    return;
  }
  editions.addRevision(
    {
      editionId: edition.id,
      number: (latest?.number ?? 0) + 1,
      snapshot,
      autosave: opts.autosave,
      savedBy,
      savedByName: actorName(actor),
      savedAt: opts.now,
    },
    tx,
  );
}

export function listRevisions(editionId: number, tx: Tx): EditionRevision[] {
  return editions.listRevisions(editionId, tx).map((row) => ({
    number: row.number,
    savedAt: row.savedAt,
    savedBy: row.savedByName,
    autosave: row.autosave,
    title: row.snapshot.title,
    subject: row.snapshot.subject,
    itemCount: row.snapshot.items.length,
  }));
}
