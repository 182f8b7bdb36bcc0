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
import type * as schema from './schema';

export type Tables = Pick<typeof schema, 'payments' | 'refunds' | 'initiations' | 'auditLog'>;

export type Drizzle = BaseSQLiteDatabase<'async', unknown, Tables>;

export interface Executor {
  readonly db: Drizzle;
  readonly tables: Tables;
}
