/**
 * openDatabase on files that cannot be the gateway's store: each stops with one StorageConfigError
 * naming DATABASE_URL. Real files and real SQLite errors. A read-only or unreadable file cannot be
 * made here (the tests run as root, who may write a chmod 444 file and read a chmod 000 one), so
 * SQLITE_READONLY is raised by a real read-only connection and its mapping checked.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteDatabase } from '../../../src/db/sqlite/sqlite-database';
import { StorageConfigError, storageProblem } from '../../../src/db/storage-error';
import { describeOnSqlite } from '../../support/engine';

describeOnSqlite('openDatabase: storage problems name DATABASE_URL', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-storage-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const failure = (url: string, options = {}): StorageConfigError => {
    try {
      openSqliteDatabase(url, options).closeNow();
    } catch (error) {
      if (error instanceof StorageConfigError) return error;
      throw error;
    }
    throw new Error(`${url} opened`);
  };

  it('refuses a folder that does not exist instead of creating it', () => {
    const folder = join(dir, 'missing', 'deeper');
    const error = failure(`file:${join(folder, 'gw.sqlite')}`);
    expect(error.message).toBe(`DATABASE_URL: the folder ${folder} does not exist (create it, or point DATABASE_URL elsewhere)`);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('creates the folder when asked to (the default ./data)', () => {
    const file = join(dir, 'data', 'gw.sqlite');
    openSqliteDatabase(`file:${file}`, { createFolder: true }).closeNow();
    expect(existsSync(file)).toBe(true);
  });

  it('refuses a file that is not a SQLite database (SQLITE_NOTADB)', () => {
    const file = join(dir, 'garbage.sqlite');
    writeFileSync(file, Buffer.alloc(8192, 'not a database '));
    expect(failure(`file:${file}`).message).toBe(`DATABASE_URL: file:${file} is not a SQLite database`);
  });

  it('refuses a folder given as the file', () => {
    const file = join(dir, 'folder.sqlite');
    mkdirSync(file);
    expect(failure(`file:${file}`).message).toBe(`DATABASE_URL: file:${file} is a folder, not a database file`);
  });

  it('refuses a path whose folder is a file', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    expect(failure(`file:${join(dir, 'plain', 'gw.sqlite')}`).message).toBe(`DATABASE_URL: ${join(dir, 'plain')} is not a folder`);
  });

  it('maps the errors SQLite raises to one line naming DATABASE_URL', () => {
    const file = join(dir, 'ro.sqlite');
    new Database(file).close();
    const readOnly = new Database(file, { readonly: true });
    let raised: unknown;
    try {
      readOnly.exec('CREATE TABLE t (x)');
    } catch (error) {
      raised = error;
    } finally {
      readOnly.close();
    }
    expect((raised as { code: string }).code).toBe('SQLITE_READONLY');
    expect(storageProblem('file:/x.sqlite', raised)?.message).toBe(
      'DATABASE_URL: file:/x.sqlite is read-only (the gateway must write the file and create the -wal and -shm files beside it)',
    );
    const coded = (code: string) => storageProblem('file:/x.sqlite', Object.assign(new Error('x'), { code }))?.message;
    expect(coded('SQLITE_CANTOPEN')).toMatch(/^DATABASE_URL: file:\/x\.sqlite cannot be opened/);
    expect(coded('SQLITE_NOTADB')).toBe('DATABASE_URL: file:/x.sqlite is not a SQLite database');
    expect(coded('SQLITE_CORRUPT')).toBe('DATABASE_URL: file:/x.sqlite is corrupt (SQLITE_CORRUPT)');
    expect(coded('SQLITE_READONLY_DIRECTORY')).toMatch(/is read-only/);
    // Not a storage problem: reported as it is.
    expect(storageProblem('file:/x.sqlite', new Error('a bug'))).toBeUndefined();
    expect(storageProblem('file:/x.sqlite', Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeUndefined();
  });
});
