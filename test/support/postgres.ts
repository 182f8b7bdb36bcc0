/**
 * A fresh PostgreSQL database per test file, on the server at PGHOST:PGPORT as PGUSER
 * (127.0.0.1:5432, root: trust auth on the test machine), made through its `postgres` database
 * and dropped afterwards, connections and all. Advisory locks and tables are per database, so
 * files running in parallel never see each other.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface PostgresDatabase {
  /** postgres://user@host:port/name */
  url: string;
  name: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

function server(): { host: string; port: number; user: string; password: string | undefined } {
  return {
    host: process.env.PGHOST ?? '127.0.0.1',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? 'root',
    password: process.env.PGPASSWORD,
  };
}

/** Where the tests look for PostgreSQL, for messages (no password). */
export function postgresServer(): string {
  const { host, port, user } = server();
  return `${user}@${host}:${port}`;
}

async function withAdmin<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...server(), database: 'postgres', connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function postgresAvailable(): Promise<boolean> {
  try {
    await withAdmin((client) => client.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

export async function createPostgresDatabase(prefix = 'khalti_test'): Promise<PostgresDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`createPostgresDatabase: ${prefix} is not a plain lowercase identifier`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  try {
    await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  } catch (error) {
    throw new Error(`PostgreSQL is needed for this test and cannot be used at ${postgresServer()} (PGHOST/PGPORT/PGUSER): ${(error as Error).message}`);
  }
  const { host, port, user, password } = server();
  const credentials = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return {
    url: `postgres://${credentials}@${host}:${port}/${name}`,
    name,
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
