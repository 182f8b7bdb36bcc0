/**
 * Storage failures a caller should hear about in plain words: the database is busy, unavailable,
 * out of space or read-only. Every write runs in one transaction, so when these happen nothing of
 * the request was written (but see UNAVAILABLE).
 */
const BUSY = "The gateway's database is busy; nothing was written. Try again shortly.";
const OUT_OF_SPACE = "The gateway's database is out of space; nothing was written. The operator must free disk space.";
const CANNOT_WRITE = "The gateway's database cannot be written; nothing was written. The operator must check its storage.";
/**
 * A connection lost while COMMIT itself was on the wire leaves its outcome unknown; every other
 * loss rolled the transaction back. The services' writes are safe to repeat (purchaseOrderId,
 * idempotencyKey, one open refund per payment), so "try again" holds either way.
 */
const UNAVAILABLE = "The gateway's database is unavailable; nothing was written. Try again shortly.";

const SQLITE: [RegExp, string][] = [
  [/^SQLITE_(BUSY|LOCKED)/, BUSY],
  [/^SQLITE_FULL/, OUT_OF_SPACE],
  [/^SQLITE_(IOERR|READONLY|CANTOPEN)/, CANNOT_WRITE],
];

/** PostgreSQL SQLSTATEs (node-postgres's DatabaseError.code). */
const POSTGRES: [RegExp, string][] = [
  // serialization failure, deadlock (the transaction was rolled back), lock not available,
  // statement timeout or cancel, no connection slot left
  [/^(40001|40P01|55P03|57014|53300)$/, BUSY],
  [/^53100$/, OUT_OF_SPACE],
  [/^53200$/, "The gateway's database is out of memory; nothing was written. Try again shortly."],
  // connection exceptions; the server shutting down, crashed, starting, or the database dropped
  [/^(08...|57P0\d)$/, UNAVAILABLE],
  // a read-only transaction: connected to a standby (after a failover) or default_transaction_read_only
  [/^25006$/, "The gateway's database is read-only; nothing was written. The operator must point DATABASE_URL at the primary."],
];

/** node-postgres's words for a connection that died or never came: it gives them no code. */
const CONNECTION_LOST = /^(Connection terminated unexpectedly|Connection terminated due to connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable)$/;

/**
 * Socket errors are the database's only under drizzle's "Failed query" wrapper: bare, they may
 * as well be a Khalti or webhook connection. (A caller that connects outside a query, as
 * db.transaction does on a pool, can wrap the failure with code 08001 to have it described.)
 */
const SOCKET = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/;

/** A clear message for a storage failure, or null when the error is something else. */
export function describeStorageError(error: unknown): string | null {
  let underQuery = false;
  for (let current = unwrap(error), depth = 0; current && typeof current === 'object' && depth < 5; current = unwrap((current as { cause?: unknown }).cause), depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      const known = [...SQLITE, ...POSTGRES].find(([pattern]) => pattern.test(code));
      if (known) return known[1];
      if (underQuery && SOCKET.test(code)) return UNAVAILABLE;
    }
    if (typeof message === 'string' && CONNECTION_LOST.test(message)) return UNAVAILABLE;
    if (isDrizzleQueryError(current)) underQuery = true;
  }
  return null;
}

/**
 * graphql-js wraps a thrown value that is not an Error of its own realm as NonErrorThrown (it
 * happens to native driver errors when modules are loaded in several VM contexts, as under jest).
 */
function unwrap(error: unknown): unknown {
  return error instanceof Error && error.name === 'NonErrorThrown' ? (error as { thrownValue?: unknown }).thrownValue : error;
}

/** drizzle-orm's DrizzleQueryError, by shape (instanceof fails across realms, as above). */
function isDrizzleQueryError(error: object): boolean {
  const { query, params, message } = error as { query?: unknown; params?: unknown; message?: unknown };
  return typeof query === 'string' && Array.isArray(params) && typeof message === 'string' && message.startsWith('Failed query');
}
