/**
 * The PostgreSQL engine (node-postgres through Drizzle), for several gateway instances on one
 * database. Units of work are READ COMMITTED transactions on a pooled connection; where a unit
 * decides from a payment row it locks it first (Tx.lockPayment: SELECT ... FOR UPDATE), and a
 * unit that PostgreSQL aborts as a serialization failure or deadlock is run again.
 */
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { withRetries, type Database, type Tx, type UnitOptions, type WriteProbe } from '../database';
import type { Drizzle, Executor, Tables } from '../executor';
import { repositoriesOver } from '../repositories';
import { postgresStorageProblem, redactDatabaseUrl } from '../storage-error';
import { listenForStatusChanges, STATUS_CHANGE_CHANNEL } from './status-change-listener';
import { migratePostgres } from './migrate';
import * as schema from './schema';

export interface PostgresOpenOptions {
  /** Connections this process keeps open (DATABASE_POOL_SIZE). */
  poolSize?: number;
  onQuery?: (sql: string, params: unknown[]) => void;
}

export interface PostgresDatabase extends Database {
  readonly engine: 'postgres';
  readonly pool: pg.Pool;
}

/** SQLSTATEs after which a unit is simply run again: nothing of it was committed. */
const RETRYABLE = new Set(['40001', '40P01']);

export async function openPostgresDatabase(databaseUrl: string, options: PostgresOpenOptions = {}): Promise<PostgresDatabase> {
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
  } catch (error) {
    throw postgresStorageProblem(databaseUrl, error) ?? error;
  }
  // An idle connection the server drops (restart, failover) must not crash the process: the pool
  // replaces it, and the next unit of work reports the outage if it lasts.
  pool.on('error', () => undefined);
  let migrationsApplied: number;
  try {
    await pool.query('SELECT 1');
    migrationsApplied = await migratePostgres(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw postgresStorageProblem(databaseUrl, error) ?? error;
  }

  let statements = 0;
  const logger = {
    logQuery: (query: string, params: unknown[]) => {
      statements += 1;
      options.onQuery?.(query, params);
    },
  };
  const db = drizzle(pool, { schema, logger });
  // The PostgreSQL tables have the SQLite tables' names and row types (schema-parity.ts); the
  // repositories are typed against the latter (executor.ts).
  const tables = schema as unknown as Tables;
  const executor = (over: NodePgDatabase<typeof schema>, prepared?: Map<string, unknown>): Executor => ({
    db: over as unknown as Drizzle,
    tables,
    engine: 'postgres',
    ...(prepared ? { prepared } : {}),
  });

  /**
   * Prepared queries per pooled connection: Drizzle binds a query prepared in a transaction to
   * that transaction's connection, so it serves every later transaction on the same connection
   * (and only those). Keyed weakly: a connection the pool drops takes its queries with it.
   */
  const preparedByConnection = new WeakMap<object, Map<string, unknown>>();
  const preparedOf = (inner: NodePgDatabase<typeof schema>): Map<string, unknown> | undefined => {
    const connection = (inner as unknown as { session?: { client?: unknown } }).session?.client;
    if (typeof connection !== 'object' || connection === null || connection === pool) return undefined;
    let prepared = preparedByConnection.get(connection);
    if (!prepared) {
      prepared = new Map();
      preparedByConnection.set(connection, prepared);
    }
    return prepared;
  };

  /**
   * A unit of one statement (UnitOptions.singleStatement) runs on the pool without BEGIN and
   * COMMIT: a statement is atomic by itself, and two round trips fewer is what the webhook worker's
   * claim, run for every webhook beside the API's requests, saves. It locks and announces nothing.
   */
  const oneStatement: Tx = {
    ...repositoriesOver(executor(db, new Map())),
    lockPayment: async () => {
      throw new Error('a single-statement unit of work cannot lock a payment');
    },
    announceStatusChange: async () => {
      throw new Error('a single-statement unit of work cannot announce a status change');
    },
  };

  // Every unit commits with its WAL flushed, relaxed ones too: SET LOCAL synchronous_commit TO OFF
  // would cost this process a round trip per unit (measured: the webhook bench's statements per
  // webhook, 14 with it), and a flush costs it nothing but the wait, which no request shares.
  const transaction = <T>(work: (tx: Tx) => Promise<T>, options?: UnitOptions): Promise<T> =>
    withRetries(
      () =>
        options?.singleStatement
          ? work(oneStatement)
          : db.transaction(async (inner) => {
              const tx: Tx = {
                ...repositoriesOver(executor(inner, preparedOf(inner))),
                lockPayment: async (pidx) => {
                  await inner.execute(sql`SELECT 1 FROM ${schema.payments} WHERE ${schema.payments.pidx} = ${pidx} FOR UPDATE`);
                },
                announceStatusChange: async (auditId) => {
                  await inner.execute(sql`SELECT pg_notify(${STATUS_CHANGE_CHANNEL}, ${String(auditId)})`);
                },
              };
              return work(tx);
            }),
      (error) => RETRYABLE.has(sqlState(error) ?? ''),
    );

  return {
    engine: 'postgres',
    pool,
    read: repositoriesOver(executor(db, new Map())),
    migrationsApplied,
    description: `PostgreSQL at ${redactDatabaseUrl(databaseUrl)}`,
    transaction,
    statementCount: () => statements,
    listenForStatusChanges: (listener) => listenForStatusChanges(databaseUrl, listener),
    canWrite: () => probeWrites(pool),
    // PostgreSQL keeps no old row versions once VACUUM has run; nothing to do now.
    afterErasure: async () => true,
    async close() {
      await pool.end();
    },
  };
}

/** The SQLSTATE of a node-postgres error (Drizzle wraps them as `cause`). */
export function sqlState(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Readiness: a connection within a second, on a primary (not a standby in recovery), whose
 * transactions may write.
 */
async function probeWrites(pool: pg.Pool): Promise<WriteProbe> {
  let client: pg.PoolClient | undefined;
  try {
    client = await Promise.race([
      pool.connect(),
      new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error('no connection within 1 s'), { code: 'ETIMEDOUT' })), 1000).unref()),
    ]);
    const { rows } = await client.query<{ recovery: boolean; read_only: string }>(
      "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only",
    );
    const row = rows[0]!;
    if (row.recovery || row.read_only === 'on') return { ok: false, reason: 'read-only', code: '25006' };
    return { ok: true };
  } catch (error) {
    const code = sqlState(error) ?? (error as { code?: string }).code;
    return { ok: false, reason: 'unavailable', ...(code ? { code } : {}) };
  } finally {
    client?.release();
  }
}
