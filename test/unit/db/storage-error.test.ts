/**
 * Start-up on PostgreSQL: what stops the gateway is said in one line naming DATABASE_URL, and
 * the password never appears in it. The errors are shaped as node-postgres and Node raise them
 * (observed against a real server: ECONNREFUSED, ENOTFOUND, 3D000, 28000, ERR_INVALID_URL).
 */
import { DrizzleQueryError } from 'drizzle-orm';
import { DatabaseError } from 'pg';
import { postgresStorageProblem, postgresUrlProblem, redactDatabaseUrl, StorageConfigError } from '../../../src/db/storage-error';

const URL_WITH_PASSWORD = 'postgres://gateway:s3cr%40t-pw@db.internal:6432/payments';
const SECRET = ['s3cr%40t-pw', 's3cr@t-pw'];

const sqlState = (code: string, message: string) => Object.assign(new DatabaseError(message, message.length, 'error'), { code, severity: 'FATAL' });
const socket = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.5:6432`), { code, syscall: 'connect' });

function problem(error: unknown, url = URL_WITH_PASSWORD): string {
  const found = postgresStorageProblem(url, error);
  expect(found).toBeInstanceOf(StorageConfigError);
  expect(found!.variable).toBe('DATABASE_URL');
  for (const secret of SECRET) expect(found!.message).not.toContain(secret);
  return found!.message;
}

describe('redactDatabaseUrl', () => {
  it('replaces the password, and password query parameters, with ***', () => {
    expect(redactDatabaseUrl(URL_WITH_PASSWORD)).toBe('postgres://gateway:***@db.internal:6432/payments');
    expect(redactDatabaseUrl('postgresql://u:p@h/db?sslmode=require&password=other')).toBe('postgresql://u:***@h/db?sslmode=require&password=***');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactDatabaseUrl('postgres://root@127.0.0.1:5432/khalti')).toBe('postgres://root@127.0.0.1:5432/khalti');
  });

  it('does not show a URL it cannot parse (its password could be anywhere in it)', () => {
    expect(redactDatabaseUrl('postgres://u:pa ss@h:notaport/db')).toBe('(a URL that cannot be parsed)');
  });
});

describe('postgresStorageProblem', () => {
  const shown = 'DATABASE_URL: postgres://gateway:***@db.internal:6432/payments';

  it('cannot reach the server', () => {
    expect(problem(socket('ECONNREFUSED'))).toBe(`${shown}: cannot reach PostgreSQL at db.internal:6432 (connection refused: is the server running and listening there?)`);
    expect(problem(socket('ENOTFOUND'))).toBe(`${shown}: cannot reach PostgreSQL at db.internal:6432 (the host name does not resolve)`);
    expect(problem(socket('EAI_AGAIN'))).toMatch(/cannot reach PostgreSQL at db.internal:6432 \(the host name lookup failed/);
    expect(problem(socket('ETIMEDOUT'))).toMatch(/cannot reach PostgreSQL at db.internal:6432 \(no answer in time/);
    // node-postgres's own connection timeout, and Node's several-addresses refusal
    expect(problem(new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') }))).toMatch(/no answer in time/);
    expect(problem(Object.assign(new AggregateError([socket('ECONNREFUSED'), socket('ECONNREFUSED')]), { code: undefined }))).toMatch(/connection refused/);
  });

  it('the database, the user or the password is wrong', () => {
    expect(problem(sqlState('3D000', 'database "payments" does not exist'))).toBe(
      `${shown}: the database "payments" does not exist on db.internal:6432 (create it first: CREATE DATABASE "payments")`,
    );
    expect(problem(sqlState('28P01', 'password authentication failed for user "gateway"'))).toBe(`${shown}: authentication failed for user "gateway" at db.internal:6432 (wrong password?)`);
    expect(problem(sqlState('28000', 'no pg_hba.conf entry for host "10.0.0.9", user "gateway", database "payments", no encryption'))).toBe(
      `${shown}: PostgreSQL at db.internal:6432 refused user "gateway": no pg_hba.conf entry for host "10.0.0.9", user "gateway", database "payments", no encryption`,
    );
    expect(problem(new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), 'postgres://gateway@db.internal:6432/payments')).toBe(
      'DATABASE_URL: postgres://gateway@db.internal:6432/payments: PostgreSQL at db.internal:6432 asks user "gateway" for a password and DATABASE_URL gives none',
    );
  });

  it('the server cannot serve the gateway: privileges, disk, connections, recovery', () => {
    // Under drizzle's wrapper, as the migrator raises it.
    const denied = new DrizzleQueryError('CREATE SCHEMA IF NOT EXISTS "drizzle"', [], sqlState('42501', 'permission denied for database payments'));
    expect(problem(denied)).toBe(
      `${shown}: user "gateway" lacks a privilege the gateway needs in database "payments": permission denied for database payments (migrations create tables in schema public and schema drizzle: run them as the database owner, e.g. npm run db:migrate)`,
    );
    expect(problem(sqlState('53100', 'could not extend file: No space left on device'))).toBe(`${shown}: the PostgreSQL server at db.internal:6432 is out of disk space`);
    expect(problem(sqlState('53300', 'sorry, too many clients already'))).toMatch(/has no connection left for user "gateway"/);
    expect(problem(sqlState('57P03', 'the database system is starting up'))).toBe(
      `${shown}: PostgreSQL at db.internal:6432 is not accepting connections now (starting up, shutting down or in recovery); try again shortly`,
    );
  });

  it('scrubs the password from a server message that would repeat it', () => {
    expect(problem(sqlState('28000', 'role "s3cr@t-pw" does not exist'))).toMatch(/refused user "gateway": role "\*\*\*" does not exist$/);
  });

  it('a URL that is not one: said without showing it', () => {
    const bad = 'DATABASE_URL: not a valid PostgreSQL URL (expected postgres://user[:password]@host:port/db, with special characters in the password percent-encoded)';
    expect(problem(Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' }), 'postgres://gateway:s3cr@t-pw@db:notaport/x')).toBe(bad);
    expect(postgresUrlProblem('postgres://gateway:s3cr@t-pw@db:notaport/x')?.message).toBe(bad);
    expect(postgresUrlProblem('mysql://u@h/db')?.message).toBe(bad);
    expect(postgresUrlProblem('postgres:///payments')?.message).toBe(bad);
    expect(postgresUrlProblem('postgres:///payments?host=/var/run/postgresql')).toBeUndefined();
    expect(postgresUrlProblem(URL_WITH_PASSWORD)).toBeUndefined();
  });

  it('is undefined for what is not a storage problem: start-up reports it as it is', () => {
    expect(postgresStorageProblem(URL_WITH_PASSWORD, new Error('a bug'))).toBeUndefined();
    expect(postgresStorageProblem(URL_WITH_PASSWORD, new DrizzleQueryError('CREATE TABLE x', [], sqlState('42P07', 'relation "x" already exists')))).toBeUndefined();
  });
});
