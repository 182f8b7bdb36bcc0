/** Reaching under the data layer in tests: the raw SQLite connection, and row counts on either engine. */
import type BetterSqlite from 'better-sqlite3';
import type { Database } from '../../src/db/database';
import type { PostgresDatabase } from '../../src/db/postgres/postgres-database';
import type { SqliteDatabase } from '../../src/db/sqlite/sqlite-database';

/** The writer's raw SQLite connection; a test that needs it runs on SQLite only. */
export function sqliteOf(database: Database): BetterSqlite.Database {
  if (database.engine !== 'sqlite') throw new Error('this test needs the SQLite engine');
  return (database as SqliteDatabase).sqlite;
}

/** Rows in a table now (committed), on either engine. */
export async function rowCount(database: Database, table: string): Promise<number> {
  if (database.engine === 'sqlite') {
    return ((database as SqliteDatabase).sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  const { rows } = await (database as PostgresDatabase).pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]!.n);
}

/** Committed rows, read directly on either engine (`?` placeholders; bigint columns arrive as strings on PostgreSQL). */
export async function queryRows<T = Record<string, unknown>>(database: Database, sql: string, ...params: unknown[]): Promise<T[]> {
  if (database.engine === 'sqlite') return (database as SqliteDatabase).sqlite.prepare(sql).all(...params) as T[];
  let n = 0;
  const { rows } = await (database as PostgresDatabase).pool.query(sql.replace(/\?/g, () => `$${++n}`), params);
  return rows as T[];
}

/** Runs a statement directly on either engine and returns its error, if it failed (for what the database refuses). */
export async function refusal(database: Database, sql: string): Promise<Error | null> {
  try {
    if (database.engine === 'sqlite') (database as SqliteDatabase).sqlite.prepare(sql).run();
    else await (database as PostgresDatabase).pool.query(sql);
    return null;
  } catch (error) {
    return error as Error;
  }
}
