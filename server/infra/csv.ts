/**
 * CSV as spreadsheets read it (RFC 4180, CRLF rows). Cells that a spreadsheet would run as a
 * formula get a leading apostrophe, so an exported name like `=HYPERLINK(...)` stays text.
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
/** Control characters (but tab and line breaks) and bidi overrides never reach a spreadsheet. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value).replace(CONTROL, '\uFFFD');
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",;\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A byte order mark first, so spreadsheet programs read the file as UTF-8 (umlauts). */
export const CSV_BOM = '\uFEFF';
