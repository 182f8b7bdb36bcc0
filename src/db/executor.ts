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
import { sql, type Placeholder } from 'drizzle-orm';
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
   * Prepared queries of a long-lived executor (SQLite's connections, PostgreSQL's pool and each of
   * its pooled connections, which every transaction on that connection shares), so a hot query's
   * SQL is built once, not per call. Absent only where an executor keeps none.
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

/**
 * A row's values (an insert's row, an update's set) as placeholders, for a prepared query per
 * shape: `shape` names the columns given and those given as null, and is part of the query's key.
 * Absent (undefined) columns stay out of the SQL, so they keep their defaults exactly as an
 * unprepared insert gives them; nulls go into the SQL as NULL, because Drizzle maps a
 * placeholder's value through the column's encoder, which a null would break (a timestamp's) or
 * turn into a value (a boolean's 0). `prefix` keeps the names apart from the query's other placeholders.
 */
export function rowPlaceholders(
  row: Record<string, unknown>,
  prefix: string,
): { shape: string; values: Record<string, Placeholder | null>; params: Record<string, unknown> } {
  const shape: string[] = [];
  const values: Record<string, Placeholder | null> = {};
  const params: Record<string, unknown> = {};
  for (const key of Object.keys(row).sort()) {
    const value = row[key];
    if (value === undefined) continue;
    if (value === null) {
      shape.push(`${key}=null`);
      values[key] = null;
    } else {
      shape.push(key);
      values[key] = sql.placeholder(prefix + key);
      params[prefix + key] = value;
    }
  }
  return { shape: shape.join(','), values, params };
}
