import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as imports from '../../../../db/queries/imports.js';
import {
  IMPORT_FILE_RETENTION_MS,
  purgeStaleImports,
} from '../../../../server/services/imports/files.js';
import { freshDatabase, upload } from './_setup.js';

describe('uploaded files', () => {
  it('deletes uploaded files (and their preview) a week after upload; a running import keeps its file', () => {
    const database = freshDatabase('lp-import-purge-');
    try {
      const { db } = database;
      const old = upload(database, database.dir, 'fixed.csv');
      const running = upload(database, database.dir, 'fixed.csv');
      const fresh = upload(database, database.dir, 'fixed.csv');
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
      database.cleanup();
    }
  });
});
