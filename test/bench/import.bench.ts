/**
 * The CSV import core (parse + validate + write, confirmed mode, no HTTP, no Redis) with
 * 100,000 rows against a fresh SQLite file, next to just parsing the same file (baseline).
 * Prints seconds, rows/s and the ratio; never fails on timing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { migrateDatabase, openDatabase } from '../../db/client.js';
import * as imports from '../../db/queries/imports.js';
import type { ImportOptions } from '../../server/services/imports/index.js';
import { parseCsv } from '../../server/services/imports/decode.js';
import { guessMapping } from '../../server/services/imports/mapping.js';
import { runImport } from '../../server/services/imports/run.js';
import { Secrets } from '../../server/infra/security.js';

const TOTAL = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'lp-bench-import-'));
const file = join(dir, 'people.csv');

const REGIONS = ['15001', 'Halle (Saale)', '15003', 'Harz', '15088', 'Börde', 'overregional'];
const ROLES = ['volunteer', 'Ehrenamtlich engagiert', 'staff', 'municipality', 'Volunteer'];
const TOPICS = ['funding', 'Beratungsangebote', 'training', 'networking'];
const FIRST = ['Anna', 'Ben', 'Clara', 'Deniz', 'Emil', 'Fatma', 'Greta', 'Hassan', 'Ida', 'Jonas'];
const LAST = ['Müller', 'Schmidt', 'Schulz', 'Yilmaz', 'Kowalski', 'Becker', 'Wagner', 'Hoffmann'];

const lines = ['E-Mail;Name;Landkreis;Rolle;Themen;Sprache'];
for (let i = 0; i < TOTAL; i++) {
  lines.push(
    [
      `person${i}@example.org`,
      `${FIRST[i % FIRST.length]} ${LAST[i % LAST.length]}`,
      REGIONS[i % REGIONS.length],
      `${ROLES[i % ROLES.length]}|${ROLES[(i + 2) % ROLES.length]}`,
      `"${TOPICS[i % TOPICS.length]}; ${TOPICS[(i + 1) % TOPICS.length]}"`,
      i % 5 ? 'de' : 'en',
    ].join(';'),
  );
}
writeFileSync(file, lines.join('\r\n'));
const bytes = readFileSync(file);
const secrets = new Secrets('bench-secret-key-bench-secret-key');
const seconds = { parse: 0, import: 0 };

afterAll(() => {
  const rate = (s: number) => Math.round(TOTAL / s).toLocaleString('en');
  console.log(
    `\nCSV import of ${TOTAL.toLocaleString('en')} rows (${(bytes.length / 1e6).toFixed(1)} MB):` +
      `\n  parse only (baseline): ${seconds.parse.toFixed(2)} s, ${rate(seconds.parse)} rows/s` +
      `\n  parse + validate + write (confirmed): ${seconds.import.toFixed(2)} s, ${rate(seconds.import)} rows/s` +
      `\n  ratio import / parse: ${(seconds.import / seconds.parse).toFixed(1)}x`,
  );
  rmSync(dir, { recursive: true, force: true });
});

const once = { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 };

describe('CSV import, 100,000 rows', () => {
  bench(
    'parse only (baseline)',
    () => {
      const t = performance.now();
      parseCsv(bytes);
      seconds.parse = (performance.now() - t) / 1000;
    },
    once,
  );

  bench(
    'parse + validate + write, confirmed mode',
    async () => {
      const database = openDatabase(join(dir, `bench-${Date.now()}.db`));
      migrateDatabase(database);
      const parsed = parseCsv(bytes);
      const options: ImportOptions = {
        encoding: parsed.encoding,
        delimiter: parsed.delimiter,
        headers: parsed.headers,
        preview: [],
        mapping: guessMapping(parsed.headers),
        mode: 'confirmed',
        consentSource: 'Benchmark',
        enteredBy: 'bench@example.org',
      };
      const row = imports.createImport(
        {
          fileName: 'people.csv',
          filePath: file,
          options,
          totalRows: TOTAL,
          createdBy: null,
        },
        database.db,
      );
      imports.updateImport(row.id, { status: 'running' }, database.db);
      const t = performance.now();
      const counts = await runImport({ db: database.db, secrets, cooldownMs: 0 }, row.id);
      seconds.import = (performance.now() - t) / 1000;
      database.close();
      if (counts.created !== TOTAL) throw new Error(`created ${counts.created} of ${TOTAL}`);
    },
    once,
  );
});
