/**
 * Opens the SQLite database named by DATABASE_URL, sets the pragmas a payments store needs and
 * applies the committed drizzle-kit migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrateSqlite } from './migrate';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema>;

export interface OpenDatabase {
  db: Db;
  sqlite: Database.Database;
  /** True when the database answers a trivial query (readiness). */
  ping(): boolean;
  /** How many pending migrations this open applied (0 when the database was up to date). */
  migrationsApplied: number;
  /** Statements run through Drizzle since the database was opened (tests count queries with it: no N+1). */
  statementCount(): number;
  close(): void;
}

export { MIGRATIONS_FOLDER } from './migrate';

export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:') return ':memory:';
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  throw new Error(`Unsupported DATABASE_URL scheme`);
}

export interface OpenDatabaseOptions {
  /** Sees every statement Drizzle runs, with its parameters (tests read query plans with it). */
  onQuery?: (sql: string, params: unknown[]) => void;
}

export function openDatabase(databaseUrl: string, options: OpenDatabaseOptions = {}): OpenDatabase {
  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });

  const sqlite = new Database(path);
  // WAL lets readers run beside the one writer (and a second process on the same file);
  // synchronous=FULL makes every committed transaction, audit rows included, survive power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Another process holding the write lock is waited for rather than failing at once.
  sqlite.pragma('busy_timeout = 5000');
  // Deleted and overwritten content is zeroed in the pages, not left in free space or free
  // pages: a buyer's personal data erased by erasePersonalData must not linger there
  // (personal-data.repository.ts also checkpoints the WAL after an erasure). On for every write,
  // since a row moved by an earlier page split or delete would otherwise leave its old bytes behind.
  sqlite.pragma('secure_delete = ON');

  let statements = 0;
  const db = drizzle(sqlite, {
    schema,
    logger: {
      logQuery: (query, params) => {
        statements += 1;
        options.onQuery?.(query, params);
      },
    },
  });
  // Under the write lock, so simultaneous first starts on one file cannot collide (migrate.ts).
  const migrationsApplied = migrateSqlite(sqlite);

  return {
    db,
    sqlite,
    migrationsApplied,
    statementCount: () => statements,
    ping() {
      try {
        return sqlite.prepare('SELECT 1 AS ok').get() !== undefined;
      } catch {
        return false;
      }
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
