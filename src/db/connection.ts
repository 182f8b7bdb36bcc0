/**
 * Opens the SQLite database named by DATABASE_URL, sets the pragmas a payments store needs and
 * applies the committed drizzle-kit migrations. A file that cannot serve as the store stops
 * start-up with a StorageConfigError naming DATABASE_URL.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrateSqlite } from './migrate';
import * as schema from './schema';
import { sqliteCode, storageProblem, StorageConfigError } from './storage-error';

export type Db = BetterSQLite3Database<typeof schema>;

export interface OpenDatabase {
  db: Db;
  sqlite: Database.Database;
  /** How many pending migrations this open applied (0 when the database was up to date). */
  migrationsApplied: number;
  /** Statements run through Drizzle since the database was opened (tests count queries with it: no N+1). */
  statementCount(): number;
  /** Whether the database accepts a write right now (readiness), waiting at most WRITE_PROBE_BUSY_TIMEOUT_MS. */
  canWrite(): WriteProbe;
  close(): void;
}

export type WriteProbe = { ok: true } | { ok: false; reason: 'locked' | 'read-only' | 'unavailable'; code?: string };

/**
 * How long the readiness probe waits for another connection's write lock. better-sqlite3 is
 * synchronous, so this is how long a probe may hold the event loop; the main connection's
 * 5 s busy_timeout would stall every request for 5 s on each probe while another process writes.
 */
export const WRITE_PROBE_BUSY_TIMEOUT_MS = 250;

export interface OpenDatabaseOptions {
  /** Create the file's folder when missing (only for the default ./data; any other must exist). */
  createFolder?: boolean;
  /** Sees every statement Drizzle runs, with its parameters (tests read query plans with it). */
  onQuery?: (sql: string, params: unknown[]) => void;
}

export { MIGRATIONS_FOLDER } from './migrate';

export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:') return ':memory:';
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  throw new Error(`Unsupported DATABASE_URL scheme`);
}

export function openDatabase(databaseUrl: string, options: OpenDatabaseOptions = {}): OpenDatabase {
  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') checkPath(databaseUrl, path, options.createFolder ?? false);
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(path);
    return setUp(sqlite, path, options);
  } catch (error) {
    if (sqlite?.open) sqlite.close();
    throw storageProblem(databaseUrl, error) ?? error;
  }
}

/** What SQLite would only report as "unable to open database file", said in the operator's terms. */
function checkPath(databaseUrl: string, path: string, createFolder: boolean): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) {
    if (!createFolder) throw new StorageConfigError(`the folder ${folder} does not exist (create it, or point DATABASE_URL elsewhere)`);
    mkdirSync(folder, { recursive: true });
  } else if (!statSync(folder).isDirectory()) {
    throw new StorageConfigError(`${folder} is not a folder`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new StorageConfigError(`${databaseUrl} is a folder, not a database file`);
}

function setUp(sqlite: Database.Database, path: string, options: OpenDatabaseOptions): OpenDatabase {
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
  // SQLite opens a file it may not write read-only without a word, and a migrated database needs
  // no write at start-up: without this, the first payment would be the first to find out.
  const writable = probeWrites(sqlite);
  if (!writable.ok && writable.reason === 'read-only') throw Object.assign(new Error('the database is read-only'), { code: writable.code });

  // The probe has its own connection so that its short busy timeout never changes the main one's;
  // an in-memory database exists only on the main connection (and no other process can lock it).
  let probe: Database.Database | undefined;
  const probeConnection = () => {
    if (path === ':memory:') return sqlite;
    if (!probe?.open) probe = new Database(path, { fileMustExist: true, timeout: WRITE_PROBE_BUSY_TIMEOUT_MS });
    return probe;
  };

  return {
    db,
    sqlite,
    migrationsApplied,
    statementCount: () => statements,
    canWrite() {
      try {
        return probeWrites(probeConnection());
      } catch (error) {
        return writeProbeFailure(error);
      }
    },
    close() {
      if (probe?.open) probe.close();
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Takes the write lock and writes (a table created inside a transaction that is rolled back):
 * BEGIN IMMEDIATE alone succeeds on a read-only file, so only a write shows it. Nothing is kept.
 */
export function probeWrites(connection: Database.Database): WriteProbe {
  try {
    connection.exec('BEGIN IMMEDIATE');
  } catch (error) {
    return writeProbeFailure(error);
  }
  try {
    connection.exec('CREATE TABLE readiness_probe (x)');
    return { ok: true };
  } catch (error) {
    return writeProbeFailure(error);
  } finally {
    if (connection.inTransaction) connection.exec('ROLLBACK');
  }
}

function writeProbeFailure(error: unknown): WriteProbe {
  const code = sqliteCode(error);
  if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) return { ok: false, reason: 'locked', code };
  if (code?.startsWith('SQLITE_READONLY')) return { ok: false, reason: 'read-only', code };
  return { ok: false, reason: 'unavailable', code };
}
