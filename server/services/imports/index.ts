import { parse } from 'csv-parse/sync';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../../db/client.js';
import { transaction } from '../../../db/client.js';
import * as imports from '../../../db/queries/imports.js';
import * as reference from '../../../db/queries/reference.js';
import { isLanguage, languages } from '../../i18n/index.js';
import type { ImportRunner } from '../../../workers/import.js';
import { queueMails, type Queues } from '../../../workers/queues.js';
import type { Config } from '../../config.js';
import type { Secrets } from '../../infra/security.js';
import { isValidEmail, normaliseEmail } from '../subscribers/index.js';
import { isPlainText } from '../plain-text.js';

/**
 * CSV import: decode and parse the uploaded bytes, guess the column mapping, validate every row
 * (report before anything is written), then write in batches (the background job).
 */

export const IMPORT_FIELDS = ['email', 'name', 'region', 'roles', 'topics', 'language'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number] | 'ignore';
export const MAPPING_CHOICES: readonly ImportField[] = [...IMPORT_FIELDS, 'ignore'];

export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'windows-1252';
export type CsvDelimiter = ',' | ';' | '\t';

/** A single record may not be longer than this (a 10 MB line is not an address list). */
export const MAX_RECORD_CHARS = 64 * 1024;
export const MAX_COLUMNS = 100;
export const MAX_ROWS = 500_000;
export const PREVIEW_ROWS = 5;
export const MAX_REPORTED_PROBLEMS = 100;

export type CsvErrorCode =
  'empty' | 'headerOnly' | 'recordTooLong' | 'malformed' | 'tooManyColumns' | 'tooManyRows';

/** A file that cannot be read as a CSV table; `line` is 1-based where known. */
export class CsvError extends Error {
  constructor(
    readonly code: CsvErrorCode,
    readonly line?: number,
  ) {
    super(`CSV ${code}${line ? ` at line ${line}` : ''}`);
    this.name = 'CsvError';
  }
}

export interface CsvRow {
  /** Line of the file where the record starts (the header is line 1). */
  line: number;
  cells: string[];
}

export interface ParsedCsv {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  headers: string[];
  rows: CsvRow[];
}

/** UTF-8 (with or without BOM); bytes that are not valid UTF-8 are read as Windows-1252. */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    try {
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
        bytes.subarray(3),
      );
      return { text, encoding: 'utf-8-bom' };
    } catch {
      /* a BOM followed by other bytes: fall through to the legacy code page */
    }
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
}

/** The delimiter that occurs most often (outside quotes) in the header line; comma by default. */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length && i < MAX_RECORD_CHARS; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c]++;
  }
  const best = (Object.keys(counts) as CsvDelimiter[]).sort((a, b) => counts[b] - counts[a])[0]!;
  return counts[best] > 0 ? best : ',';
}

const newlines = (cells: string[]) => {
  let n = 0;
  for (const cell of cells)
    for (let i = cell.indexOf('\n'); i >= 0; i = cell.indexOf('\n', i + 1)) n++;
  return n;
};

/** Parse an uploaded file. Throws CsvError for anything that is not a usable table. */
export function parseCsv(bytes: Uint8Array): ParsedCsv {
  const { text, encoding } = decodeCsv(bytes);
  if (!text.trim()) throw new CsvError('empty');
  const delimiter = detectDelimiter(text.trimStart());
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { code?: string; lines?: number };
    throw new CsvError(
      e.code === 'CSV_MAX_RECORD_SIZE' ? 'recordTooLong' : 'malformed',
      typeof e.lines === 'number' ? e.lines : undefined,
    );
  }
  const all = records.map(({ record, info }) => ({
    line: info.lines - newlines(record),
    cells: record,
  }));
  // Lines of nothing but delimiters (spreadsheets export them) carry no data.
  const rows = all.filter((r) => r.cells.some((c) => c.trim() !== ''));
  const header = rows.shift();
  if (!header) throw new CsvError('empty');
  if (header.cells.length > MAX_COLUMNS) throw new CsvError('tooManyColumns', header.line);
  if (!rows.length) throw new CsvError('headerOnly');
  if (rows.length > MAX_ROWS) throw new CsvError('tooManyRows');
  return { encoding, delimiter, headers: header.cells.map((h) => h.trim()), rows };
}

/** Lower case, no accents, letters and digits only: "Börde" and "borde" match. */
const simplify = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]/g, '');

/** Region, role and topic cells repeat a lot: remember what each one simplified to. */
function memo(fn: (s: string) => string): (s: string) => string {
  const cache = new Map<string, string>();
  return (s) => {
    let v = cache.get(s);
    if (v === undefined) {
      v = fn(s);
      if (cache.size < 10_000) cache.set(s, v);
    }
    return v;
  };
}

/** Header names (German and English) that point to a field. */
const HEADER_NAMES: Record<Exclude<ImportField, 'ignore'>, string[]> = {
  email: ['email', 'mail', 'emailadresse', 'mailadresse', 'emailaddress', 'adresse', 'address'],
  name: ['name', 'vollername', 'fullname', 'vornameundnachname', 'kontakt', 'contact'],
  region: ['region', 'landkreis', 'kreis', 'ags', 'gemeindeschlussel', 'county', 'district'],
  roles: ['rolle', 'rollen', 'role', 'roles', 'zielgruppe', 'funktion', 'taetigkeit', 'tatigkeit'],
  topics: ['thema', 'themen', 'topic', 'topics', 'interessen', 'interests'],
  language: ['sprache', 'language', 'lang', 'sprachcode'],
};

/** Guess each column's field from its header; every field is used at most once. */
export function guessMapping(headers: string[]): ImportField[] {
  const used = new Set<ImportField>();
  return headers.map((h) => {
    const key = simplify(h);
    const field = (Object.keys(HEADER_NAMES) as Exclude<ImportField, 'ignore'>[]).find(
      (f) => !used.has(f) && HEADER_NAMES[f].includes(key),
    );
    if (!field) return 'ignore';
    used.add(field);
    return field;
  });
}

/** Reference data the values in the file are matched against. */
export interface ImportReference {
  regions: { key: string; name: string }[];
  roles: { key: string; labels: Record<string, string> }[];
  topics: { key: string; labels: Record<string, string> }[];
}

export function loadReference(db: Db): ImportReference {
  return {
    regions: reference.listRegions(db),
    roles: reference.listRoles(db),
    topics: reference.listTopics(db),
  };
}

export type ProblemKind =
  | 'emailMissing'
  | 'emailInvalid'
  | 'duplicate'
  | 'nameInvalid'
  | 'regionUnknown'
  | 'roleUnknown'
  | 'topicUnknown'
  | 'languageUnknown';

export interface ImportProblem {
  line: number;
  kind: ProblemKind;
  /** The offending value, shortened; for duplicates the line of the first occurrence. */
  value: string;
}

export interface ImportReport {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  totalRows: number;
  /** Rows that will be written (new or known addresses). */
  validRows: number;
  newRows: number;
  existingRows: number;
  /** Rows skipped because of at least one problem. */
  problemRows: number;
  counts: Partial<Record<ProblemKind, number>>;
  /** The first problems, in file order. */
  problems: ImportProblem[];
}

export interface ValidRow {
  index: number;
  email: string;
  name?: string;
  regionKey?: string;
  roleKeys?: string[];
  topicKeys?: string[];
  language?: string;
}

function lookup(entries: [string, string][]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, key] of entries) if (name) map.set(simplify(name), key);
  return map;
}

/**
 * Check every row against the mapping and the reference data. A row with any problem is
 * skipped as a whole; the first occurrence of an address wins over later duplicates.
 * `isExisting` tells which valid addresses are already subscribers (for the report only).
 */
export function validateRows(
  parsed: ParsedCsv,
  mapping: ImportField[],
  ref: ImportReference,
  isExisting: (emails: string[]) => Set<string>,
): { rows: (ValidRow | null)[]; report: ImportReport } {
  const col = (field: ImportField) => mapping.indexOf(field);
  const cols = {
    email: col('email'),
    name: col('name'),
    region: col('region'),
    roles: col('roles'),
    topics: col('topics'),
    language: col('language'),
  };
  const regions = lookup(
    ref.regions.flatMap((r) => [[r.key, r.key] as [string, string], [r.name, r.key]]),
  );
  const labelled = (items: ImportReference['roles']) =>
    lookup(
      items.flatMap((i) => [
        [i.key, i.key] as [string, string],
        ...Object.values(i.labels).map((l) => [l, i.key] as [string, string]),
      ]),
    );
  const roles = labelled(ref.roles);
  const topics = labelled(ref.topics);
  const langs = lookup(
    languages.flatMap((l) => [[l.code, l.code] as [string, string], [l.name, l.code]]),
  );
  for (const [name, code] of [
    ['Deutsch', 'de'],
    ['German', 'de'],
    ['Englisch', 'en'],
    ['English', 'en'],
    ['Arabisch', 'ar'],
    ['Arabic', 'ar'],
    ['Ukrainisch', 'uk'],
    ['Ukrainian', 'uk'],
  ] as const)
    if (isLanguage(code)) langs.set(simplify(name), code);

  const simple = memo(simplify);
  const problems: ImportProblem[] = [];
  const counts: Partial<Record<ProblemKind, number>> = {};
  const seen = new Map<string, number>();
  const rows: (ValidRow | null)[] = [];
  let problemRows = 0;
  const cell = (cells: string[], i: number) => (i >= 0 ? (cells[i] ?? '').trim() : '');
  const short = (s: string) => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
  const many = (s: string) =>
    s
      .split(/[;|]/)
      .map((v) => v.trim())
      .filter(Boolean);

  parsed.rows.forEach((r, index) => {
    const found: ImportProblem[] = [];
    const add = (kind: ProblemKind, value: string) =>
      found.push({ line: r.line, kind, value: short(value) });
    const rawEmail = cell(r.cells, cols.email);
    const email = normaliseEmail(rawEmail);
    if (!email) add('emailMissing', '');
    else if (!isValidEmail(email)) add('emailInvalid', rawEmail);
    else if (seen.has(email)) add('duplicate', String(seen.get(email)));
    const row: ValidRow = { index, email };
    const name = cell(r.cells, cols.name);
    if (name) {
      if (!isPlainText(name, 100)) add('nameInvalid', name);
      else row.name = name;
    }
    const region = cell(r.cells, cols.region);
    if (region) {
      const key = regions.get(simple(region));
      if (key) row.regionKey = key;
      else add('regionUnknown', region);
    }
    for (const [field, map, kind] of [
      ['roles', roles, 'roleUnknown'],
      ['topics', topics, 'topicUnknown'],
    ] as const) {
      const values = many(cell(r.cells, cols[field]));
      const keys: string[] = [];
      for (const v of values) {
        const key = map.get(simple(v));
        if (!key) add(kind, v);
        else if (!keys.includes(key)) keys.push(key);
      }
      if (keys.length) row[field === 'roles' ? 'roleKeys' : 'topicKeys'] = keys;
    }
    const language = cell(r.cells, cols.language);
    if (language) {
      const code = langs.get(simple(language));
      if (code) row.language = code;
      else add('languageUnknown', language);
    }
    if (email && isValidEmail(email) && !seen.has(email)) seen.set(email, r.line);
    if (found.length) {
      problemRows++;
      for (const p of found) {
        counts[p.kind] = (counts[p.kind] ?? 0) + 1;
        if (problems.length < MAX_REPORTED_PROBLEMS) problems.push(p);
      }
      rows.push(null);
    } else {
      rows.push(row);
    }
  });

  const valid = rows.filter((r): r is ValidRow => r !== null);
  const existing = isExisting(valid.map((r) => r.email));
  return {
    rows,
    report: {
      encoding: parsed.encoding,
      delimiter: parsed.delimiter,
      totalRows: parsed.rows.length,
      validRows: valid.length,
      newRows: valid.length - existing.size,
      existingRows: existing.size,
      problemRows,
      counts,
      problems,
    },
  };
}

/** Check the mapping a person chose: one email column, every other field at most once. */
export function mappingProblem(mapping: ImportField[]): 'emailMissing' | 'fieldTwice' | null {
  if (!mapping.includes('email')) return 'emailMissing';
  const used = mapping.filter((m) => m !== 'ignore');
  return new Set(used).size === used.length ? null : 'fieldTwice';
}

export interface ImportOptions {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  headers: string[];
  preview: string[][];
  mapping: ImportField[];
  mode?: 'confirmed' | 'confirmation';
  consentSource?: string | null;
  enteredBy?: string;
  /** Running totals of the background job (kept with each batch, so a retry resumes). */
  counts?: imports.ImportCounts;
}

export const importFile = (dataDir: string, id: number) => join(dataDir, 'imports', `${id}.csv`);

/** Store an uploaded (already parsed) file and its import row. */
export function saveUpload(
  deps: { db: Db; dataDir: string },
  input: { fileName: string; bytes: Uint8Array; parsed: ParsedCsv; createdBy: number | null },
): imports.Import {
  const options: ImportOptions = {
    encoding: input.parsed.encoding,
    delimiter: input.parsed.delimiter,
    headers: input.parsed.headers,
    preview: input.parsed.rows.slice(0, PREVIEW_ROWS).map((r) => r.cells),
    mapping: guessMapping(input.parsed.headers),
  };
  mkdirSync(join(deps.dataDir, 'imports'), { recursive: true });
  return transaction(deps.db, (tx) => {
    const row = imports.createImport(
      {
        fileName: input.fileName.slice(0, 200),
        filePath: '',
        options: options as unknown as Record<string, unknown>,
        totalRows: input.parsed.rows.length,
        createdBy: input.createdBy,
      },
      tx,
    );
    const filePath = importFile(deps.dataDir, row.id);
    // Written inside the transaction: a failed write leaves no import row behind.
    writeFileSync(filePath, input.bytes, { mode: 0o600 });
    imports.updateImport(row.id, { filePath }, tx);
    return { ...row, filePath };
  });
}

export const optionsOf = (row: imports.Import) => row.options as unknown as ImportOptions;
export const reportOf = (row: imports.Import) =>
  (row.report ?? undefined) as unknown as ImportReport | undefined;

/** Validate the stored file with a mapping: the report before anything is written. */
export function validateImport(db: Db, id: number, mapping: ImportField[]): ImportReport {
  const row = imports.findImport(id, db);
  if (!row) throw new Error(`import ${id} not found`);
  const parsed = parseCsv(readFileSync(row.filePath));
  const { report } = validateRows(parsed, mapping, loadReference(db), (emails) =>
    imports.existingEmails(emails, db),
  );
  imports.updateImport(
    id,
    {
      status: 'ready',
      options: { ...row.options, mapping } as Record<string, unknown>,
      report: report as unknown as Record<string, unknown>,
      totalRows: report.totalRows,
    },
    db,
  );
  return report;
}

export interface ImportRunDeps {
  db: Db;
  secrets: Secrets;
  cooldownMs: number;
  /** Queue the confirmation mails of one written batch (absent: no mails, e.g. benchmarks). */
  enqueueConfirmations?(subscriberIds: number[], at: number): Promise<void>;
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
  const options = optionsOf(row);
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
      const written = transaction(deps.db, (tx) => {
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
            options: { ...options, counts } as unknown as Record<string, unknown>,
          },
          tx,
        );
        return result;
      });
      if (written.mailTo.length && deps.enqueueConfirmations)
        await deps.enqueueConfirmations(written.mailTo, now);
      // Let the event loop breathe between batches (web requests in the same process).
      await new Promise((r) => setImmediate(r));
    }
    imports.updateImport(
      id,
      {
        status: 'done',
        finishedAt: Date.now(),
        processedRows: rows.length,
        options: { ...options, counts } as unknown as Record<string, unknown>,
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

/** The import worker's runner: writes with the app's database, mails through the mail queue. */
export function importRunner(deps: {
  db: Db;
  queues: Queues;
  secrets: Secrets;
  config: Pick<Config, 'confirmCooldownMinutes'>;
}): ImportRunner {
  return {
    run: async (importId) => {
      const counts = await runImport(
        {
          db: deps.db,
          secrets: deps.secrets,
          cooldownMs: deps.config.confirmCooldownMinutes * 60_000,
          enqueueConfirmations: async (ids, at) => {
            await queueMails(
              deps.queues,
              ids.map((subscriberId) => ({ name: 'confirmation', subscriberId, at })),
            );
          },
        },
        importId,
      );
      return { ...counts };
    },
  };
}

/** Uploaded files that were never imported hold personal data too: gone after this long. */
export const IMPORT_FILE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Delete stale upload files and their preview rows; the import's counts and report stay. */
export function purgeStaleImports(db: Db, now = Date.now()): number {
  const stale = imports.staleImports(now - IMPORT_FILE_RETENTION_MS, db);
  for (const row of stale) {
    rmSync(row.filePath, { force: true });
    const options = { ...optionsOf(row), preview: [] } as unknown as Record<string, unknown>;
    imports.updateImport(row.id, { filePath: '', options }, db);
  }
  return stale.length;
}
