/**
 * Two gateway processes starting at once on a new database: both must come up. The test makes the
 * race certain instead of lucky: it holds the new file's write lock while both processes start, so
 * both reach their migrations before either can apply one, then lets go. Drizzle's own migrator
 * read "nothing applied" in both before taking the lock, and the second then died on "table
 * already exists"; migrations now read and apply under the lock.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
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

/** clock_nanosleep and nanosleep, by architecture, for kernels that do not tell the wait channel. */
const SLEEP_SYSCALLS: Record<string, number[]> = { x64: [230, 35], arm64: [115, 101] };

/**
 * True when the process's main thread is asleep in the kernel's nanosleep: SQLite's busy handler
 * waiting for a lock (better-sqlite3 runs on the main thread; Node otherwise waits in epoll).
 */
function sleepingInBusyHandler(pid: number): boolean {
  try {
    const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8').trim();
    if (wchan && wchan !== '0') return wchan.includes('nanosleep');
    const syscall = Number(readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0]);
    return (SLEEP_SYSCALLS[process.arch] ?? []).includes(syscall);
  } catch {
    return false;
  }
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
    // Polled, with a deadline: each process has the file open (it reached openDatabase) and its
    // main thread sleeps in SQLite's busy handler, twice in a row: it is inside its migrations,
    // waiting on our lock. (The pace of the poll is not what the test relies on.)
    const waiting = (gateway: GatewayProcess) => hasOpen(gateway.child.pid!, file) && sleepingInBusyHandler(gateway.child.pid!);
    const seen = [0, 0];
    for (let i = 0; i < 600 && !seen.every((count) => count >= 2); i += 1) {
      processes.forEach((gateway, index) => (seen[index] = waiting(gateway) ? seen[index]! + 1 : 0));
      await sleep(50);
    }
    expect(seen.map((count) => count >= 2)).toEqual([true, true]);
    expect(processes.map((gateway) => gateway.output())).not.toContainEqual(expect.stringMatching(/listening on/));
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
