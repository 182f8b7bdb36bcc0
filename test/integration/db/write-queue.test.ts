/**
 * SQLite's units of work on a real file: concurrent units share one commit (one fsync), a unit
 * that fails is undone alone, a unit settles only once its commit is durable, and another
 * process's write lock is waited for on timers, never by holding the event loop.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { WriteQueue } from '../../../src/db/sqlite/write-queue';

describe('the SQLite write queue', () => {
  let dir: string;
  let file: string;
  let writer: BetterSqlite.Database;
  let queue: WriteQueue;
  const rows = () => {
    const reader = new BetterSqlite(file, { readonly: true });
    try {
      return reader.prepare('SELECT x FROM t ORDER BY x').pluck().all();
    } finally {
      reader.close();
    }
  };
  const insert = (x: number) => async () => {
    writer.prepare('INSERT INTO t (x) VALUES (?)').run(x);
    return x;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-queue-'));
    file = join(dir, 'q.sqlite');
    writer = new BetterSqlite(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('synchronous = FULL');
    writer.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)');
    queue = new WriteQueue(writer, { busyTimeoutMs: 2000 });
  });
  afterEach(() => {
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits units that arrive together in one transaction, and each settles with its own value', async () => {
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => queue.enqueue(insert(i))));
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(queue.lastGroupSize).toBe(20);
    expect(rows()).toHaveLength(20);
  });

  it('undoes a failing unit alone: the others of its group commit, it rejects with its own error', async () => {
    const failing = queue.enqueue(async () => {
      writer.prepare('INSERT INTO t (x) VALUES (?)').run(2);
      throw new Error('unit 2 failed after writing');
    });
    const results = await Promise.allSettled([queue.enqueue(insert(1)), failing, queue.enqueue(insert(3))]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('unit 2 failed after writing');
    expect(rows()).toEqual([1, 3]);
  });

  it('undoes a unit that fails alone in its group, and the next group starts clean', async () => {
    await expect(
      queue.enqueue(async () => {
        writer.prepare('INSERT INTO t (x) VALUES (?)').run(4);
        throw new Error('alone and failed');
      }),
    ).rejects.toThrow('alone and failed');
    expect(writer.inTransaction).toBe(false);
    await queue.enqueue(insert(6));
    expect(rows()).toEqual([6]);
  });

  it('settles a unit only when another connection can already read what it wrote', async () => {
    let seen: unknown[] = [];
    await queue.enqueue(insert(7)).then(() => {
      seen = rows();
    });
    expect(seen).toEqual([7]);
  });

  it('waits for another connection\'s write lock on timers (the event loop stays free), then commits', async () => {
    const other = new BetterSqlite(file);
    other.exec('BEGIN IMMEDIATE');
    // The queue's attempts at the lock, as the writer connection sees them.
    const refused: string[] = [];
    const exec = writer.exec.bind(writer);
    jest.spyOn(writer, 'exec').mockImplementation((sql: string) => {
      try {
        return exec(sql);
      } catch (error) {
        if (sql === 'BEGIN IMMEDIATE') refused.push((error as { code?: string }).code ?? String(error));
        throw error;
      }
    });
    const order: string[] = [];
    const unit = queue.enqueue(insert(5)).then(() => order.push('unit'));
    // Polled on this test's own timers, with a deadline: they keep firing while the queue is
    // refused the lock again and again, so nothing holds the event loop.
    for (let tick = 0; tick < 500 && refused.length < 3; tick++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(refused.slice(0, 3)).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_BUSY']);
    order.push('timers');
    other.exec('ROLLBACK');
    other.close();
    await unit;
    expect(order).toEqual(['timers', 'unit']);
    expect(rows()).toEqual([5]);
  });

  it('fails a unit with SQLITE_BUSY, having written nothing, when the lock outlasts its busy timeout', async () => {
    const impatient = new WriteQueue(writer, { busyTimeoutMs: 100 });
    const other = new BetterSqlite(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(impatient.enqueue(insert(9))).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(rows()).toEqual([]);
    expect(writer.inTransaction).toBe(false);
  });

  it('runs each unit in its caller\'s async context', async () => {
    const who = new AsyncLocalStorage<string>();
    const seen = await Promise.all(['a', 'b', 'c'].map((name) => who.run(name, () => queue.enqueue(async () => who.getStore()))));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  describe('durability', () => {
    /** A sync the test finishes by hand: what the queue waits for before a full unit settles. */
    function controlledSync() {
      const pending: { resolve(): void; reject(error: unknown): void }[] = [];
      return {
        pending,
        sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
        finish(n = 0) {
          pending[n]!.resolve();
        },
      };
    }
    const settled = async (promise: Promise<unknown>) => {
      let done = false;
      void promise.then(
        () => (done = true),
        () => (done = true),
      );
      // Everything the queue does after a COMMIT or a sync runs in a few turns of the loop.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      return done;
    };

    it('settles a full unit only after a sync begun after its commit; a relaxed unit alone at its commit, starting no sync', async () => {
      const disk = controlledSync();
      const synced = new WriteQueue(writer, { busyTimeoutMs: 2000, sync: disk.sync });
      expect(await synced.enqueue(insert(1), 'relaxed')).toBe(1);
      expect(disk.pending).toHaveLength(0);
      const full = synced.enqueue(insert(2));
      // Committed (another connection reads it) but not yet acknowledged.
      expect(await settled(full)).toBe(false);
      expect(rows()).toEqual([1, 2]);
      expect(disk.pending).toHaveLength(1);
      disk.finish();
      expect(await full).toBe(2);
    });

    it('never settles a relaxed unit on a commit not yet on disk: in a full group, or after one whose sync runs', async () => {
      const disk = controlledSync();
      const synced = new WriteQueue(writer, { busyTimeoutMs: 2000, sync: disk.sync });
      // Together with a full unit: it may have read what that one wrote, so it waits for their sync.
      const full = synced.enqueue(insert(1));
      const beside = synced.enqueue(insert(2), 'relaxed');
      expect(await settled(beside)).toBe(false);
      // Alone, after them, while their sync runs: it waits for that sync and asks for none.
      const after = synced.enqueue(insert(3), 'relaxed');
      expect(await settled(after)).toBe(false);
      expect(rows()).toEqual([1, 2, 3]);
      expect(disk.pending).toHaveLength(1);
      disk.finish();
      expect(await Promise.all([full, beside, after])).toEqual([1, 2, 3]);
      expect(synced.syncs).toBe(1);
    });

    it('keeps committing while a sync runs, and syncs once for every group that committed meanwhile', async () => {
      const disk = controlledSync();
      const synced = new WriteQueue(writer, { busyTimeoutMs: 2000, sync: disk.sync });
      const first = synced.enqueue(insert(1));
      expect(await settled(first)).toBe(false);
      // Three more groups commit while the first sync is in flight; none may ride on it.
      const later = [];
      for (const x of [2, 3, 4]) {
        later.push(synced.enqueue(insert(x)));
        await settled(later[later.length - 1]!);
      }
      expect(rows()).toEqual([1, 2, 3, 4]);
      expect(disk.pending).toHaveLength(1);
      disk.finish(0);
      expect(await first).toBe(1);
      expect(await settled(Promise.all(later))).toBe(false);
      // One second sync for the three of them.
      expect(disk.pending).toHaveLength(2);
      disk.finish(1);
      expect(await Promise.all(later)).toEqual([2, 3, 4]);
      expect(synced.syncs).toBe(2);
    });

    it('fails the full units a sync could not make durable, and the next sync serves the next ones', async () => {
      const disk = controlledSync();
      const synced = new WriteQueue(writer, { busyTimeoutMs: 2000, sync: disk.sync });
      const lost = synced.enqueue(insert(1));
      await settled(lost);
      disk.pending[0]!.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      await expect(lost).rejects.toMatchObject({ code: 'EIO' });
      const next = synced.enqueue(insert(2));
      await settled(next);
      disk.finish(1);
      expect(await next).toBe(2);
    });

    it('waits for the syncs in flight before running an idle action (closing)', async () => {
      const disk = controlledSync();
      const synced = new WriteQueue(writer, { busyTimeoutMs: 2000, sync: disk.sync });
      const unit = synced.enqueue(insert(1));
      await settled(unit);
      const idle = synced.whenIdle(() => 'idle');
      expect(await settled(idle)).toBe(false);
      disk.finish();
      await unit;
      expect(await idle).toBe('idle');
    });
  });
});
