/**
 * SQLite on a real file keeps synchronous=FULL's guarantee without its blocking fsync: the writer
 * commits with synchronous=NORMAL, and a unit of work settles only after the WAL file itself was
 * fdatasync'ed (off the event loop) following its commit. A relaxed unit settles without waiting.
 */
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/db/sqlite/sqlite-database';
import { paymentRow } from '../../support/payment-row';

const at = new Date('2026-12-01T10:00:00.000Z');

describe('SQLite durability', () => {
  let dir: string;
  let database: SqliteDatabase;
  /** What happened, in order: each WAL datasync's start and end, and units settling. */
  let events: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-durability-'));
    events = [];
    // Every FileHandle's datasync, named by the file its descriptor has open.
    const probe = await fsPromises.open(join(dir, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as { datasync(this: fsPromises.FileHandle): Promise<void> };
    await probe.close();
    const datasync = prototype.datasync;
    jest.spyOn(prototype, 'datasync').mockImplementation(async function (this: fsPromises.FileHandle) {
      const name = basename(readlinkSync(`/proc/self/fd/${this.fd}`));
      events.push(`datasync start ${name}`);
      await datasync.call(this);
      events.push(`datasync end ${name}`);
    });
    database = openSqliteDatabase(`file:${join(dir, 'gateway.sqlite')}`);
  });
  afterEach(async () => {
    await database.close();
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits without an inline fsync (synchronous=NORMAL) and settles a unit only after the WAL file is synced', async () => {
    expect(database.sqlite.pragma('synchronous', { simple: true })).toBe(1);
    await database.transaction((tx) => tx.payments.insert(paymentRow('durable-1', at)));
    events.push('unit settled');
    expect(events).toEqual(['datasync start gateway.sqlite-wal', 'datasync end gateway.sqlite-wal', 'unit settled']);
    expect((await database.read.payments.byPidx('durable-1'))?.pidx).toBe('durable-1');
  });

  it('settles a relaxed unit at its commit, without a sync', async () => {
    await database.transaction((tx) => tx.payments.insert(paymentRow('relaxed-1', at)), { durability: 'relaxed' });
    events.push('unit settled');
    expect(events).toEqual(['unit settled']);
  });

  it('makes many concurrent units durable with a few syncs, not one each', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => database.transaction((tx) => tx.payments.insert(paymentRow(`many-${i}`, at)))));
    const syncs = events.filter((event) => event.startsWith('datasync start')).length;
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThan(40);
    expect(await database.read.payments.count()).toBe(40);
  });
});
