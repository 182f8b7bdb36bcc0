/**
 * Audit rows written before personal data was redacted at the source (issue 7, point 9) held the
 * buyer's customer_info and a refund's mobile. Migration 0004 redacts them once, on a real SQLite
 * file that went through the earlier migrations, and leaves the log append-only.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { MIGRATIONS_FOLDER } from '../../../src/db/connection';
import { openSqliteDatabase } from '../../../src/db/sqlite/sqlite-database';
import { filesContaining } from '../../support/database-files';
import { describeOnSqlite } from '../../support/engine';

describeOnSqlite('migration 0004: personal data in audit rows written before this version', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-migration-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The migrations folder as it was before 0004 (the journal cut after 0003). */
  function migrationsBefore0004(): string {
    const folder = join(dir, 'migrations');
    mkdirSync(join(folder, 'meta'), { recursive: true });
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
    journal.entries = journal.entries.filter((entry: { idx: number }) => entry.idx <= 3);
    writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
    for (const entry of journal.entries) copyFileSync(join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), join(folder, `${entry.tag}.sql`));
    return folder;
  }

  it('redacts customer_info and mobile in old upstream rows, keeps everything else, and stays append-only', () => {
    const file = join(dir, 'data', 'gateway.sqlite');
    mkdirSync(join(dir, 'data'));
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    migrate(drizzle(old), { migrationsFolder: migrationsBefore0004() });
    const insert = old.prepare("INSERT INTO audit_log (at, kind, operation, pidx, detail) VALUES (?, 'upstream', ?, 'P1', ?)");
    insert.run(1, 'initiate', JSON.stringify({ request: { purchase_order_id: 'order-77', customer_info: { name: 'Old Buyer Name', email: 'old.buyer@example.org', phone: '9811122233' } }, response: { pidx: 'P1' } }));
    insert.run(2, 'refund', JSON.stringify({ request: { mobile: '9822233344', amount: 100 }, response: { detail: 'Transaction refund successful.' } }));
    insert.run(3, 'lookup', JSON.stringify({ request: { pidx: 'P1' }, response: { status: 'Completed' } }));
    insert.run(4, 'initiate', 'not json');
    old.close();

    const database = openSqliteDatabase(`file:${file}`);
    try {
      const rows = database.sqlite.prepare('SELECT operation, detail FROM audit_log ORDER BY id').all() as { operation: string; detail: string }[];
      expect(JSON.parse(rows[0]!.detail)).toEqual({ request: { purchase_order_id: 'order-77', customer_info: '[PERSONAL DATA]' }, response: { pidx: 'P1' } });
      expect(JSON.parse(rows[1]!.detail)).toEqual({ request: { mobile: '[PERSONAL DATA]', amount: 100 }, response: { detail: 'Transaction refund successful.' } });
      expect(JSON.parse(rows[2]!.detail)).toEqual({ request: { pidx: 'P1' }, response: { status: 'Completed' } });
      expect(rows[3]!.detail).toBe('not json');
      expect(() => database.sqlite.prepare("UPDATE audit_log SET detail = 'x'").run()).toThrow(/append-only/);
      expect(() => database.sqlite.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
      database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      for (const value of ['Old Buyer Name', 'old.buyer@example.org', '9811122233', '9822233344']) {
        expect(filesContaining(join(dir, 'data'), value)).toEqual([]);
      }
    } finally {
      database.closeNow();
    }
  });
});
