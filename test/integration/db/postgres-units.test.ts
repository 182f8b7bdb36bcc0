/**
 * What only PostgreSQL does, on the real server: a unit's row lock orders concurrent units on one
 * payment, a unit PostgreSQL aborts as a serialization failure is run again, the initiation claim
 * is taken by exactly one of many concurrent units, and a DATABASE_URL that cannot be used stops
 * start-up with one line naming it (never its password).
 */
import { openDatabase } from '../../../src/db/connection';
import type { Database } from '../../../src/db/database';
import type { PostgresDatabase as PostgresEngine } from '../../../src/db/postgres/postgres-database';
import { StorageConfigError } from '../../../src/db/storage-error';
import type { InitiationRow } from '../../../src/db/schema';
import { paymentRow } from '../../support/payment-row';
import { createPostgresDatabase, type PostgresDatabase as TestDatabase } from '../../support/postgres';

const payment = (pidx: string) => paymentRow(pidx, new Date('2026-12-01T10:00:00.000Z'));

async function waitForLockWaiter(database: Database): Promise<void> {
  const pool = (database as PostgresEngine).pool;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if (Number(rows[0]!.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('no unit ever waited for the lock');
}

describe('PostgreSQL units of work', () => {
  let store: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    store = await createPostgresDatabase();
    database = await openDatabase(store.url, { poolSize: 12 });
  });
  afterAll(async () => {
    await database?.close();
    await store?.drop();
  });

  it('orders two units that lock one payment: the second decides only after the first committed', async () => {
    await database.transaction((tx) => tx.payments.insert(payment('lock-1')));
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstLocked!: () => void;
    const locked = new Promise<void>((resolve) => (firstLocked = resolve));
    const first = database.transaction(async (tx) => {
      await tx.lockPayment('lock-1');
      firstLocked();
      await held;
      const row = (await tx.payments.byPidx('lock-1'))!;
      await tx.payments.update('lock-1', row.version, { refundedAmount: row.refundedAmount + 100 });
      order.push('first wrote');
    });
    await locked;
    const second = database.transaction(async (tx) => {
      await tx.lockPayment('lock-1');
      order.push('second locked');
      const row = (await tx.payments.byPidx('lock-1'))!;
      await tx.payments.update('lock-1', row.version, { refundedAmount: row.refundedAmount + 100 });
    });
    // Released only once PostgreSQL shows the second unit waiting for the row's lock (a positive
    // sign it is blocked, rather than a pause that hopes it would have got through by now).
    await waitForLockWaiter(database);
    order.push('released');
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['released', 'first wrote', 'second locked']);
    // Both increments landed: neither read a version the other had already replaced.
    expect((await database.read.payments.byPidx('lock-1'))!.refundedAmount).toBe(200);
  });

  it('runs a unit again when PostgreSQL aborts it as a serialization failure, and only once it commits', async () => {
    let attempts = 0;
    const result = await database.transaction(async (tx) => {
      attempts += 1;
      await tx.payments.insert(payment(`retry-${attempts}`));
      if (attempts === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      return attempts;
    });
    expect(result).toBe(2);
    expect(await database.read.payments.byPidx('retry-1')).toBeUndefined();
    expect(await database.read.payments.byPidx('retry-2')).toBeDefined();
  });

  it('runs a single-statement unit without BEGIN and COMMIT, and refuses a lock in one', async () => {
    const statements: string[] = [];
    const one = await openDatabase(store.url, { poolSize: 2, onQuery: (query) => statements.push(query) });
    try {
      await one.transaction((tx) => tx.payments.insert(payment('single-1')), { singleStatement: true });
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/^insert into "payments"/);
      expect((await database.read.payments.byPidx('single-1'))?.pidx).toBe('single-1');
      await expect(one.transaction((tx) => tx.lockPayment('single-1'), { singleStatement: true })).rejects.toThrow(/cannot lock a payment/);
    } finally {
      await one.close();
    }
  });

  it('gives the claim on an order to exactly one of many concurrent units', async () => {
    const now = new Date();
    const claim = (owner: string): InitiationRow => ({
      purchaseOrderId: 'order-race',
      requestFingerprint: 'fp',
      state: 'IN_FLIGHT',
      pidx: null,
      owner,
      leaseUntil: new Date(now.getTime() + 60_000),
      updatedAt: now,
    });
    const won = await Promise.all(Array.from({ length: 10 }, (_, i) => database.transaction((tx) => tx.initiations.claim(claim(`owner-${i}`), now))));
    expect(won.filter(Boolean)).toHaveLength(1);
    const holder = await database.read.initiations.get('order-race');
    expect(holder?.owner).toBe(`owner-${won.indexOf(true)}`);
  });
});

describe('a PostgreSQL DATABASE_URL that cannot be used', () => {
  const failure = async (url: string): Promise<StorageConfigError> => {
    try {
      const opened = await openDatabase(url);
      await opened.close();
    } catch (error) {
      if (error instanceof StorageConfigError) return error;
      throw error;
    }
    throw new Error(`${url} opened`);
  };

  it('names DATABASE_URL, and never the password, when nothing listens there', async () => {
    const error = await failure('postgres://root:s3cret-pw@127.0.0.1:1/khalti');
    expect(error.message).toMatch(/^DATABASE_URL: /);
    expect(error.message).not.toContain('s3cret-pw');
  });

  it('says the database does not exist', async () => {
    const error = await failure('postgres://root@127.0.0.1:5432/khalti_no_such_database');
    expect(error.message).toMatch(/^DATABASE_URL: .*does not exist/);
  });
});
