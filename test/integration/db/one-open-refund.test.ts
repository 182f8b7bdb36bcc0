/**
 * The partial unique index refunds_one_open_per_payment, on both databases through their real
 * migrations: a payment has at most one open (REQUESTED or UNKNOWN) refund, whoever writes it,
 * while settled ones (SUCCEEDED, FAILED) may sit beside it. Rows are the same NewRefundRow objects
 * for both dialects (schema-parity.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { migrateSqlite } from '../../../src/db/migrate';
import { migratePostgres } from '../../../src/db/postgres/migrate';
import * as postgresSchema from '../../../src/db/postgres/schema';
import * as sqliteSchema from '../../../src/db/schema';
import type { NewPaymentRow, NewRefundRow } from '../../../src/db/schema';
import type { RefundState } from '../../../src/payments/refund-state.rules';
import { createPostgresDatabase } from '../../support/postgres';

interface Store {
  addPayment(row: NewPaymentRow): Promise<unknown>;
  addRefund(row: NewRefundRow): Promise<unknown>;
  settle(id: string, state: RefundState): Promise<unknown>;
  close(): Promise<void>;
}

async function sqliteStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-refunds-'));
  const sqlite = new Database(join(dir, 'gateway.sqlite'));
  sqlite.pragma('foreign_keys = ON');
  migrateSqlite(sqlite);
  const db = drizzleSqlite(sqlite);
  const { payments, refunds } = sqliteSchema;
  return {
    addPayment: async (row) => db.insert(payments).values(row).run(),
    addRefund: async (row) => db.insert(refunds).values(row).run(),
    settle: async (id, state) => db.update(refunds).set({ state }).where(eq(refunds.id, id)).run(),
    close: async () => {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresStore(): Promise<Store> {
  const database = await createPostgresDatabase();
  const pool = new Pool({ connectionString: database.url, max: 2 });
  // An idle connection terminated by the DROP ... WITH (FORCE) at the end is no failure.
  pool.on('error', () => undefined);
  await migratePostgres(pool);
  const db = drizzlePostgres({ client: pool });
  const { payments, refunds } = postgresSchema;
  return {
    addPayment: (row) => db.insert(payments).values(row),
    addRefund: (row) => db.insert(refunds).values(row),
    settle: (id, state) => db.update(refunds).set({ state }).where(eq(refunds.id, id)),
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

/** The driver's error under drizzle's "Failed query" wrapper. */
function driverError(error: unknown): { code?: string; message: string; constraint?: string } {
  let current = error as { cause?: unknown };
  while (current.cause) current = current.cause as { cause?: unknown };
  return current as unknown as { code?: string; message: string; constraint?: string };
}

const refusals: Record<string, (error: ReturnType<typeof driverError>) => boolean> = {
  sqlite: (error) => error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes('refunds.pidx'),
  postgres: (error) => error.code === '23505' && error.constraint === 'refunds_one_open_per_payment',
};

describe.each([
  ['sqlite', sqliteStore],
  ['postgres', postgresStore],
])('%s: at most one open refund per payment', (dialect, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  const now = new Date('2026-12-01T10:00:00.000Z');
  const payment = (pidx: string): NewPaymentRow => ({
    pidx,
    purchaseOrderId: `order-${pidx}`,
    purchaseOrderName: 'Order',
    amount: 10_000,
    status: 'COMPLETED',
    paymentUrl: 'https://pay.example/x',
    returnUrl: 'https://shop.example/return',
    requestFingerprint: 'f',
    expiresAt: now,
    createdAt: now,
    updatedAt: now,
  });
  const refund = (id: string, pidx: string, state: RefundState): NewRefundRow => ({
    id,
    pidx,
    amount: 100,
    full: false,
    state,
    requestFingerprint: id,
    createdAt: now,
    updatedAt: now,
  });
  const refused = async (write: Promise<unknown>) => {
    const error = await write.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeDefined();
    expect([driverError(error).message, refusals[dialect]!(driverError(error))]).toEqual([driverError(error).message, true]);
  };

  it('refuses a second open refund while one is REQUESTED or UNKNOWN', async () => {
    await store.addPayment(payment('P1'));
    await store.addRefund(refund('R1', 'P1', 'REQUESTED'));
    await refused(store.addRefund(refund('R2', 'P1', 'REQUESTED')));
    await refused(store.addRefund(refund('R2', 'P1', 'UNKNOWN')));
    await store.settle('R1', 'UNKNOWN');
    await refused(store.addRefund(refund('R2', 'P1', 'REQUESTED')));
  });

  it('allows the next refund once the open one is SUCCEEDED or FAILED, and any number of settled ones', async () => {
    await store.settle('R1', 'SUCCEEDED');
    await store.addRefund(refund('R2', 'P1', 'REQUESTED'));
    await store.settle('R2', 'FAILED');
    await store.addRefund(refund('R3', 'P1', 'UNKNOWN'));
    await store.addRefund(refund('R4', 'P1', 'FAILED'));
    await refused(store.addRefund(refund('R5', 'P1', 'REQUESTED')));
  });

  it('is per payment: another payment has its own open refund', async () => {
    await store.addPayment(payment('P2'));
    await store.addRefund(refund('R6', 'P2', 'REQUESTED'));
  });
});
