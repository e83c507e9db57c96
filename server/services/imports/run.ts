import { readFileSync, rmSync } from 'node:fs';
import type { Db } from '../../../db/client.js';
import { transaction } from '../../../db/client.js';
import * as imports from '../../../db/queries/imports.js';
import * as reference from '../../../db/queries/reference.js';
import type { Secrets } from '../../infra/security.js';
import type { MailOutbox } from '../mail-outbox/index.js';
import { parseCsv } from './decode.js';
import { loadReference, validateRows, type ValidRow } from './validate.js';

export interface ImportRunDeps {
  db: Db;
  secrets: Secrets;
  cooldownMs: number;
  /**
   * Where a batch owes its confirmation mails: noted in the batch's transaction, queued after
   * its commit (absent: no mails, e.g. benchmarks).
   */
  outbox?: Pick<MailOutbox, 'owe' | 'send'>;
  batchSize?: number;
}

/**
 * The background job: parse and validate the file again (the data may have changed since the
 * report), then write in batches of one transaction each. Progress and running counts are kept
 * with every batch, so a retried job continues where it stopped.
 */
export async function runImport(deps: ImportRunDeps, id: number): Promise<imports.ImportCounts> {
  const row = imports.findImport(id, deps.db);
  if (!row) throw new Error(`import ${id} not found`);
  const { options } = row;
  if (row.status === 'done') return options.counts ?? emptyCounts();
  try {
    const parsed = parseCsv(readFileSync(row.filePath));
    const { rows } = validateRows(parsed, options.mapping, loadReference(deps.db), () => new Set());
    const list = reference.defaultList(deps.db);
    const listId = list.id;
    const batchSize = deps.batchSize ?? 1000;
    const counts = { ...emptyCounts(), ...options.counts };
    const writeOptions = {
      importId: id,
      mode: options.mode ?? 'confirmation',
      consentSource: options.consentSource ?? null,
      enteredBy: options.enteredBy ?? '',
      listId,
      defaultLanguage: list.defaultLanguage,
      cooldownMs: deps.cooldownMs,
    };
    for (let start = row.processedRows; start < rows.length; start += batchSize) {
      const batch = rows.slice(start, start + batchSize);
      const valid = batch.filter((r): r is ValidRow => r !== null);
      const now = Date.now();
      const owed = transaction(deps.db, (tx) => {
        const result = imports.writeImportBatch(
          valid.map((r) => ({ ...r, emailHash: deps.secrets.emailHash(r.email) })),
          { ...writeOptions, now },
          tx,
        );
        counts.created += result.created;
        counts.updated += result.updated;
        counts.unchanged += result.unchanged;
        counts.skipped += result.skipped + (batch.length - valid.length);
        imports.updateImport(
          id,
          {
            processedRows: start + batch.length,
            options: { ...options, counts },
          },
          tx,
        );
        const mails = result.mailTo.map((subscriberId) => ({
          name: 'confirmation' as const,
          subscriberId,
          at: now,
        }));
        return deps.outbox?.owe(mails, tx, now) ?? [];
      });
      await deps.outbox?.send(owed);
      // Let the event loop breathe between batches (web requests in the same process).
      await new Promise((r) => setImmediate(r));
    }
    imports.updateImport(
      id,
      {
        status: 'done',
        finishedAt: Date.now(),
        processedRows: rows.length,
        options: { ...options, counts },
      },
      deps.db,
    );
    // The uploaded file holds personal data: once written, the database is the record.
    rmSync(row.filePath, { force: true });
    return counts;
  } catch (err) {
    imports.updateImport(
      id,
      {
        status: 'failed',
        finishedAt: Date.now(),
        error: err instanceof Error ? err.message.slice(0, 500) : String(err),
      },
      deps.db,
    );
    throw err;
  }
}

export const emptyCounts = (): imports.ImportCounts => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  skipped: 0,
});
