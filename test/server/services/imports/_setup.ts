/**
 * What the import service tests share: the CSV fixtures, reference data like the seeded one,
 * and a fresh migrated SQLite file in a temporary directory.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  migrateDatabase,
  openDatabase,
  transaction,
  type Database_,
} from '../../../../db/client.js';
import type { Import } from '../../../../db/queries/imports.js';
import { parseCsv } from '../../../../server/services/imports/decode.js';
import { saveUpload } from '../../../../server/services/imports/files.js';
import type { ImportReference } from '../../../../server/services/imports/validate.js';

export const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../../fixtures/csv', name));

export const reference: ImportReference = {
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

/** A migrated database in a fresh directory (also the data directory for uploads). */
export function freshDatabase(prefix: string): Database_ & { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const database = openDatabase(join(dir, 'db.sqlite'));
  migrateDatabase(database);
  return Object.assign(database, {
    dir,
    cleanup() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Store a fixture as an uploaded file with its import row. */
export function upload(database: Database_, dataDir: string, name: string): Import {
  const bytes = fixture(name);
  return transaction(database.db, (tx) =>
    saveUpload(dataDir, { fileName: name, bytes, parsed: parseCsv(bytes), createdBy: null }, tx),
  );
}
