/**
 * SQLite's units of work, committed in groups. One connection writes, so units run one after
 * another; those that arrive together share one transaction (BEGIN IMMEDIATE ... COMMIT) with a
 * savepoint each, so N concurrent requests pay for one fsync instead of N (synchronous=FULL stays:
 * a committed payment survives power loss). A unit that fails rolls back to its savepoint alone;
 * every unit's promise settles only after the COMMIT that made it durable (or the failure that
 * lost it), so nothing is announced before it is on disk.
 *
 * The write lock of another process is waited for with timers, not with SQLite's busy handler:
 * busy_timeout would hold the whole event loop (every request, /healthz) for as long as the other
 * process writes; here only the waiting units are slow.
 */
import { AsyncResource } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { sqliteCode } from '../storage-error';

export interface WriteQueueOptions {
  /** How long a unit waits for another process's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs: number;
  /** Most units in one commit (bounds how long one group holds the lock). */
  maxGroupSize?: number;
}

interface Unit {
  run(): Promise<unknown>;
  resolve(value: unknown): void;
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

  constructor(
    private readonly sqlite: Database.Database,
    private readonly options: WriteQueueOptions,
  ) {
    // SQLite's own busy handler would wait with the event loop held; the queue waits on timers.
    sqlite.pragma('busy_timeout = 0');
  }

  /** Queues `run` as one unit of work; settles after its group commits. */
  enqueue<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // The unit runs in its caller's async context (who is acting, for the audit rows), not in
      // that of whichever unit happened to start the group.
      this.waiting.push({ run: AsyncResource.bind(run), resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // Let the units of this turn of the event loop arrive, then commit them together.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Runs `action` on the connection when no group is open, outside any transaction (a WAL checkpoint). */
  whenIdle<T>(action: () => T): Promise<T> {
    if (!this.draining) return Promise.resolve().then(action);
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
      for (const action of this.idle.splice(0)) action();
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
    for (const { unit, value } of ran) unit.resolve(value);
  }
}

export function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
