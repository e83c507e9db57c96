import {
  backupDatabase,
  migrateDatabase,
  openDatabase,
  type Database_,
  type Db,
} from '../../../db/client.js';
import type { Config } from '../../config.js';

/**
 * The database file as the operator handles it (`npx landpost migrate | backup`) and as the
 * other CLI commands use it: opened and migrated, as at every start of the server.
 */
export class OperatorDatabase {
  private constructor(
    private readonly database: Database_,
    private readonly config: Config,
  ) {}

  /** Open the configured database file (created if missing) and apply the migrations. */
  static open(config: Config): OperatorDatabase {
    const database = openDatabase(config.databaseFile);
    try {
      migrateDatabase(database);
    } catch (err) {
      database.close();
      throw err;
    }
    return new OperatorDatabase(database, config);
  }

  get db(): Db {
    return this.database.db;
  }

  /** An online copy (safe while the server runs); by default a time-stamped file in DATA_DIR. */
  async backup(target?: string): Promise<string> {
    const file =
      target ??
      `${this.config.dataDir}/backup-${new Date().toISOString().replace(/[:.]/g, '-')}.sqlite`;
    await backupDatabase(this.database, file);
    return file;
  }

  close(): void {
    this.database.close();
  }
}
