/**
 * SQLite's units of work, committed in groups. One connection writes, so units run one after
 * another; those that arrive together share one transaction (BEGIN IMMEDIATE ... COMMIT) with a
 * savepoint each. A unit that fails rolls back to its savepoint alone.
 *
 * Durability without holding the event loop: SQLite's synchronous=FULL would fsync the WAL inside
 * COMMIT, on this thread, with every request waiting (a profile of the webhook bench found a fifth
 * of the thread's time there). Instead the connection commits with synchronous=NORMAL and the
 * queue makes the WAL durable itself (`sync`: the WAL file's fdatasync, on libuv's thread pool),
 * which is what FULL's commit does. A unit's promise settles only once a sync that began after its
 * COMMIT has finished, so nothing is acknowledged or announced before it is on disk, and a committed
 * payment survives power loss as under FULL. Syncs are grouped: the groups that commit while one
 * sync runs all wait for the next, so the disk sees one sync per round trip, however many commit.
 * (What other connections may see early: a plain read can find a commit a few milliseconds before
 * it is durable. Every unit that builds on it commits after it, so its own sync covers both.)
 * A unit that asked for relaxed durability (database.ts) starts no sync of its own: it settles at
 * its COMMIT, or once the syncs of earlier commits (which it may have read) have finished.
 *
 * The write lock of another process is waited for with timers, not with SQLite's busy handler:
 * busy_timeout would hold the whole event loop (every request, /healthz) for as long as the other
 * process writes; here only the waiting units are slow.
 */
import { AsyncResource } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { Durability } from '../database';
import { sqliteCode } from '../storage-error';

export interface WriteQueueOptions {
  /** How long a unit waits for another process's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs: number;
  /** Most units in one commit (bounds how long one group holds the lock). */
  maxGroupSize?: number;
  /**
   * Makes everything committed so far durable, off the event loop (the WAL's fdatasync). Absent
   * (an in-memory database, which nothing makes durable): a unit settles at its COMMIT.
   */
  sync?: () => Promise<void>;
}

interface Unit {
  durability: Durability;
  run(): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface SyncWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Ran {
  unit: Unit;
  value: unknown;
}

const FIRST_RETRY_MS = 2;
const LONGEST_RETRY_MS = 50;

export class WriteQueue {
  private readonly waiting: Unit[] = [];
  private draining = false;
  private idle: (() => void)[] = [];
  /** Units committed together, last group (for the bench and tests of grouping). */
  lastGroupSize = 0;
  /** Syncs run so far (tests of their grouping). */
  syncs = 0;
  private syncing = false;
  /** Committed groups waiting for a sync that begins after their COMMIT. */
  private syncWaiters: SyncWaiter[] = [];
  /** The groups the sync in flight will settle. */
  private inFlight: SyncWaiter[] = [];

  constructor(
    private readonly sqlite: Database.Database,
    private readonly options: WriteQueueOptions,
  ) {
    // SQLite's own busy handler would wait with the event loop held; the queue waits on timers.
    sqlite.pragma('busy_timeout = 0');
  }

  /** Queues `run` as one unit of work; settles once its group's commit is durable (runGroup says when). */
  enqueue<T>(run: () => Promise<T>, durability: Durability = 'full'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // The unit runs in its caller's async context (who is acting, for the audit rows), not in
      // that of whichever unit happened to start the group.
      this.waiting.push({ durability, run: AsyncResource.bind(run), resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // Let the units of this turn of the event loop arrive, then commit them together.
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * Runs `action` on the connection when no group is open (outside any transaction: a WAL
   * checkpoint) and no commit waits for its sync (closing).
   */
  whenIdle<T>(action: () => T): Promise<T> {
    if (this.isIdle()) return Promise.resolve().then(action);
    return new Promise<T>((resolve, reject) => {
      this.idle.push(() => {
        try {
          resolve(action());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        try {
          await this.begin();
        } catch (error) {
          // The lock never came (or the database cannot be written): these units wrote nothing.
          for (const unit of this.waiting.splice(0)) unit.reject(error);
          return;
        }
        await this.runGroup();
      }
    } finally {
      this.draining = false;
      this.runIdleActions();
      if (this.waiting.length > 0) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    }
  }

  /** BEGIN IMMEDIATE, retried on timers while another connection holds the write lock. */
  private async begin(): Promise<void> {
    const deadline = Date.now() + this.options.busyTimeoutMs;
    for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, LONGEST_RETRY_MS)) {
      try {
        this.sqlite.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() + delay > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async runGroup(): Promise<void> {
    const ran: Ran[] = [];
    const max = this.options.maxGroupSize ?? 64;
    while (this.waiting.length > 0 && ran.length < max) {
      const unit = this.waiting.shift()!;
      // A unit alone in its group needs no savepoint: if it fails, the whole transaction goes. One
      // that others may join (they arrive while it runs) gets one, so it can be undone alone.
      const alone = ran.length === 0 && this.waiting.length === 0;
      if (!alone) this.sqlite.exec('SAVEPOINT unit');
      try {
        const value = await unit.run();
        if (!alone) this.sqlite.exec('RELEASE unit');
        ran.push({ unit, value });
      } catch (error) {
        if (alone) {
          if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
          unit.reject(error);
          this.lastGroupSize = 0;
          return;
        }
        if (!this.sqlite.inTransaction) {
          // SQLite rolled the whole transaction back (a full disk, an I/O error): the units that
          // ran before this one in the group are gone too.
          unit.reject(error);
          for (const earlier of ran) earlier.unit.reject(error);
          this.lastGroupSize = 0;
          return;
        }
        this.sqlite.exec('ROLLBACK TO unit');
        this.sqlite.exec('RELEASE unit');
        unit.reject(error);
      }
    }
    try {
      this.sqlite.exec('COMMIT');
    } catch (error) {
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      for (const { unit } of ran) unit.reject(error);
      this.lastGroupSize = 0;
      return;
    }
    this.lastGroupSize = ran.length;
    if (this.options.sync === undefined) {
      for (const { unit, value } of ran) unit.resolve(value);
      return;
    }
    // A group with a full unit waits for a sync begun after its COMMIT (its relaxed units too: they
    // may have read what the full ones wrote). A group of relaxed units alone starts no sync, but
    // waits for those of earlier commits it may have read: nothing settles on what is not on disk.
    const full = ran.some(({ unit }) => unit.durability === 'full');
    const durable = full ? this.afterSync() : this.afterEarlierSyncs();
    if (durable === null) {
      for (const { unit, value } of ran) unit.resolve(value);
      return;
    }
    // The next group may run meanwhile: its commit waits for a later sync, never this one.
    durable.then(
      () => {
        for (const { unit, value } of ran) unit.resolve(value);
      },
      (error: unknown) => {
        // Committed (others may read it) but not known to be on disk: its caller is told it failed.
        for (const { unit } of ran) unit.reject(error);
      },
    );
  }

  /** Settles once a sync that began after this call has finished. */
  private afterSync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.syncWaiters.push({ resolve, reject });
      this.startSync();
    });
  }

  /** Settles once every commit before this call is on disk, without asking for a sync; null when they are already. */
  private afterEarlierSyncs(): Promise<void> | null {
    // Waiting for a sync: the next one covers them. Only one in flight: it covers them.
    const joining = this.syncWaiters.length > 0 ? this.syncWaiters : this.syncing ? this.inFlight : null;
    if (joining === null) return null;
    return new Promise<void>((resolve, reject) => joining.push({ resolve, reject }));
  }

  /** One sync at a time, for every group committed before it began. */
  private startSync(): void {
    if (this.syncing || this.syncWaiters.length === 0) return;
    this.syncing = true;
    this.syncs += 1;
    const batch = this.syncWaiters.splice(0);
    this.inFlight = batch;
    this.options.sync!()
      .then(
        () => batch.forEach((waiter) => waiter.resolve()),
        (error: unknown) => batch.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        this.syncing = false;
        this.startSync();
        this.runIdleActions();
      });
  }

  private isIdle(): boolean {
    return !this.draining && !this.syncing && this.syncWaiters.length === 0;
  }

  private runIdleActions(): void {
    if (!this.isIdle()) return;
    for (const action of this.idle.splice(0)) action();
  }
}

export function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
