import { parse } from 'csv-parse/sync';
import type { CsvDelimiter, CsvEncoding } from '../../../db/queries/imports.js';

/** Bytes to a table: encoding (and BOM), delimiter, then the CSV records with their lines. */

export type { CsvDelimiter, CsvEncoding };

/** A single record may not be longer than this (a 10 MB line is not an address list). */
export const MAX_RECORD_CHARS = 64 * 1024;
export const MAX_COLUMNS = 100;
export const MAX_ROWS = 500_000;

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
