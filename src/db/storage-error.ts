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

/**
 * DATABASE_URL as it may be shown in messages and logs: postgres://user:***@host:port/db. The
 * password (and any password query parameter, which node-postgres also reads) is replaced; a URL
 * that cannot be parsed is not shown at all, since where its password ends cannot be known.
 */
export function redactDatabaseUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return '(a URL that cannot be parsed)';
  }
  if (url.password) url.password = '***';
  for (const key of [...url.searchParams.keys()]) if (/password/i.test(key)) url.searchParams.set(key, '***');
  return url.toString();
}

interface PostgresTarget {
  shown: string;
  server: string;
  user: string;
  database: string;
}

/** What a PostgreSQL DATABASE_URL names, as node-postgres reads it; undefined when it is not one. */
function postgresTarget(databaseUrl: string): PostgresTarget | undefined {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return undefined;
  const host = url.hostname || url.searchParams.get('host');
  if (!host) return undefined;
  const user = decoded(url.username) || url.searchParams.get('user') || '(the process user)';
  const database = decoded(url.pathname.slice(1)) || user;
  return { shown: redactDatabaseUrl(databaseUrl), server: `${host}:${url.port || '5432'}`, user, database };
}

/** A malformed %-escape is kept as written (node-postgres is as lenient). */
function decoded(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

const BAD_URL = 'not a valid PostgreSQL URL (expected postgres://user[:password]@host:port/db, with special characters in the password percent-encoded)';

/** Not a postgres:// URL node-postgres can use; undefined when it is one. For config checks too. */
export function postgresUrlProblem(databaseUrl: string): StorageConfigError | undefined {
  return postgresTarget(databaseUrl) ? undefined : new StorageConfigError(BAD_URL);
}

/** Every code on the error, its causes (drizzle's "Failed query" wrapper) and AggregateError parts. */
function codesOf(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof code === 'string' ? [code] : [];
  const parts = Array.isArray(errors) ? errors.flatMap((part) => codesOf(part, depth + 1)) : [];
  return [...own, ...codesOf(cause, depth + 1), ...parts];
}

function messagesOf(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  const { message, cause } = error as { message?: unknown; cause?: unknown };
  return [...(typeof message === 'string' ? [message] : []), ...messagesOf(cause, depth + 1)];
}

/** node-postgres's own words when a connection attempt gets no (complete) answer: no code on them. */
const NO_ANSWER = /^(Connection terminated unexpectedly|Connection terminated due to connection timeout|timeout expired|timeout exceeded when trying to connect)$/;

/**
 * The one-line StorageConfigError for an error raised while connecting to, or migrating, the
 * PostgreSQL database at `databaseUrl`; undefined when it is not a storage problem (a bug, a failed
 * migration statement), which start-up then reports as it is. The password never appears: the
 * URL is shown redacted, and server messages (which do not carry it) are scrubbed all the same.
 */
export function postgresStorageProblem(databaseUrl: string, error: unknown): StorageConfigError | undefined {
  const target = postgresTarget(databaseUrl);
  if (!target) return postgresUrlProblem(databaseUrl);
  const { shown, server, user, database } = target;
  const problem = (message: string) => new StorageConfigError(`${shown}: ${scrub(message, databaseUrl)}`);
  const codes = codesOf(error);
  const messages = messagesOf(error);
  const serverSaid = messages.find((message) => !message.startsWith('Failed query')) ?? '';
  const has = (...wanted: string[]) => codes.some((code) => wanted.includes(code));

  if (has('ERR_INVALID_URL')) return new StorageConfigError(BAD_URL);
  if (has('ECONNREFUSED')) return problem(`cannot reach PostgreSQL at ${server} (connection refused: is the server running and listening there?)`);
  if (has('ENOTFOUND')) return problem(`cannot reach PostgreSQL at ${server} (the host name does not resolve)`);
  if (has('EAI_AGAIN')) return problem(`cannot reach PostgreSQL at ${server} (the host name lookup failed for now: check DNS)`);
  if (has('ETIMEDOUT') || messages.some((message) => NO_ANSWER.test(message))) {
    return problem(`cannot reach PostgreSQL at ${server} (no answer in time: the wrong host or port, or a firewall?)`);
  }
  if (has('3D000')) return problem(`the database "${database}" does not exist on ${server} (create it first: CREATE DATABASE "${database}")`);
  if (has('28P01')) return problem(`authentication failed for user "${user}" at ${server} (wrong password?)`);
  if (has('28000')) return problem(`PostgreSQL at ${server} refused user "${user}": ${serverSaid}`);
  if (messages.some((message) => message.includes('client password must be a string'))) {
    return problem(`PostgreSQL at ${server} asks user "${user}" for a password and DATABASE_URL gives none`);
  }
  if (has('42501')) {
    return problem(
      `user "${user}" lacks a privilege the gateway needs in database "${database}": ${serverSaid} (migrations create tables in schema public and schema drizzle: run them as the database owner, e.g. npm run db:migrate)`,
    );
  }
  if (has('53100')) return problem(`the PostgreSQL server at ${server} is out of disk space`);
  if (has('53300')) return problem(`PostgreSQL at ${server} has no connection left for user "${user}" (max_connections or the role's connection limit)`);
  if (has('57P03')) return problem(`PostgreSQL at ${server} is not accepting connections now (starting up, shutting down or in recovery); try again shortly`);
  return undefined;
}

/** The password as it appears in the URL, raw and decoded, replaced wherever a message repeats it. */
function scrub(message: string, databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return message;
  }
  const secrets = [url.password, decoded(url.password), ...[...url.searchParams].filter(([key]) => /password/i.test(key)).map(([, value]) => value)];
  return secrets.filter((secret) => secret.length > 0).reduce((text, secret) => text.split(secret).join('***'), message);
}
