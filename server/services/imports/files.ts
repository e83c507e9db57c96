import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Tx } from '../../../db/client.js';
import * as imports from '../../../db/queries/imports.js';
import type { ImportOptions } from '../../../db/queries/imports.js';
import type { ParsedCsv } from './decode.js';
import { guessMapping } from './mapping.js';

/** The uploaded file on disk and its import row; files with personal data do not stay long. */

export type { ImportOptions };

export const PREVIEW_ROWS = 5;

export const importFile = (dataDir: string, id: number) => join(dataDir, 'imports', `${id}.csv`);

/** Control characters (line breaks, NUL …) have no place in a file name. */
const withoutControl = (s: string) =>
  [...s].filter((c) => c.charCodeAt(0) >= 0x20 && c !== '\u007f').join('');

/** Only the name's last part is kept, without control characters; it is shown, never used. */
export const uploadName = (fileName: string) =>
  withoutControl(fileName.split(/[\\/]/).pop()!) || 'import.csv';

/** Store an uploaded (already parsed) file and its import row, inside the caller's transaction. */
export function saveUpload(
  dataDir: string,
  input: { fileName: string; bytes: Uint8Array; parsed: ParsedCsv; createdBy: number | null },
  tx: Tx,
): imports.Import {
  const options: ImportOptions = {
    encoding: input.parsed.encoding,
    delimiter: input.parsed.delimiter,
    headers: input.parsed.headers,
    preview: input.parsed.rows.slice(0, PREVIEW_ROWS).map((r) => r.cells),
    mapping: guessMapping(input.parsed.headers),
  };
  mkdirSync(join(dataDir, 'imports'), { recursive: true });
  const row = imports.createImport(
    {
      fileName: input.fileName.slice(0, 200),
      filePath: '',
      options,
      totalRows: input.parsed.rows.length,
      createdBy: input.createdBy,
    },
    tx,
  );
  const filePath = importFile(dataDir, row.id);
  // Written inside the transaction: a failed write leaves no import row behind.
  writeFileSync(filePath, input.bytes, { mode: 0o600 });
  imports.updateImport(row.id, { filePath }, tx);
  return { ...row, filePath };
}

/** Uploaded files that were never imported hold personal data too: gone after this long. */
export const IMPORT_FILE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Delete stale upload files and their preview rows; the import's counts and report stay. */
export function purgeStaleImports(db: Db, now = Date.now()): number {
  const stale = imports.staleImports(now - IMPORT_FILE_RETENTION_MS, db);
  for (const row of stale) {
    rmSync(row.filePath, { force: true });
    imports.updateImport(row.id, { filePath: '', options: { ...row.options, preview: [] } }, db);
  }
  return stale.length;
}
