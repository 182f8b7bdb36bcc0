/**
 * SQLite failures a caller should hear about in plain words: the database is busy (another
 * writer held the lock past busy_timeout), or the disk is full or failing. Every write runs in one
 * transaction, so when these happen nothing of the request was written.
 */
const MESSAGES: [RegExp, string][] = [
  [/^SQLITE_(BUSY|LOCKED)/, "The gateway's database is busy; nothing was written. Try again shortly."],
  [/^SQLITE_FULL/, "The gateway's database is out of space; nothing was written. The operator must free disk space."],
  [/^SQLITE_(IOERR|READONLY|CANTOPEN)/, "The gateway's database cannot be written; nothing was written. The operator must check its storage."],
];

/** A clear message for a storage failure, or null when the error is something else. */
export function describeStorageError(error: unknown): string | null {
  // graphql-js wraps a thrown value that is not an Error of its own realm as NonErrorThrown (it
  // happens to native driver errors when modules are loaded in several VM contexts, as under jest).
  const thrown = error instanceof Error && error.name === 'NonErrorThrown' ? (error as { thrownValue?: unknown }).thrownValue : error;
  const code = typeof thrown === 'object' && thrown !== null ? (thrown as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return null;
  return MESSAGES.find(([pattern]) => pattern.test(code))?.[1] ?? null;
}
