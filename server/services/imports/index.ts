import { transaction } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as imports from '../../../db/queries/imports.js';
import type { ImportRunner } from '../../../workers/import.js';
import { queueImport } from '../../../workers/queues.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { MailOutbox } from '../mail-outbox/index.js';
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

export type StartResult =
  | { kind: 'not-found' }
  /** Not validated, already running or done, or started by somebody else just now. */
  | { kind: 'not-startable'; import: imports.Import }
  /** Message keys by form field. */
  | { kind: 'invalid'; import: imports.Import; errors: Partial<Record<StartField, string>> }
  | { kind: 'started'; import: imports.Import };

type StartField = 'mode' | 'consentSource';
export type ImportMode = 'confirmed' | 'confirmation';

/** The longest consent source (where and how people agreed, for confirmed imports). */
export const MAX_CONSENT_SOURCE = 500;

/** Control characters (line breaks, NUL …) have no place in a consent source. */
const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f');

/**
 * The start form: a mode, and for confirmed imports the source of the consent; something to
 * import at all. Returns message keys by field (none: the input is fine).
 */
export function startProblems(
  input: { mode: string; consentSource: string },
  report: ImportReport | null,
): Partial<Record<StartField, string>> {
  const errors: Partial<Record<StartField, string>> = {};
  const { mode, consentSource } = input;
  if (mode !== 'confirmation' && mode !== 'confirmed') errors.mode = 'imports.start.modeInvalid';
  if (mode === 'confirmed') {
    if (!consentSource) errors.consentSource = 'imports.start.sourceMissing';
    else if (consentSource.length > MAX_CONSENT_SOURCE || hasControl(consentSource))
      errors.consentSource = 'imports.start.sourceInvalid';
  }
  if (!report?.validRows) errors.mode = 'imports.start.nothing';
  return errors;
}

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
    return { kind: 'validated', import: this.find(row.id)!, report };
  }

  /**
   * Start the background job with the chosen mode. The import moves to `running`, then the job
   * is queued; when the queue cannot take it, the import goes back to where it was and the
   * error is thrown. The audit entry is written once the job is queued.
   */
  async start(
    id: number,
    input: { mode: string; consentSource: string },
    actor: Actor,
  ): Promise<StartResult> {
    const row = this.find(id);
    if (!row) return { kind: 'not-found' };
    if (row.status !== 'ready' && row.status !== 'failed')
      return { kind: 'not-startable', import: row };
    const consentSource = input.consentSource.trim();
    const errors = startProblems({ mode: input.mode, consentSource }, row.report);
    if (Object.keys(errors).length) return { kind: 'invalid', import: row, errors };
    const mode: ImportMode = input.mode === 'confirmed' ? 'confirmed' : 'confirmation';
    const who = auditWho(actor);
    const options = {
      ...row.options,
      mode,
      consentSource: mode === 'confirmed' ? consentSource : null,
      enteredBy: who.actor,
    };
    const { db, queues } = this.ctx;
    const started = imports.transitionImport(
      row.id,
      [row.status],
      { status: 'running', options, error: null },
      db,
    );
    if (!started) return { kind: 'not-startable', import: row };
    try {
      await queueImport(queues, row.id);
    } catch (err) {
      imports.transitionImport(row.id, ['running'], { status: row.status }, db);
      throw err;
    }
    transaction(db, (tx) =>
      recordAction(
        who,
        'start',
        'import',
        row.id,
        { mode, consentSource: options.consentSource, rows: row.report!.validRows },
        tx,
      ),
    );
    return { kind: 'started', import: { ...row, status: 'running', options } };
  }

  /** The background job (the import worker calls this): writes the rows, owes the mails. */
  async run(importId: number): Promise<imports.ImportCounts> {
    return runImport(
      {
        db: this.ctx.db,
        secrets: this.ctx.secrets,
        cooldownMs: this.ctx.config.confirmCooldownMinutes * 60_000,
        outbox: new MailOutbox(this.ctx),
      },
      importId,
    );
  }

  /** Delete uploaded files past their retention (and their preview); returns how many. */
  purgeStaleFiles(now = Date.now()): number {
    return purgeStaleImports(this.ctx.db, now);
  }
}
