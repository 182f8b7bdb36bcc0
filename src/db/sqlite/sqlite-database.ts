/**
 * The SQLite engine (better-sqlite3): the embedded default. Three connections to one file:
 * - the writer, on which units of work run in groups (write-queue.ts);
 * - a reader for everything outside a unit: WAL lets it read committed data while the writer
 *   writes, so a read never sees a unit that is not committed (or that is rolled back);
 * - the readiness probe's (write-probe.ts), so its short lock attempts never touch the others.
 * An in-memory database exists on one connection only, so there all three are the writer.
 *
 * A file that cannot serve as the store stops start-up with a StorageConfigError naming DATABASE_URL.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { withRetries, type Database, type Tx } from '../database';
import type { Drizzle, Executor } from '../executor';
import { migrateSqlite } from '../migrate';
import { repositoriesOver } from '../repositories';
import * as schema from '../schema';
import { storageProblem, StorageConfigError } from '../storage-error';
import { WriteQueue } from './write-queue';
import { probeWrites, probeWritesPatiently } from './write-probe';

/** How long a unit of work waits for another process's write lock before it fails (busy). */
export const BUSY_TIMEOUT_MS = 5000;

export interface SqliteOpenOptions {
  /** Create the file's folder when missing (only for the default ./data; any other must exist). */
  createFolder?: boolean;
  /** Sees every statement Drizzle runs, with its parameters (tests read query plans with it). */
  onQuery?: (sql: string, params: unknown[]) => void;
  busyTimeoutMs?: number;
}

export interface SqliteDatabase extends Database {
  readonly engine: 'sqlite';
  /** The writer's raw connection (operators' tools and tests only). */
  readonly sqlite: BetterSqlite.Database;
  /** Closes at once, for a caller that ran no unit of work (tools that only migrate, tests). */
  closeNow(): void;
}

export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:') return ':memory:';
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  throw new Error(`Unsupported DATABASE_URL scheme`);
}

export function openSqliteDatabase(databaseUrl: string, options: SqliteOpenOptions = {}): SqliteDatabase {
  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') checkPath(databaseUrl, path, options.createFolder ?? false);
  const opened: BetterSqlite.Database[] = [];
  try {
    const writer = new BetterSqlite(path);
    opened.push(writer);
    return setUp(writer, path, options, opened);
  } catch (error) {
    for (const connection of opened) if (connection.open) connection.close();
    throw storageProblem(databaseUrl, error) ?? error;
  }
}

/**
 * The WAL file's fdatasync, which is all synchronous=FULL adds to a commit in WAL mode, run on
 * libuv's thread pool. The file is opened once (after the first commit it always exists, and it is
 * truncated, never deleted, while this process holds connections to the database); fdatasync
 * flushes the file whichever descriptor wrote to it.
 */
function walFile(path: string): { sync(): Promise<void>; close(): Promise<void> } {
  let handle: Promise<FileHandle> | null = null;
  return {
    async sync() {
      handle ??= open(`${path}-wal`, 'r+');
      try {
        await (await handle).datasync();
      } catch (error) {
        // Opened afresh next time (a descriptor that failed once is not trusted again).
        const failed = handle;
        handle = null;
        void failed.then((file) => file.close()).catch(() => undefined);
        throw error;
      }
    },
    async close() {
      const open = handle;
      handle = null;
      await (await open?.catch(() => null))?.close();
    },
  };
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

function setUp(writer: BetterSqlite.Database, path: string, options: SqliteOpenOptions, opened: BetterSqlite.Database[]): SqliteDatabase {
  // WAL lets readers run beside the one writer (and a second process on the same file);
  // synchronous=FULL makes every committed transaction, audit rows included, survive power loss
  // (the migrations' too; the write queue keeps that guarantee its own way, set up below).
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = FULL');
  writer.pragma('foreign_keys = ON');
  // Deleted and overwritten content is zeroed in the pages, not left in free space or free
  // pages: a buyer's personal data erased by erasePersonalData must not linger there
  // (afterErasure also checkpoints the WAL). On for every write, since a row moved by an earlier
  // page split or delete would otherwise leave its old bytes behind.
  writer.pragma('secure_delete = ON');
  // Start-up may wait for another process's migrations (nothing is served yet), so the busy
  // handler waits here; afterwards the write queue waits on timers instead (busy_timeout 0).
  writer.pragma(`busy_timeout = ${options.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
  // Under the write lock, so simultaneous first starts on one file cannot collide (migrate.ts).
  const migrationsApplied = migrateSqlite(writer);
  // SQLite opens a file it may not write read-only without a word, and a migrated database needs
  // no write at start-up: without this, the first payment would be the first to find out.
  const writable = probeWrites(writer);
  if (!writable.ok && writable.reason === 'read-only') throw Object.assign(new Error('the database is read-only'), { code: writable.code });
  writer.pragma('busy_timeout = 0');

  const memory = path === ':memory:';
  const reader = memory ? writer : new BetterSqlite(path, { fileMustExist: true });
  if (!memory) {
    opened.push(reader);
    // A reader never writes; and in WAL mode it waits for nobody but a checkpoint's brief lock.
    reader.pragma('query_only = ON');
    reader.pragma('busy_timeout = 100');
  }
  let probe: BetterSqlite.Database | undefined;
  const probeConnection = () => {
    if (memory) return writer;
    if (!probe?.open) probe = new BetterSqlite(path, { fileMustExist: true, timeout: 0 });
    return probe;
  };

  const closeAll = () => {
    for (const connection of [probe, ...opened]) if (connection?.open) connection.close();
  };
  let statements = 0;
  const logger = {
    logQuery: (query: string, params: unknown[]) => {
      statements += 1;
      options.onQuery?.(query, params);
    },
  };
  const tables = schema;
  // better-sqlite3's Drizzle is synchronous; its query builders are also promises, which is all
  // the repositories use (executor.ts), so it serves as the asynchronous executor type.
  const asExecutor = (connection: BetterSqlite.Database): Executor => ({
    db: drizzle(connection, { schema, logger }) as unknown as Drizzle,
    tables,
    engine: 'sqlite',
    prepared: new Map(),
  });
  // From here on the write queue makes each commit durable itself, off the event loop (write-queue.ts):
  // the connection's own COMMIT no longer fsyncs the WAL, and the queue's fdatasync of it does.
  const wal = memory ? null : walFile(path);
  if (wal) writer.pragma('synchronous = NORMAL');
  const queue = new WriteQueue(writer, { busyTimeoutMs: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS, ...(wal ? { sync: wal.sync } : {}) });
  const tx: Tx = { ...repositoriesOver(asExecutor(writer)), lockPayment: async () => undefined, announceStatusChange: async () => undefined };
  const read = repositoriesOver(asExecutor(reader));

  return {
    engine: 'sqlite',
    sqlite: writer,
    read,
    migrationsApplied,
    description: memory ? 'SQLite in memory' : `SQLite at ${path}`,
    transaction: (work, unitOptions) => withRetries(() => queue.enqueue(() => work(tx), unitOptions?.durability), () => false),
    statementCount: () => statements,
    listenForStatusChanges: () => null,
    canWrite: () => probeWritesPatiently(probeConnection),
    afterErasure: () =>
      queue.whenIdle(() => {
        // Copies every page the WAL holds into the main file and truncates the WAL to zero bytes,
        // so the page images from before an erasure survive in neither. Busy when another
        // connection's read kept part of the WAL in use (those bytes leave at a later checkpoint).
        const [result] = writer.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        return result !== undefined && result.busy === 0;
      }),
    async close() {
      await queue.whenIdle(() => undefined);
      closeAll();
      await wal?.close();
    },
    closeNow: () => closeAll(),
  };
}
