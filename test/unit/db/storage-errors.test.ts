/**
 * describeStorageError: the words a caller gets for a storage failure at run time, on either
 * database, bare or under drizzle's "Failed query" wrapper (drizzle 0.45 wraps driver errors).
 */
import { DrizzleQueryError } from 'drizzle-orm';
import { DatabaseError } from 'pg';
import { describeStorageError } from '../../../src/db/storage-errors';

const BUSY = "The gateway's database is busy; nothing was written. Try again shortly.";
const UNAVAILABLE = "The gateway's database is unavailable; nothing was written. Try again shortly.";

const sqlState = (code: string) => Object.assign(new DatabaseError(`server said ${code}`, 10, 'error'), { code, severity: 'ERROR' });
const wrapped = (cause: unknown) => new DrizzleQueryError('update "payments" set ...', ['P1'], cause as Error);
const socket = (code: string) => Object.assign(new Error(`read ${code}`), { code, syscall: 'read' });

describe('describeStorageError', () => {
  it.each([
    ['40001', BUSY],
    ['40P01', BUSY],
    ['55P03', BUSY],
    ['57014', BUSY],
    ['53300', BUSY],
    ['53100', "The gateway's database is out of space; nothing was written. The operator must free disk space."],
    ['53200', "The gateway's database is out of memory; nothing was written. Try again shortly."],
    ['57P01', UNAVAILABLE],
    ['57P02', UNAVAILABLE],
    ['57P03', UNAVAILABLE],
    ['08006', UNAVAILABLE],
    ['08001', UNAVAILABLE],
    ['08P01', UNAVAILABLE],
    ['25006', "The gateway's database is read-only; nothing was written. The operator must point DATABASE_URL at the primary."],
  ])('PostgreSQL %s, bare or wrapped by drizzle', (code, message) => {
    expect(describeStorageError(sqlState(code))).toBe(message);
    expect(describeStorageError(wrapped(sqlState(code)))).toBe(message);
  });

  it("node-postgres's lost or never-made connections, which carry no code", () => {
    for (const message of ['Connection terminated unexpectedly', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect']) {
      expect([message, describeStorageError(new Error(message))]).toEqual([message, UNAVAILABLE]);
      expect([message, describeStorageError(wrapped(new Error(message)))]).toEqual([message, UNAVAILABLE]);
    }
  });

  it('socket errors only under a database query: bare, they may be any connection (Khalti, a webhook)', () => {
    expect(describeStorageError(wrapped(socket('ECONNRESET')))).toBe(UNAVAILABLE);
    expect(describeStorageError(wrapped(socket('ECONNREFUSED')))).toBe(UNAVAILABLE);
    expect(describeStorageError(socket('ECONNREFUSED'))).toBeNull();
    expect(describeStorageError(new TypeError('fetch failed', { cause: socket('ENOTFOUND') }))).toBeNull();
  });

  it('SQLite, bare or wrapped by drizzle', () => {
    const sqlite = (code: string) => Object.assign(new Error('sqlite said'), { code });
    expect(describeStorageError(sqlite('SQLITE_BUSY'))).toBe(BUSY);
    expect(describeStorageError(wrapped(sqlite('SQLITE_BUSY_SNAPSHOT')))).toBe(BUSY);
    expect(describeStorageError(wrapped(sqlite('SQLITE_FULL')))).toMatch(/out of space/);
    expect(describeStorageError(sqlite('SQLITE_READONLY'))).toMatch(/cannot be written/);
  });

  it('a driver error graphql-js wrapped as NonErrorThrown', () => {
    const nonError = Object.assign(new Error('Unexpected error value'), { name: 'NonErrorThrown', thrownValue: { code: '40P01' } });
    expect(describeStorageError(nonError)).toBe(BUSY);
  });

  it('null for anything else: constraint violations, bugs, non-errors', () => {
    expect(describeStorageError(wrapped(sqlState('23505')))).toBeNull();
    expect(describeStorageError(sqlState('42P01'))).toBeNull();
    expect(describeStorageError(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeNull();
    expect(describeStorageError(new Error('a bug'))).toBeNull();
    expect(describeStorageError('a string')).toBeNull();
    expect(describeStorageError(undefined)).toBeNull();
  });
});
