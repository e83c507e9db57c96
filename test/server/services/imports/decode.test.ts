import { describe, expect, it } from 'vitest';
import {
  CsvError,
  decodeCsv,
  detectDelimiter,
  parseCsv,
} from '../../../../server/services/imports/decode.js';
import { guessMapping } from '../../../../server/services/imports/mapping.js';
import { fixture } from './_setup.js';

const csvError = (bytes: Uint8Array): CsvError => {
  try {
    parseCsv(bytes);
  } catch (err) {
    if (err instanceof CsvError) return err;
    throw err;
  }
  throw new Error('parsed without error');
};

describe('reading CSV files', () => {
  const table = 'email;name\r\nolena@example.org;Олена Коваль\r\nanna@example.org;Anna Groß\r\n';

  it('reads UTF-16 with and without a byte order mark', () => {
    const le = Buffer.from(table, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const [bytes, encoding] of [
      [Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'utf-16le'],
      [Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'utf-16be'],
      [le, 'utf-16le'],
      [be, 'utf-16be'],
    ] as const) {
      const parsed = parseCsv(bytes);
      expect(parsed.encoding).toBe(encoding);
      expect(parsed.rows[0]!.cells).toEqual(['olena@example.org', 'Олена Коваль']);
      expect(parsed.rows[1]!.cells).toEqual(['anna@example.org', 'Anna Groß']);
    }
  });

  it('refuses UTF-32 and files that are not text', () => {
    expect(csvError(Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.alloc(40)])).code).toBe(
      'utf32',
    );
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49]);
    expect(csvError(png).code).toBe('binary');
    // Bytes with no NUL but full of control characters (a compressed file, say).
    const soup = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256 || 1));
    expect(csvError(soup).code).toBe('binary');
  });

  it('reads the Windows-1252 letters that Latin-1 lacks (€ „ “ – …)', () => {
    const bytes = Buffer.from([
      ...Buffer.from('email;note\r\na@example.org;', 'latin1'),
      0x80,
      0x20,
      0x84,
      0x61,
      0x93,
      0x20,
      0x96,
      0x20,
      0x85,
      0x20,
      0xfc,
    ]);
    const parsed = parseCsv(bytes);
    expect(parsed.encoding).toBe('windows-1252');
    expect(parsed.rows[0]!.cells[1]).toBe('€ „a“ – … ü');
  });

  it('reads Windows-1252 bytes with umlauts and says so', () => {
    const parsed = parseCsv(fixture('latin1-semicolon.csv'));
    expect(parsed.encoding).toBe('windows-1252');
    expect(parsed.delimiter).toBe(';');
    expect(parsed.headers).toEqual(['E-Mail', 'Name', 'Landkreis', 'Themen']);
    expect(parsed.rows[0]!.cells).toEqual([
      'juergen@example.org',
      'Jürgen Müller',
      'Börde',
      'Fördermöglichkeiten',
    ]);
    expect(parsed.rows[1]!.cells[1]).toBe('Grete Weiß');
  });

  it('drops a UTF-8 byte order mark and detects commas', () => {
    const parsed = parseCsv(fixture('bom-comma.csv'));
    expect(parsed.encoding).toBe('utf-8-bom');
    expect(parsed.delimiter).toBe(',');
    expect(parsed.headers[0]).toBe('Email');
    expect(parsed.rows[1]!.cells[1]).toBe('Ben Öztürk');
  });

  it('detects tabs and plain UTF-8', () => {
    const parsed = parseCsv(fixture('tab.csv'));
    expect(parsed).toMatchObject({ encoding: 'utf-8', delimiter: '\t' });
    expect(guessMapping(parsed.headers)).toEqual(['email', 'name', 'language']);
  });

  it('keeps delimiters, doubled quotes and line breaks inside quoted fields, with line numbers', () => {
    const parsed = parseCsv(fixture('quoted.csv'));
    expect(parsed.rows.map((r) => r.line)).toEqual([2, 3, 5]);
    expect(parsed.rows[0]!.cells[1]).toBe('Dora "DJ" Krause, Halle');
    expect(parsed.rows[1]!.cells[1]).toBe('Emil\nzweite Zeile');
  });

  it('refuses empty files, a header without rows, an unclosed quote and a 10 MB line', () => {
    expect(csvError(fixture('empty.csv')).code).toBe('empty');
    expect(csvError(Buffer.from('\n\n;;\n')).code).toBe('empty');
    expect(csvError(fixture('header-only.csv')).code).toBe('headerOnly');
    expect(csvError(fixture('unclosed-quote.csv')).code).toBe('malformed');
    const long = Buffer.concat([Buffer.from('email,name\n'), Buffer.alloc(10 * 1024 * 1024, 'x')]);
    const err = csvError(long);
    expect(err.code).toBe('recordTooLong');
    expect(err.line).toBe(2);
  });

  it('falls back to Windows-1252 only when the bytes are not UTF-8', () => {
    expect(decodeCsv(Buffer.from('Größe', 'utf8'))).toEqual({ text: 'Größe', encoding: 'utf-8' });
    expect(decodeCsv(Buffer.from('Größe', 'latin1'))).toEqual({
      text: 'Größe',
      encoding: 'windows-1252',
    });
    expect(detectDelimiter('"a;b",c,d\n1;2;3;4;5')).toBe(',');
  });

  it('reads a spreadsheet export: BOM, semicolons, CRLF line ends and a blank line', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('E-Mail;Name\r\nanna@example.org;Anna\r\n\r\nben@example.org;"Ben; Jr."\r\n'),
    ]);
    const parsed = parseCsv(bytes);
    expect(parsed).toMatchObject({ encoding: 'utf-8-bom', delimiter: ';' });
    expect(parsed.headers).toEqual(['E-Mail', 'Name']);
    expect(parsed.rows).toEqual([
      { line: 2, cells: ['anna@example.org', 'Anna'] },
      { line: 4, cells: ['ben@example.org', 'Ben; Jr.'] },
    ]);
  });

  it('splits at tabs only when the header has tabs, even with commas and semicolons in cells', () => {
    const parsed = parseCsv(Buffer.from('email\tname\nida@example.org\tMüller, Ida; Dr.\n'));
    expect(parsed.delimiter).toBe('\t');
    expect(parsed.rows[0]!.cells).toEqual(['ida@example.org', 'Müller, Ida; Dr.']);
  });

  it('names the line where an unclosed quote makes the rest unreadable', () => {
    expect(csvError(fixture('unclosed-quote.csv'))).toMatchObject({ code: 'malformed', line: 3 });
  });
});
