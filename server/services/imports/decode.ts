import { parse } from 'csv-parse/sync';
import type { CsvDelimiter, CsvEncoding } from '../../../db/queries/imports.js';

/** Bytes to a table: encoding (and BOM), delimiter, then the CSV records with their lines. */

export type { CsvDelimiter, CsvEncoding };

/** A single record may not be longer than this (a 10 MB line is not an address list). */
export const MAX_RECORD_CHARS = 64 * 1024;
export const MAX_COLUMNS = 100;
export const MAX_ROWS = 500_000;

export type CsvErrorCode =
  | 'empty'
  | 'headerOnly'
  | 'recordTooLong'
  | 'malformed'
  | 'tooManyColumns'
  | 'tooManyRows'
  | 'binary'
  | 'utf32';

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

/**
 * Windows-1252 bytes 0x80–0x9F. Node's TextDecoder reads them as C1 control characters
 * (ISO-8859-1) instead of € „ “ ” – and friends, so they are mapped here.
 */
const CP1252_HIGH =
  '\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd' +
  '\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const chunk = bytes.subarray(i, i + 8192);
    text += String.fromCharCode(...chunk);
  }
  return text.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/** Which byte of each pair is mostly zero: text in UTF-16 without a byte order mark. */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const sample = bytes.subarray(0, 4096 - (Math.min(bytes.length, 4096) % 2));
  if (sample.length < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < sample.length; i += 2) {
    if (sample[i] === 0) evenZero++;
    if (sample[i + 1] === 0) oddZero++;
  }
  const pairs = sample.length / 2;
  if (oddZero > pairs * 0.6 && evenZero < pairs * 0.1) return 'utf-16le';
  if (evenZero > pairs * 0.6 && oddZero < pairs * 0.1) return 'utf-16be';
  return undefined;
}

/**
 * UTF-8 (with or without BOM) and UTF-16 (with or without BOM); bytes that are not valid UTF-8
 * are read as Windows-1252. UTF-32 is refused, and so is anything that is not text at all.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const decoded = decodeText(bytes);
  // Text files hold no NUL and few control characters; images, archives and random bytes do.
  let controls = 0;
  for (let i = 0; i < decoded.text.length; i++) {
    const c = decoded.text.charCodeAt(i);
    if (c === 0) throw new CsvError('binary');
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) controls++;
  }
  if (controls > Math.max(2, decoded.text.length / 100)) throw new CsvError('binary');
  return decoded;
}

function decodeText(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const starts = (...b: number[]) => b.every((x, i) => bytes[i] === x);
  if (starts(0xff, 0xfe, 0, 0) || starts(0, 0, 0xfe, 0xff)) throw new CsvError('utf32');
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) {
    const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    return { text: new TextDecoder(encoding).decode(bytes), encoding };
  }
  if (starts(0xef, 0xbb, 0xbf)) {
    try {
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
        bytes.subarray(3),
      );
      return { text, encoding: 'utf-8-bom' };
    } catch {
      /* a BOM followed by other bytes: fall through to the legacy code page */
    }
  }
  const utf16 = utf16WithoutBom(bytes);
  if (utf16) return { text: new TextDecoder(utf16).decode(bytes), encoding: utf16 };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
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
