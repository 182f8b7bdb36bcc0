/**
 * Opens the database DATABASE_URL names, applying the committed migrations under a lock:
 * `file:PATH` or `:memory:` is SQLite (the embedded default), `postgres://...` is PostgreSQL.
 * A database that cannot serve as the store stops start-up with a StorageConfigError naming DATABASE_URL.
 */
import type { Database } from './database';
import { openPostgresDatabase } from './postgres/postgres-database';
import { openSqliteDatabase } from './sqlite/sqlite-database';

export interface OpenDatabaseOptions {
  /** SQLite: create the file's folder when missing (only for the default ./data; any other must exist). */
  createFolder?: boolean;
  /** Sees every statement Drizzle runs, with its parameters (tests read query plans with it). */
  onQuery?: (sql: string, params: unknown[]) => void;
  /** PostgreSQL: connections this process keeps open. */
  poolSize?: number;
  /** SQLite: how long a write waits for another process's write lock. */
  busyTimeoutMs?: number;
}

export type { Database, Tx, WriteProbe } from './database';
export { MIGRATIONS_FOLDER } from './migrate';
export { sqlitePath } from './sqlite/sqlite-database';

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(databaseUrl);
}

export async function openDatabase(databaseUrl: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  if (isPostgresUrl(databaseUrl)) return openPostgresDatabase(databaseUrl, options);
  return openSqliteDatabase(databaseUrl, options);
}
