/**
 * Two gateway processes starting at once on a new database: both must come up. The test makes the
 * race certain instead of lucky: it holds the new file's write lock while both processes start, so
 * both reach their migrations before either can apply one, then lets go. Drizzle's own migrator
 * read "nothing applied" in both before taking the lock, and the second then died on "table
 * already exists"; migrations now read and apply under the lock.
 */
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { spawnGateway, type GatewayProcess } from '../support/processes';
import { describeOnSqlite } from '../support/engine';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True once the process has the database file open (it has reached openDatabase). */
function hasOpen(pid: number, file: string): boolean {
  const fds = `/proc/${pid}/fd`;
  if (!existsSync(fds)) return false;
  return readdirSync(fds).some((fd) => {
    try {
      return readlinkSync(join(fds, fd)) === file;
    } catch {
      return false;
    }
  });
}

describeOnSqlite('simultaneous first starts on one new database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'khalti-first-start-'));
  const file = join(dir, 'gateway.sqlite');
  const processes: GatewayProcess[] = [];
  afterAll(async () => {
    for (const gateway of processes) await gateway.kill9().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('brings both processes up and applies each migration once', async () => {
    // A new database whose migrations table exists but is empty, its write lock held by us.
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)');
    holder.exec('BEGIN IMMEDIATE');

    const env = { DATABASE_URL: `file:${file}`, PORT: '0', HOST: '127.0.0.1', RECONCILE_INTERVAL_MS: '60000' };
    processes.push(spawnGateway(env), spawnGateway(env));
    for (let i = 0; i < 600 && !processes.every((gateway) => hasOpen(gateway.child.pid!, file)); i += 1) await sleep(50);
    expect(processes.map((gateway) => hasOpen(gateway.child.pid!, file))).toEqual([true, true]);
    // Both are at their migrations now (opening the file is the step before), waiting on our lock.
    await sleep(300);
    holder.exec('ROLLBACK');
    holder.close();

    const started = await Promise.all(processes.map((gateway) => gateway.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+|Error|exited/, 30000)));
    expect(started.map((match) => match[0]).every((line) => line.startsWith('listening on'))).toBe(true);

    const check = new Database(file, { readonly: true });
    const applied = check.prepare('SELECT hash FROM "__drizzle_migrations"').all() as { hash: string }[];
    check.close();
    expect(applied.map((row) => row.hash).sort()).toEqual(readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((migration) => migration.hash).sort());
  }, 60_000);

  it('npm run db:migrate applies what is pending, then nothing', () => {
    const fresh = join(dir, 'migrated.sqlite');
    const run = () =>
      execFileSync(process.execPath, ['--import', 'tsx', 'src/db/migrate-cli.ts'], {
        cwd: resolve(__dirname, '..', '..'),
        env: { ...process.env, DATABASE_URL: `file:${fresh}` },
        encoding: 'utf8',
      });
    const count = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
    expect(run()).toContain(`${count} migration(s) applied`);
    expect(run()).toContain('0 migration(s) applied');
  });
});
