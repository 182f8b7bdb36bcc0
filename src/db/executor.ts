/**
 * What a repository runs its queries on: a Drizzle database or transaction, and the tables of
 * its engine. Repositories are written once for both engines: the SQLite and PostgreSQL schemas
 * have the same table, column and property names and the same row types (postgres/schema-parity.ts),
 * and Drizzle renders each dialect's SQL from the table objects it is handed at run time.
 *
 * The type is SQLite's asynchronous flavour, the narrower of the two query builders: repositories
 * only `await` a builder (never `.get()`, `.all()` or `.run()`, which PostgreSQL's lacks) and
 * read affected rows through `.returning()`. The suite runs on both engines to hold them to it.
 */
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Engine } from './database';
import type * as schema from './schema';

export type Tables = Pick<
  typeof schema,
  | 'payments'
  | 'refunds'
  | 'initiations'
  | 'auditLog'
  | 'webhookEndpoints'
  | 'webhookEvents'
  | 'webhookDeliveries'
  | 'webhookAttempts'
>;

export type Drizzle = BaseSQLiteDatabase<'async', unknown, Tables>;

export interface Executor {
  readonly db: Drizzle;
  readonly tables: Tables;
  /** For the little SQL the dialects spell differently (row locks SQLite does not have). */
  readonly engine: Engine;
  /**
   * Prepared queries of a long-lived executor (SQLite's connections, PostgreSQL's pool), so a hot
   * query's SQL is built once, not per call; absent for one PostgreSQL transaction's executor.
   */
  readonly prepared?: Map<string, unknown>;
}

/**
 * The query `build` makes, prepared once per executor under `key` (built afresh where the executor
 * keeps none). Only for queries whose SQL never varies: values go in as sql.placeholder()s.
 */
export function preparedQuery<T>(x: Executor, key: string, build: () => T): T {
  if (!x.prepared) return build();
  let query = x.prepared.get(key) as T | undefined;
  if (query === undefined) {
    query = build();
    x.prepared.set(key, query);
  }
  return query;
}
