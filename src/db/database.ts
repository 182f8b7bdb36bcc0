/**
 * The gateway's database, whichever engine DATABASE_URL chose (sqlite/sqlite-database.ts,
 * postgres/postgres-database.ts): one unit-of-work API, so the services have one code path.
 *
 * Services write only inside `transaction(async (tx) => ...)`, reading and writing through the
 * repositories of `tx`; a unit of work never calls Khalti (it would hold a transaction, and on
 * SQLite the write lock, for as long as Khalti takes). Reads outside a unit use `read`, which
 * sees only committed data.
 */
import type { Repositories } from './repositories';

export type Engine = 'sqlite' | 'postgres';

export interface Tx extends Repositories {
  /**
   * Locks the payment's row until the unit commits, so that what is decided from it (a status, a
   * refund's balance) cannot interleave with another unit deciding from the same row.
   * PostgreSQL: SELECT ... FOR UPDATE. SQLite: every unit already holds the database's write lock.
   */
  lockPayment(pidx: string): Promise<void>;
  /**
   * Announces, when this unit commits, the status change recorded as audit row `auditId`, to every
   * instance listening (PostgreSQL: pg_notify in this transaction, delivered at commit and in
   * commit order). SQLite: nothing; other processes on the file read the log (StatusChangeFeed).
   */
  announceStatusChange(auditId: number): Promise<void>;
}

/** What an instance hears of the status changes any instance commits (Database.listenForStatusChanges). */
export interface StatusChangeListener {
  /** A committed status change, by its audit row id, in commit order. */
  onChange(auditId: number): void;
  /** Listening (again): changes announced while not listening were missed, and must be read from the log. */
  onListening(): void;
  onError(error: unknown): void;
}

/**
 * How durable a unit's commit must be before its promise settles.
 * - 'full' (the default): on disk, so it survives power loss (SQLite: the WAL fdatasync'ed after
 *   the commit, sqlite/write-queue.ts; PostgreSQL: its WAL flushed at COMMIT). Every payment,
 *   refund and audit row of theirs is written so.
 * - 'relaxed': committed and visible to every reader, and kept if the process dies, but an OS crash
 *   or power loss before the next sync may lose it (SQLite: it settles at its COMMIT without
 *   waiting for a sync; the WAL is written in order, so the next full unit's sync covers it too;
 *   PostgreSQL commits it as a full one, postgres-database.ts says why). Only for bookkeeping that redoes
 *   itself when lost: the webhook worker's leases and attempt records (a lost record means the
 *   webhook is sent again, with the same webhook-id, which delivery at least once allows).
 */
export type Durability = 'full' | 'relaxed';

export interface UnitOptions {
  durability?: Durability;
  /**
   * The unit runs exactly one statement, atomic by itself: PostgreSQL runs it without BEGIN and
   * COMMIT (on SQLite it is a unit like any other). It may not lock a payment or announce a change.
   */
  singleStatement?: boolean;
}

/** For a unit that is one write (an audit row, a claim): on PostgreSQL two round trips fewer. */
export const SINGLE_STATEMENT: UnitOptions = { singleStatement: true };

export type WriteProbe = { ok: true } | { ok: false; reason: 'locked' | 'read-only' | 'unavailable'; code?: string };

export interface Database {
  readonly engine: Engine;
  /** Repositories for reads outside a unit of work (committed data only). */
  readonly read: Repositories;
  /**
   * Runs `work` as one unit of work: all its writes commit together or none do, and the promise
   * settles only after the commit (so nothing is announced before it is durable). A unit that
   * loses a race the engine detects (a PostgreSQL serialization failure or deadlock) is run
   * again, so `work` must have no effects outside the database.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>, options?: UnitOptions): Promise<T>;
  /** How many pending migrations opening the database applied (0 when it was up to date). */
  readonly migrationsApplied: number;
  /** Statements run since the database was opened (tests count queries with it: no N+1). */
  statementCount(): number;
  /** Whether the database accepts a write right now (readiness); waits briefly, never blocking the process. */
  canWrite(): Promise<WriteProbe>;
  /**
   * After personal data was erased: what the engine must do so that no file keeps the old values
   * (SQLite: checkpoint and truncate the WAL). Returns false when part had to be left for later.
   */
  afterErasure(): Promise<boolean>;
  /**
   * Starts hearing committed status changes as they are announced; null where the engine has no
   * such channel (SQLite: the log is polled instead). Reconnects by itself until closed.
   */
  listenForStatusChanges(listener: StatusChangeListener): Promise<{ close(): Promise<void> }> | null;
  /** Where the data lives, for log lines (never a password). */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * A compare-and-set found the row changed since it was read (it should be locked, so this is a
 * race the locking missed): the unit of work is rolled back and run again, never failed.
 */
export class StaleRowError extends Error {
  constructor(row: string) {
    super(`${row} changed while a unit of work held it`);
    this.name = 'StaleRowError';
  }
}

/** How many times a unit of work that lost a race is run in all before its error is the answer. */
export const MAX_UNIT_ATTEMPTS = 5;

/** Runs `unit` again while it fails in a way `retryable` says nothing of it was committed. */
export async function withRetries<T>(unit: () => Promise<T>, retryable: (error: unknown) => boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await unit();
    } catch (error) {
      if (attempt >= MAX_UNIT_ATTEMPTS || !(error instanceof StaleRowError || retryable(error))) throw error;
    }
  }
}
