import type { Db } from './connection';

/**
 * Runs fn in one IMMEDIATE transaction: the write lock is taken at BEGIN, so a read-then-write
 * inside fn cannot interleave with another process's writer on the same file. better-sqlite3 is
 * synchronous and uses one connection, so repositories called inside fn join the transaction.
 */
export function immediately<T>(db: Db, fn: () => T): T {
  return db.transaction(() => fn(), { behavior: 'immediate' });
}
