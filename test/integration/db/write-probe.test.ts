/**
 * The readiness write probe on real SQLite files: ok normally, "locked" while another connection
 * holds the write lock (answering while it is still held), "read-only" on a connection that may
 * not write, and nothing left behind by the probe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/db/sqlite/sqlite-database';
import { probeWrites } from '../../../src/db/sqlite/write-probe';
import { describeOnSqlite } from '../../support/engine';

describeOnSqlite('the SQLite database canWrite', () => {
  let dir: string;
  let file: string;
  let database: SqliteDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-probe-'));
    file = join(dir, 'gw.sqlite');
    database = openSqliteDatabase(`file:${file}`);
  });
  afterEach(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ok when the database accepts writes, and keeps nothing', async () => {
    const tables = () => database.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    const before = tables();
    expect((await database.canWrite())).toEqual({ ok: true });
    expect(tables()).toEqual(before);
    expect(database.sqlite.inTransaction).toBe(false);
  });

  it('says locked while another connection holds the write lock, without holding the event loop, and ok once it lets go', async () => {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      // The probe waits for the lock on timers: a timer set after it started still fires first.
      const order: string[] = [];
      const probe = database.canWrite().then((result) => {
        order.push('probe');
        return result;
      });
      setTimeout(() => order.push('timer'), 1);
      expect(await probe).toEqual({ ok: false, reason: 'locked', code: 'SQLITE_BUSY' });
      expect(order).toEqual(['timer', 'probe']);
      expect(other.inTransaction).toBe(true);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await database.canWrite())).toEqual({ ok: true });
  });

  it('leaves the writer without a busy handler (it waits for locks on timers, not by holding the event loop)', async () => {
    await database.canWrite();
    expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(0);
  });

  it('says read-only where a write is refused, though BEGIN IMMEDIATE alone succeeds there', () => {
    const readOnly = new Database(file, { readonly: true });
    try {
      expect(probeWrites(readOnly)).toEqual({ ok: false, reason: 'read-only', code: 'SQLITE_READONLY' });
      expect(readOnly.inTransaction).toBe(false);
    } finally {
      readOnly.close();
    }
  });

  it('works on an in-memory database', async () => {
    const memory = openSqliteDatabase(':memory:');
    try {
      expect(await memory.canWrite()).toEqual({ ok: true });
    } finally {
      await memory.close();
    }
  });
});
