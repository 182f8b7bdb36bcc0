/**
 * Applies the committed drizzle-kit migrations under the database's write lock. Drizzle's own
 * migrator reads which migrations are applied *before* it takes the lock, so two processes
 * starting on a new database both decide to apply everything and the second fails on
 * "table already exists". Here the read and the writes are one IMMEDIATE transaction: a second
 * process waits for the first (busy_timeout), then finds nothing left to do.
 *
 * The bookkeeping table is drizzle's own (`__drizzle_migrations`, same columns, same rule: a
 * migration is applied when its journal time is later than the last one applied), so databases
 * migrated either way agree.
 */
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';

/**
 * src/db and dist/db sit at the same depth, so the committed migrations are two levels up, one
 * folder per dialect. Moving the files changed nothing for existing databases: applied migrations
 * are recorded by journal time (created_at), not by path.
 */
export const MIGRATIONS_FOLDER = resolve(__dirname, '..', '..', 'drizzle', 'sqlite');
export const POSTGRES_MIGRATIONS_FOLDER = resolve(__dirname, '..', '..', 'drizzle', 'postgres');

const TABLE = '"__drizzle_migrations"';

/** Applies what is pending; returns how many migrations it applied. */
export function migrateSqlite(sqlite: Database.Database, migrationsFolder = MIGRATIONS_FOLDER): number {
  const migrations = readMigrationFiles({ migrationsFolder });
  const apply = sqlite.transaction((): number => {
    sqlite.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
    const last = sqlite.prepare(`SELECT created_at FROM ${TABLE} ORDER BY created_at DESC LIMIT 1`).get() as { created_at: number } | undefined;
    const insert = sqlite.prepare(`INSERT INTO ${TABLE} ("hash", "created_at") VALUES (?, ?)`);
    let applied = 0;
    for (const migration of migrations) {
      if (last && Number(last.created_at) >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) sqlite.exec(statement);
      insert.run(migration.hash, migration.folderMillis);
      applied += 1;
    }
    return applied;
  });
  return apply.immediate();
}
