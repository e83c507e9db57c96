import { transaction } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as imports from '../../../db/queries/imports.js';
import type { ImportRunner } from '../../../workers/import.js';
import { queueMails } from '../../../workers/queues.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { CsvError, parseCsv } from './decode.js';
import { saveUpload, purgeStaleImports, uploadName } from './files.js';
import { MAPPING_CHOICES, mappingProblem, type ImportField } from './mapping.js';
import { runImport } from './run.js';
import { validateImport, type ImportReport } from './validate.js';

/**
 * CSV import: decode and parse the uploaded bytes, guess the column mapping, validate every row
 * (report before anything is written), then write in batches (the background job).
 */

export type {
  Import,
  ImportCounts,
  ImportOptions,
  ImportStatus,
} from '../../../db/queries/imports.js';
export { CsvError, MAX_ROWS, type CsvErrorCode } from './decode.js';
export { MAPPING_CHOICES, type ImportField } from './mapping.js';
export type { ImportReport } from './validate.js';

export type CreateResult = { ok: true; import: imports.Import } | { ok: false; error: CsvError };

export type ValidateResult =
  | { kind: 'not-found' }
  /** Running or finished: its mapping can no longer change. */
  | { kind: 'not-editable'; import: imports.Import }
  | {
      kind: 'invalid';
      import: imports.Import;
      mapping: ImportField[];
      problem: 'emailMissing' | 'fieldTwice';
    }
  | { kind: 'validated'; import: imports.Import; report: ImportReport };

/** An import whose columns may still be mapped (and validated again). */
export const mappable = (row: imports.Import) =>
  row.status === 'uploaded' || row.status === 'ready';

export class ImportService implements ImportRunner {
  constructor(private readonly ctx: ServiceContext) {}

  /** The newest imports first. */
  list(limit = 50): imports.Import[] {
    return imports.listImports(limit, this.ctx.db);
  }

  /** One import with its options (headers, preview, mapping, counts) and report. */
  find(id: number): imports.Import | undefined {
    return Number.isSafeInteger(id) && id > 0 ? imports.findImport(id, this.ctx.db) : undefined;
  }

  /** Keep an uploaded file (once it reads as a CSV table) with a guessed mapping. */
  create(input: { fileName: string; bytes: Uint8Array }, actor: Actor): CreateResult {
    let parsed;
    try {
      parsed = parseCsv(input.bytes);
    } catch (err) {
      if (err instanceof CsvError) return { ok: false, error: err };
      throw err;
    }
    const fileName = uploadName(input.fileName);
    const row = transaction(this.ctx.db, (tx) => {
      const created = saveUpload(
        this.ctx.config.dataDir,
        {
          fileName,
          bytes: input.bytes,
          parsed,
          createdBy: actor.kind === 'user' ? actor.userId : null,
        },
        tx,
      );
      recordAction(
        auditWho(actor),
        'upload',
        'import',
        created.id,
        { fileName, rows: parsed.rows.length, encoding: parsed.encoding },
        tx,
      );
      return created;
    });
    return { ok: true, import: row };
  }

  /**
   * Map the columns as chosen (one choice per header; anything unknown is ignored) and
   * validate the stored file with that mapping: the report, before anything is written.
   */
  validate(id: number, choices: string[]): ValidateResult {
    const row = this.find(id);
    if (!row) return { kind: 'not-found' };
    if (!mappable(row)) return { kind: 'not-editable', import: row };
    const mapping = row.options.headers.map((_h, i) => {
      const choice = choices[i] as ImportField;
      return MAPPING_CHOICES.includes(choice) ? choice : 'ignore';
    });
    const problem = mappingProblem(mapping);
    if (problem) return { kind: 'invalid', import: row, mapping, problem };
    const report = validateImport(this.ctx.db, row.id, mapping);
    return { kind: 'validated', import: row, report };
  }

  /** The background job (the import worker calls this): writes the rows, queues the mails. */
  async run(importId: number): Promise<imports.ImportCounts> {
    return runImport(
      {
        db: this.ctx.db,
        secrets: this.ctx.secrets,
        cooldownMs: this.ctx.config.confirmCooldownMinutes * 60_000,
        enqueueConfirmations: async (ids, at) => {
          await queueMails(
            this.ctx.queues,
            ids.map((subscriberId) => ({ name: 'confirmation', subscriberId, at })),
          );
        },
      },
      importId,
    );
  }

  /** Delete uploaded files past their retention (and their preview); returns how many. */
  purgeStaleFiles(now = Date.now()): number {
    return purgeStaleImports(this.ctx.db, now);
  }
}
