import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.js';
import { seedDefaults } from './seed.js';

export type Db = BetterSQLite3Database<typeof schema>;
/** A transaction or the database itself: every query function takes one as its last argument. */
export type Tx = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'run' | 'all' | 'get'>;

export interface Database_ {
  db: Db;
  sqlite: Database.Database;
  close(): void;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Open (and create) the SQLite file with WAL, foreign keys and a busy timeout. */
export function openDatabase(file: string): Database_ {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // REPLACE must fire DELETE triggers too (the consent log refuses deletes).
  sqlite.pragma('recursive_triggers = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  return {
    db,
    sqlite,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/** Apply the committed migrations, then make sure the default regions, roles, topics exist. */
export function migrateDatabase(database: Database_): void {
  migrate(database.db, { migrationsFolder });
  seedDefaults(database.db);
}

/** The database answers a trivial query. */
export function ping(db: Db): boolean {
  return db.get<{ ok: number }>(sql`select 1 as ok`)?.ok === 1;
}

/** Run fn in one SQLite transaction (synchronous, as better-sqlite3 is). */
export function transaction<T>(db: Db, fn: (tx: Tx) => T): T {
  return db.transaction((tx) => fn(tx));
}

/** Online backup of the database file (safe while the app runs). */
export async function backupDatabase(database: Database_, target: string): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  await database.sqlite.backup(target);
}
