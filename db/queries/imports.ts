import { and, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  imports,
  subscriberRoles,
  subscribers,
  subscriberTopics,
  subscriptions,
  type ImportCounts,
  type ImportOptions,
  type importStatuses,
} from '../schema.js';
import { claimConfirmationSlot, recordConsent, type ConsentRecord } from './subscribers.js';

export {
  importFields,
  type CsvDelimiter,
  type CsvEncoding,
  type ImportCounts,
  type ImportField,
  type ImportOptions,
  type ImportProblem,
  type ImportReport,
  type ProblemKind,
} from '../schema.js';

export type Import = typeof imports.$inferSelect;
export type ImportStatus = (typeof importStatuses)[number];

export function createImport(
  input: {
    fileName: string;
    filePath: string;
    options: ImportOptions;
    totalRows: number;
    createdBy: number | null;
  },
  tx: Tx,
): Import {
  return tx.insert(imports).values(input).returning().get();
}

export function findImport(id: number, tx: Tx): Import | undefined {
  return tx.select().from(imports).where(eq(imports.id, id)).get();
}

export function listImports(limit: number, tx: Tx): Import[] {
  return tx.select().from(imports).orderBy(desc(imports.id)).limit(limit).all();
}

export function updateImport(
  id: number,
  changes: Partial<
    Pick<
      Import,
      | 'status'
      | 'filePath'
      | 'options'
      | 'report'
      | 'totalRows'
      | 'processedRows'
      | 'finishedAt'
      | 'error'
    >
  >,
  tx: Tx,
): void {
  tx.update(imports).set(changes).where(eq(imports.id, id)).run();
}

/** Imports not running, older than the cut-off, whose uploaded file is still on disk. */
export function staleImports(olderThan: number, tx: Tx): Import[] {
  return tx
    .select()
    .from(imports)
    .where(
      and(
        ne(imports.status, 'running'),
        lt(imports.createdAt, olderThan),
        ne(imports.filePath, ''),
      ),
    )
    .all();
}

/** Move an import from one of `from` to `to`; false when somebody else moved it first. */
export function transitionImport(
  id: number,
  from: ImportStatus[],
  changes: Partial<Pick<Import, 'status' | 'options' | 'error' | 'finishedAt'>> & {
    status: ImportStatus;
  },
  tx: Tx,
): boolean {
  const moved = tx
    .update(imports)
    .set(changes)
    .where(and(eq(imports.id, id), inArray(imports.status, from)))
    .returning({ id: imports.id })
    .all();
  return moved.length > 0;
}

const CHUNK = 500;

/** Which of these (normalised) addresses are already subscribers. */
export function existingEmails(emails: string[], tx: Tx): Set<string> {
  const found = new Set<string>();
  for (let i = 0; i < emails.length; i += CHUNK) {
    const chunk = emails.slice(i, i + CHUNK);
    for (const row of tx
      .select({ email: subscribers.email })
      .from(subscribers)
      .where(inArray(subscribers.email, chunk))
      .all())
      found.add(row.email);
  }
  return found;
}

/** One valid row of a CSV file; a field left undefined was not in the file (or empty). */
export interface ImportWriteRow {
  email: string;
  emailHash: string;
  name?: string;
  regionKey?: string;
  roleKeys?: string[];
  topicKeys?: string[];
  language?: string;
}

export interface ImportWriteOptions {
  importId: number;
  /** confirmed: consent was given elsewhere (stated source); confirmation: send the opt-in mail. */
  mode: 'confirmed' | 'confirmation';
  consentSource: string | null;
  /** The admin user who started the import (e-mail address), for the consent log. */
  enteredBy: string;
  listId: number;
  /** Language of people whose row names none: the list's default language. */
  defaultLanguage?: string;
  cooldownMs: number;
  now: number;
}

/**
 * Write one batch of import rows. New addresses are created, known ones get what the file adds
 * (never removed, never downgraded: a confirmed person stays confirmed, blocked and
 * unsubscribed people are skipped). Running the same rows again changes nothing.
 * Returns the counts and the subscribers who are due a confirmation mail.
 */
export function writeImportBatch(
  rows: ImportWriteRow[],
  opts: ImportWriteOptions,
  tx: Tx,
): ImportCounts & { mailTo: number[] } {
  const result = { created: 0, updated: 0, unchanged: 0, skipped: 0, mailTo: [] as number[] };
  if (!rows.length) return result;
  const { now } = opts;
  const confirmed = opts.mode === 'confirmed';
  const meta = { channel: 'import', source: `import:${opts.importId}` };
  const listIds = [opts.listId];
  // The batch's consent records, in order, written together at the end of the batch.
  const consent: ConsentRecord[] = [];
  const signupDetails = {
    importId: opts.importId,
    consentSource: opts.consentSource,
    enteredBy: opts.enteredBy,
  };

  const emails = rows.map((r) => r.email);
  const existing = new Map<string, typeof subscribers.$inferSelect>();
  for (let i = 0; i < emails.length; i += CHUNK) {
    for (const s of tx
      .select()
      .from(subscribers)
      .where(inArray(subscribers.email, emails.slice(i, i + CHUNK)))
      .all())
      existing.set(s.email, s);
  }
  const ids = [...existing.values()].map((s) => s.id);
  const rolesOf = new Map<number, string[]>();
  const topicsOf = new Map<number, string[]>();
  const subscribedTo = new Map<number, string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    for (const r of tx
      .select()
      .from(subscriberRoles)
      .where(inArray(subscriberRoles.subscriberId, chunk))
      .all())
      rolesOf.set(r.subscriberId, [...(rolesOf.get(r.subscriberId) ?? []), r.roleKey]);
    for (const t of tx
      .select()
      .from(subscriberTopics)
      .where(inArray(subscriberTopics.subscriberId, chunk))
      .all())
      topicsOf.set(t.subscriberId, [...(topicsOf.get(t.subscriberId) ?? []), t.topicKey]);
    for (const s of tx
      .select({ id: subscriptions.subscriberId, status: subscriptions.status })
      .from(subscriptions)
      .where(and(inArray(subscriptions.subscriberId, chunk), eq(subscriptions.listId, opts.listId)))
      .all())
      subscribedTo.set(s.id, s.status);
  }

  // Statements prepared once per batch: drizzle builds the SQL once, each row only binds values.
  const ph = (name: string) => sql.placeholder(name);
  const insertSubscriber = tx
    .insert(subscribers)
    .values({
      email: ph('email'),
      name: ph('name'),
      regionKey: ph('regionKey'),
      language: ph('language'),
      status: confirmed ? 'confirmed' : 'unconfirmed',
      source: meta.source,
      createdAt: now,
      updatedAt: now,
      confirmedAt: confirmed ? now : null,
      // The confirmation mail goes out right after this batch: that starts the cool-down.
      lastConfirmationAt: confirmed ? null : now,
    })
    .returning({ id: subscribers.id })
    .prepare();
  const insertRole = tx
    .insert(subscriberRoles)
    .values({ subscriberId: ph('id'), roleKey: ph('key') })
    .onConflictDoNothing()
    .prepare();
  const insertTopic = tx
    .insert(subscriberTopics)
    .values({ subscriberId: ph('id'), topicKey: ph('key') })
    .onConflictDoNothing()
    .prepare();
  const insertSubscription = tx
    .insert(subscriptions)
    .values({
      subscriberId: ph('id'),
      listId: opts.listId,
      status: confirmed ? 'confirmed' : 'unconfirmed',
      createdAt: now,
      confirmedAt: confirmed ? now : null,
    })
    .onConflictDoNothing()
    .prepare();

  for (const row of rows) {
    if (existing.has(row.email)) continue;
    const { id } = insertSubscriber.get({
      email: row.email,
      name: row.name ?? '',
      regionKey: row.regionKey ?? null,
      language: row.language ?? opts.defaultLanguage ?? 'de',
    });
    for (const key of row.roleKeys ?? []) insertRole.run({ id, key });
    for (const key of row.topicKeys ?? []) insertTopic.run({ id, key });
    insertSubscription.run({ id });
    const record = { subscriberId: id, emailHash: row.emailHash, meta, listIds, at: now };
    consent.push({ ...record, kind: 'signup', details: signupDetails });
    if (confirmed) {
      consent.push({ ...record, kind: 'confirmed', details: { importId: opts.importId } });
    } else {
      result.mailTo.push(id);
    }
    result.created++;
  }

  const roleLinks: { subscriberId: number; roleKey: string }[] = [];
  const topicLinks: { subscriberId: number; topicKey: string }[] = [];
  const listLinks: (typeof subscriptions.$inferInsert)[] = [];
  for (const row of rows) {
    const before = existing.get(row.email);
    if (!before) continue;
    if (before.status === 'blocked' || before.status === 'unsubscribed') {
      result.skipped++;
      continue;
    }
    const set: Partial<typeof subscribers.$inferInsert> = {};
    const changes: Record<string, unknown> = {};
    if (row.name && row.name !== before.name) {
      set.name = row.name;
      changes.name = true;
    }
    if (row.regionKey && row.regionKey !== before.regionKey) {
      set.regionKey = row.regionKey;
      changes.regionKey = row.regionKey;
    }
    if (row.language && row.language !== before.language) {
      set.language = row.language;
      changes.language = row.language;
    }
    const hadRoles = rolesOf.get(before.id) ?? [];
    const addRoles = (row.roleKeys ?? []).filter((k) => !hadRoles.includes(k));
    const hadTopics = topicsOf.get(before.id) ?? [];
    const addTopics = (row.topicKeys ?? []).filter((k) => !hadTopics.includes(k));
    if (addRoles.length) changes.roleKeys = [...hadRoles, ...addRoles];
    if (addTopics.length) changes.topicKeys = [...hadTopics, ...addTopics];
    for (const roleKey of addRoles) roleLinks.push({ subscriberId: before.id, roleKey });
    for (const topicKey of addTopics) topicLinks.push({ subscriberId: before.id, topicKey });
    const listStatus = subscribedTo.get(before.id);
    const upgrade = confirmed && before.status === 'unconfirmed';
    let changed = Object.keys(changes).length > 0;
    if (upgrade) {
      set.status = 'confirmed';
      set.confirmedAt = now;
    }
    if (changed || upgrade) {
      set.updatedAt = now;
      tx.update(subscribers).set(set).where(eq(subscribers.id, before.id)).run();
    }
    if (changed && !upgrade) {
      consent.push({
        subscriberId: before.id,
        emailHash: row.emailHash,
        kind: 'preferences_changed',
        meta,
        details: { ...changes, importId: opts.importId },
        at: now,
      });
    }
    // A list this person left stays left; a missing subscription is added.
    if (listStatus === undefined && (before.status === 'unconfirmed' || confirmed)) {
      listLinks.push({
        subscriberId: before.id,
        listId: opts.listId,
        status: confirmed ? 'confirmed' : 'unconfirmed',
        createdAt: now,
        confirmedAt: confirmed ? now : null,
      });
      changed = true;
    } else if (upgrade && listStatus === 'unconfirmed') {
      tx.update(subscriptions)
        .set({ status: 'confirmed', confirmedAt: now })
        .where(
          and(eq(subscriptions.subscriberId, before.id), eq(subscriptions.listId, opts.listId)),
        )
        .run();
    }
    if (upgrade) {
      const record = { subscriberId: before.id, emailHash: row.emailHash, meta, listIds, at: now };
      consent.push(
        { ...record, kind: 'signup', details: { ...signupDetails, ...changes } },
        { ...record, kind: 'confirmed', details: { importId: opts.importId } },
      );
    }
    if (changed || upgrade) result.updated++;
    else result.unchanged++;
    // Still unconfirmed: one more confirmation mail, but at most one per cool-down.
    if (
      !confirmed &&
      before.status === 'unconfirmed' &&
      claimConfirmationSlot(before.id, opts.cooldownMs, now, tx)
    )
      result.mailTo.push(before.id);
  }

  for (let i = 0; i < roleLinks.length; i += CHUNK)
    tx.insert(subscriberRoles)
      .values(roleLinks.slice(i, i + CHUNK))
      .onConflictDoNothing()
      .run();
  for (let i = 0; i < topicLinks.length; i += CHUNK)
    tx.insert(subscriberTopics)
      .values(topicLinks.slice(i, i + CHUNK))
      .onConflictDoNothing()
      .run();
  for (let i = 0; i < listLinks.length; i += CHUNK)
    tx.insert(subscriptions)
      .values(listLinks.slice(i, i + CHUNK))
      .onConflictDoNothing()
      .run();
  recordConsent(consent, tx);
  return result;
}
