/**
 * Storage problems found while opening the database, named after the setting that chose it
 * (DATABASE_URL), so start-up stops with one line an operator can act on rather than a stack.
 */

/** The database DATABASE_URL names cannot be used as the gateway's store. */
export class StorageConfigError extends Error {
  readonly variable = 'DATABASE_URL';

  constructor(message: string) {
    super(`DATABASE_URL: ${message}`);
    this.name = 'StorageConfigError';
  }
}

/**
 * SQLite's result code (`SQLITE_READONLY_DBMOVED`, ...) when `error` is one of better-sqlite3's
 * or wraps one as its cause (drizzle's migrator wraps them in "Failed to run the query").
 */
export function sqliteCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return undefined;
}

/**
 * The one-line StorageConfigError for an error SQLite raised while opening, setting up or
 * migrating the database at `databaseUrl`; undefined when it is not a storage problem (a bug,
 * a failed migration statement), which start-up then reports as it is.
 */
export function storageProblem(databaseUrl: string, error: unknown): StorageConfigError | undefined {
  const code = sqliteCode(error);
  if (!code) return undefined;
  if (code.startsWith('SQLITE_READONLY')) {
    return new StorageConfigError(`${databaseUrl} is read-only (the gateway must write the file and create the -wal and -shm files beside it)`);
  }
  if (code === 'SQLITE_NOTADB') return new StorageConfigError(`${databaseUrl} is not a SQLite database`);
  if (code.startsWith('SQLITE_CORRUPT')) return new StorageConfigError(`${databaseUrl} is corrupt (${code})`);
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new StorageConfigError(`${databaseUrl} cannot be opened (the gateway must read and write it and create files in its folder)`);
  }
  if (code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return new StorageConfigError(`${databaseUrl} may not be read or written by this process (${code})`);
  }
  if (code.startsWith('SQLITE_IOERR')) return new StorageConfigError(`${databaseUrl} cannot be read or written (${code})`);
  if (code === 'SQLITE_FULL') return new StorageConfigError(`${databaseUrl}: the disk is full`);
  if (code.startsWith('SQLITE_BUSY')) {
    return new StorageConfigError(`${databaseUrl} is locked by another process past the busy timeout (${code})`);
  }
  return undefined;
}
