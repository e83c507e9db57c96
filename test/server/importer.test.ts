import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../db/client.js';
import * as imports from '../../db/queries/imports.js';
import {
  CsvError,
  decodeCsv,
  detectDelimiter,
  guessMapping,
  mappingProblem,
  parseCsv,
  purgeStaleImports,
  runImport,
  IMPORT_FILE_RETENTION_MS,
  saveUpload,
  validateImport,
  validateRows,
  type ImportReference,
} from '../../server/services/imports/index.js';
import { Secrets } from '../../server/infra/security.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/csv', name));

const reference: ImportReference = {
  regions: [
    { key: '15002', name: 'Halle (Saale)' },
    { key: '15003', name: 'Magdeburg' },
    { key: '15083', name: 'Börde' },
    { key: '15085', name: 'Harz' },
    { key: '15088', name: 'Saalekreis' },
  ],
  roles: [
    { key: 'volunteer', labels: { de: 'Ehrenamtlich engagiert', en: 'Volunteer' } },
    { key: 'staff', labels: { de: 'Hauptamtlich', en: 'Professional staff' } },
  ],
  topics: [
    { key: 'funding', labels: { de: 'Fördermöglichkeiten', en: 'Funding opportunities' } },
    { key: 'counselling', labels: { de: 'Beratungsangebote', en: 'Counselling services' } },
    { key: 'training', labels: { de: 'Weiterbildungsmöglichkeiten', en: 'Training' } },
    { key: 'networking', labels: { de: 'Vernetzungstreffen', en: 'Networking meetings' } },
    { key: 'support', labels: { de: 'Unterstützungsmöglichkeiten', en: 'Support offers' } },
  ],
};

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
});

describe('column mapping', () => {
  it('guesses German and English header names, each field once', () => {
    expect(
      guessMapping(['E-Mail', 'Name', 'Landkreis', 'Rolle', 'Themen', 'Sprache', 'Notiz']),
    ).toEqual(['email', 'name', 'region', 'roles', 'topics', 'language', 'ignore']);
    expect(guessMapping(['Email Address', 'Mail', 'Topics'])).toEqual([
      'email',
      'ignore',
      'topics',
    ]);
  });

  it('needs exactly one e-mail column and no field twice', () => {
    expect(mappingProblem(['name', 'ignore'])).toBe('emailMissing');
    expect(mappingProblem(['email', 'name', 'name'])).toBe('fieldTwice');
    expect(mappingProblem(['email', 'ignore', 'ignore'])).toBeNull();
  });
});

describe('validation report', () => {
  it('reports each problem with its line and skips those rows', () => {
    const parsed = parseCsv(fixture('with-errors.csv'));
    const { rows, report } = validateRows(
      parsed,
      guessMapping(parsed.headers),
      reference,
      () => new Set(['karl@example.org']),
    );
    expect(report.problems).toEqual([
      { line: 3, kind: 'emailInvalid', value: 'keine-adresse' },
      { line: 4, kind: 'regionUnknown', value: 'Atlantis' },
      { line: 5, kind: 'duplicate', value: '2' },
      { line: 6, kind: 'roleUnknown', value: 'Astronaut' },
      { line: 6, kind: 'topicUnknown', value: 'Kochen' },
      { line: 7, kind: 'emailMissing', value: '' },
    ]);
    expect(report).toMatchObject({
      totalRows: 6,
      validRows: 1,
      existingRows: 1,
      newRows: 0,
      problemRows: 5,
    });
    expect(rows[0]).toMatchObject({
      email: 'karl@example.org',
      regionKey: '15085',
      roleKeys: ['volunteer'],
      topicKeys: ['funding'],
    });
  });

  it('matches regions by key or name and roles/topics by key or label, split at ; or |', () => {
    const parsed = parseCsv(fixture('bom-comma.csv'));
    const { rows, report } = validateRows(
      parsed,
      guessMapping(parsed.headers),
      reference,
      () => new Set(),
    );
    expect(report.problems).toEqual([]);
    expect(rows[1]).toMatchObject({
      email: 'ben@example.org',
      regionKey: '15002',
      roleKeys: ['volunteer', 'staff'],
      language: 'en',
    });
    const quoted = parseCsv(fixture('quoted.csv'));
    const result = validateRows(quoted, guessMapping(quoted.headers), reference, () => new Set());
    expect(result.report.problems).toEqual([
      { line: 3, kind: 'nameInvalid', value: 'Emil\nzweite Zeile' },
    ]);
    expect(result.rows[0]!.topicKeys).toEqual(['funding', 'training']);
  });
});

describe('the import job', () => {
  it('keeps its place: after a failure it resumes without writing a row twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-import-resume-'));
    const database = openDatabase(join(dir, 'db.sqlite'));
    try {
      migrateDatabase(database);
      const { db, sqlite } = database;
      const parsed = parseCsv(fixture('fixed.csv'));
      const row = saveUpload(
        { db, dataDir: dir },
        { fileName: 'fixed.csv', bytes: fixture('fixed.csv'), parsed, createdBy: null },
      );
      validateImport(db, row.id, guessMapping(parsed.headers));
      const options = {
        ...imports.findImport(row.id, db)!.options,
        mode: 'confirmation' as const,
      };
      imports.updateImport(row.id, { status: 'running', options }, db);
      const secrets = new Secrets('resume-test-secret-resume-test-secret');
      let calls = 0;
      const deps = {
        db,
        secrets,
        cooldownMs: 600_000,
        batchSize: 2,
        enqueueConfirmations: async (ids: number[]) => {
          calls++;
          if (calls === 2) throw new Error('redis went away');
          mailed.push(...ids);
        },
      };
      const mailed: number[] = [];
      await expect(runImport(deps, row.id)).rejects.toThrow('redis went away');
      expect(imports.findImport(row.id, db)).toMatchObject({ status: 'failed', processedRows: 4 });
      imports.updateImport(row.id, { status: 'running' }, db);
      const counts = await runImport(deps, row.id);
      expect(counts).toEqual({ created: 4, updated: 0, unchanged: 0, skipped: 0 });
      expect(sqlite.prepare('select count(*) as n from subscribers').get()).toEqual({ n: 4 });
      expect(
        sqlite.prepare("select count(*) as n from consent_events where kind = 'signup'").get(),
      ).toEqual({ n: 4 });
      // The mails of the batch whose hand-over failed are lost (its rows were committed).
      expect(mailed).toHaveLength(2);
      expect(imports.findImport(row.id, db)!.status).toBe('done');
    } finally {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deletes uploaded files (and their preview) a week after upload; a running import keeps its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-import-purge-'));
    const database = openDatabase(join(dir, 'db.sqlite'));
    try {
      migrateDatabase(database);
      const { db } = database;
      const upload = () =>
        saveUpload(
          { db, dataDir: dir },
          {
            fileName: 'fixed.csv',
            bytes: fixture('fixed.csv'),
            parsed: parseCsv(fixture('fixed.csv')),
            createdBy: null,
          },
        );
      const old = upload();
      const running = upload();
      const fresh = upload();
      imports.updateImport(running.id, { status: 'running' }, db);
      const later = Date.now() + IMPORT_FILE_RETENTION_MS + 60_000;
      database.sqlite
        .prepare('update imports set created_at = ? where id = ?')
        .run(Date.now(), fresh.id);
      expect(purgeStaleImports(db, later - 0)).toBe(2);
      expect(existsSync(old.filePath)).toBe(false);
      expect(existsSync(running.filePath)).toBe(true);
      const after = imports.findImport(old.id, db)!;
      expect(after.filePath).toBe('');
      expect(after.options.preview).toEqual([]);
      expect(purgeStaleImports(db, later)).toBe(0);
    } finally {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
