/**
 * CSV as spreadsheets read it (RFC 4180, CRLF rows). Cells that a spreadsheet would run as a
 * formula get a leading apostrophe, so an exported name like `=HYPERLINK(...)` stays text.
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",;\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A byte order mark first, so spreadsheet programs read the file as UTF-8 (umlauts). */
export const CSV_BOM = '\uFEFF';
