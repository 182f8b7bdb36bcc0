/**
 * Applies the committed PostgreSQL migrations (drizzle/postgres) once, however many instances start
 * at the same moment. Drizzle's migrator reads the last applied migration before its transaction,
 * and its CREATE SCHEMA IF NOT EXISTS races on an empty database, so two instances would both try
 * to apply everything. Here every run first takes one session-level advisory lock: an instance
 * waits (and does not listen yet) until the one ahead of it is done, then finds nothing to apply.
 *
 * Bookkeeping is drizzle's own: table drizzle.__drizzle_migrations, a migration applied when its
 * journal time is later than the last one recorded.
 */
import { createHash } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Pool, PoolClient } from 'pg';
import { POSTGRES_MIGRATIONS_FOLDER } from '../migrate';

export { POSTGRES_MIGRATIONS_FOLDER };

/**
 * The advisory lock key: fixed, so every instance and every version agrees on it, and derived
 * from a name (the first 8 bytes of its SHA-256, a signed int8) so it is unlikely to collide with
 * another application's advisory locks in a shared database.
 */
export const MIGRATION_LOCK_KEY = createHash('sha256').update('khalti-graphql:migrations').digest().readBigInt64BE(0).toString();

const MIGRATIONS_TABLE = 'drizzle.__drizzle_migrations';

/** Applies what is pending; returns how many migrations it applied (0 when up to date). */
export async function migratePostgres(pool: Pool, folder = POSTGRES_MIGRATIONS_FOLDER): Promise<number> {
  // One client for the whole run: an advisory lock belongs to the session that took it.
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      const before = await appliedCount(client);
      await migrate(drizzle({ client }), { migrationsFolder: folder });
      return (await appliedCount(client)) - before;
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
      } catch (error) {
        // The session is gone or unusable; its locks went with it. Never hand it back to the pool.
        broken = error as Error;
      }
    }
  } finally {
    client.release(broken);
  }
}

async function appliedCount(client: PoolClient): Promise<number> {
  // Two statements: a query naming a table that does not exist yet fails even in an untaken branch.
  const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass('${MIGRATIONS_TABLE}') IS NOT NULL AS exists`);
  if (!rows[0]?.exists) return 0;
  const counted = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${MIGRATIONS_TABLE}`);
  return Number(counted.rows[0]?.count ?? 0);
}
