/**
 * The readiness write probe on real SQLite files: ok normally, "locked" while another connection
 * holds the write lock (answering while it is still held), "read-only" on a connection that may
 * not write, and nothing left behind by the probe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, probeWrites, type OpenDatabase } from '../../../src/db/connection';

describe('OpenDatabase.canWrite', () => {
  let dir: string;
  let file: string;
  let database: OpenDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-probe-'));
    file = join(dir, 'gw.sqlite');
    database = openDatabase(`file:${file}`);
  });
  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ok when the database accepts writes, and keeps nothing', () => {
    const tables = () => database.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    const before = tables();
    expect(database.canWrite()).toEqual({ ok: true });
    expect(tables()).toEqual(before);
    expect(database.sqlite.inTransaction).toBe(false);
  });

  it('says locked while another connection holds the write lock, and ok once it lets go', () => {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      expect(database.canWrite()).toEqual({ ok: false, reason: 'locked', code: 'SQLITE_BUSY' });
      expect(other.inTransaction).toBe(true);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(database.canWrite()).toEqual({ ok: true });
  });

  it('leaves the main connection its 5 s busy timeout', () => {
    database.canWrite();
    expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
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

  it('works on an in-memory database', () => {
    const memory = openDatabase(':memory:');
    try {
      expect(memory.canWrite()).toEqual({ ok: true });
    } finally {
      memory.close();
    }
  });
});
