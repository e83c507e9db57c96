import { migrateDatabase, openDatabase, type Database_ } from '../../db/client.js';
import type { ServiceLog } from '../../server/services/context.js';
import { Secrets } from '../../server/infra/security.js';
import { testConfig, type TestConfig } from './env.js';

export interface ServiceTestContext {
  db: Database_['db'];
  config: TestConfig;
  secrets: Secrets;
  log: ServiceLog;
  database: Database_;
  /** Rows as SQLite holds them, for asserting what a service wrote. */
  sql<T>(query: string, ...params: unknown[]): T[];
  close(): void;
}

const quiet: ServiceLog = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * What a service needs that does not touch Redis: a fresh, migrated SQLite file in the test's
 * own data directory, the config and the secrets.
 */
export function serviceTestContext(env: Record<string, string> = {}): ServiceTestContext {
  const config = testConfig(env);
  const database = openDatabase(config.databaseFile);
  migrateDatabase(database);
  return {
    db: database.db,
    config,
    secrets: new Secrets(config.secretKey),
    log: quiet,
    database,
    sql: <T>(query: string, ...params: unknown[]) =>
      database.sqlite.prepare(query).all(...params) as T[],
    close() {
      database.close();
      config.cleanup();
    },
  };
}
