/**
 * The hot writes and reads run as queries prepared once per connection (executor.ts
 * preparedQuery, rowPlaceholders), on the suite's engine: each row shape writes what an
 * unprepared query would (absent columns take their defaults, nulls are NULL, dates and booleans
 * encoded), shapes never mix, a prepared read sees rows written after it was prepared, and a write
 * prepared in one unit of work runs inside the unit that reuses it (its rollback undoes it).
 */
import { openDatabase } from '../../../src/db/connection';
import type { Database } from '../../../src/db/database';
import type { InitiationRow, NewPaymentRow } from '../../../src/db/schema';
import { createTestStore, TEST_ENGINE, type TestStore } from '../../support/engine';
import { paymentRow } from '../../support/payment-row';

const at = new Date('2026-12-01T10:00:00.000Z');
const later = new Date('2026-12-01T10:05:00.000Z');

/** What a caller may leave out of a payment: the columns with defaults. */
function minimalPayment(pidx: string): NewPaymentRow {
  const { refunded, refundedAmount, expiryInferred, lateCompletion, bankPayment, lookupAttempts, version, ...rest } = paymentRow(pidx, at);
  void [refunded, refundedAmount, expiryInferred, lateCompletion, bankPayment, lookupAttempts, version];
  const row: Record<string, unknown> = { ...rest };
  for (const key of ['totalAmount', 'transactionId', 'fee', 'customerName', 'customerEmail', 'customerPhone', 'personalDataErasedAt', 'nextLookupAt']) delete row[key];
  return row as NewPaymentRow;
}

const claimRow = (purchaseOrderId: string, owner: string, leaseUntil: Date): InitiationRow => ({
  purchaseOrderId,
  requestFingerprint: `fp-${purchaseOrderId}`,
  state: 'IN_FLIGHT',
  pidx: null,
  owner,
  leaseUntil,
  updatedAt: at,
});

describe(`prepared hot queries (${TEST_ENGINE})`, () => {
  let store: TestStore;
  let database: Database;
  beforeAll(async () => {
    store = await createTestStore();
    // One connection on PostgreSQL, so every unit reuses the queries the first one prepared.
    database = await openDatabase(store.url, { poolSize: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await store?.drop();
  });

  it('inserts payments of different shapes as written: absent columns take their defaults, nulls and values are kept', async () => {
    await database.transaction((tx) => tx.payments.insert(minimalPayment('shape-min')));
    await database.transaction((tx) =>
      tx.payments.insert(
        paymentRow('shape-full', at, { refunded: true, bankPayment: true, customerName: 'Ram', nextLookupAt: later, lookupAttempts: 3, version: 2, fee: 10 }),
      ),
    );
    await database.transaction((tx) => tx.payments.insert(paymentRow('shape-nulls', at)));

    const min = await database.read.payments.byPidx('shape-min');
    expect(min).toMatchObject({ refunded: false, refundedAmount: 0, bankPayment: false, lookupAttempts: 0, version: 0, nextLookupAt: null, customerName: null, fee: null });
    expect(min!.createdAt).toEqual(at);
    const full = await database.read.payments.byPidx('shape-full');
    expect(full).toMatchObject({ refunded: true, bankPayment: true, customerName: 'Ram', lookupAttempts: 3, version: 2, fee: 10 });
    expect(full!.nextLookupAt).toEqual(later);
    expect(await database.read.payments.byPidx('shape-nulls')).toMatchObject({ refunded: false, customerName: null, nextLookupAt: null, personalDataErasedAt: null });
    const [raw] = await store.query<{ next_lookup_at: unknown; customer_name: unknown }>('SELECT next_lookup_at, customer_name FROM payments WHERE pidx = ?', 'shape-nulls');
    expect(raw).toEqual({ next_lookup_at: null, customer_name: null });
  });

  it('updates with compare-and-set: each shape changes only its columns, nulls clear, a stale version writes nothing', async () => {
    await database.transaction((tx) => tx.payments.insert(paymentRow('cas-1', at, { nextLookupAt: at })));
    const first = await database.transaction((tx) => tx.payments.update('cas-1', 0, { status: 'COMPLETED', fee: 25, updatedAt: later, nextLookupAt: null }));
    expect(first).toMatchObject({ status: 'COMPLETED', fee: 25, nextLookupAt: null, version: 1, refundedAmount: 0 });
    expect(first!.updatedAt).toEqual(later);

    const second = await database.transaction((tx) => tx.payments.update('cas-1', 1, { refundedAmount: 500, refunded: true, nextLookupAt: later }));
    expect(second).toMatchObject({ status: 'COMPLETED', fee: 25, refundedAmount: 500, refunded: true, version: 2 });
    expect(second!.nextLookupAt).toEqual(later);
    expect(second!.updatedAt).toEqual(later);

    // The first shape again, on another row: its prepared query is not the second's.
    await database.transaction((tx) => tx.payments.insert(paymentRow('cas-2', at)));
    const other = await database.transaction((tx) => tx.payments.update('cas-2', 0, { status: 'FAILED', fee: 1, updatedAt: later, nextLookupAt: null }));
    expect(other).toMatchObject({ pidx: 'cas-2', status: 'FAILED', refundedAmount: 0, refunded: false, version: 1 });

    expect(await database.transaction((tx) => tx.payments.update('cas-1', 1, { refundedAmount: 900, refunded: true, nextLookupAt: later }))).toBeUndefined();
    expect(await database.read.payments.byPidx('cas-1')).toMatchObject({ refundedAmount: 500, version: 2 });
  });

  it('takes an initiation claim once: refused while another lease runs, taken over once it ran out, retaken after FAILED', async () => {
    const leaseEnd = new Date(at.getTime() + 60_000);
    expect(await database.transaction((tx) => tx.initiations.claim(claimRow('order-c', 'a', leaseEnd), at))).toBe(true);
    expect(await database.transaction((tx) => tx.initiations.claim(claimRow('order-c', 'b', leaseEnd), at))).toBe(false);
    expect(await database.read.initiations.get('order-c')).toMatchObject({ owner: 'a', state: 'IN_FLIGHT', pidx: null });

    const afterLease = new Date(leaseEnd.getTime() + 1);
    expect(await database.transaction((tx) => tx.initiations.claim(claimRow('order-c', 'c', new Date(afterLease.getTime() + 60_000)), afterLease))).toBe(true);
    const taken = await database.read.initiations.get('order-c');
    expect(taken).toMatchObject({ owner: 'c' });
    expect(taken!.leaseUntil).toEqual(new Date(afterLease.getTime() + 60_000));

    await database.transaction((tx) => tx.initiations.finish('order-c', 'c', 'FAILED', null, afterLease));
    expect(await database.transaction((tx) => tx.initiations.claim(claimRow('order-c', 'd', leaseEnd), at))).toBe(true);
    expect(await database.read.initiations.get('order-c')).toMatchObject({ owner: 'd', state: 'IN_FLIGHT' });
  });

  it('reads the receiving webhook endpoints afresh each time (the SQL is prepared, not the answer)', async () => {
    expect(await database.read.webhookEndpoints.receiving()).toEqual([]);
    const endpoint = (id: string, createdAt: Date) => ({ id, url: `https://shop.example.com/hooks/${id}`, events: '["payment.completed"]', createdAt, updatedAt: createdAt });
    await database.transaction((tx) => tx.webhookEndpoints.insert(endpoint('we-1', at)));
    await database.transaction((tx) => tx.webhookEndpoints.insert(endpoint('we-2', later)));
    expect((await database.read.webhookEndpoints.receiving()).map((row) => row.id)).toEqual(['we-1', 'we-2']);
    await database.transaction((tx) => tx.webhookEndpoints.disable('we-1', 'gone', later));
    expect((await database.transaction((tx) => tx.webhookEndpoints.receiving())).map((row) => row.id)).toEqual(['we-2']);
    expect((await database.read.webhookEndpoints.receiving()).map((row) => row.id)).toEqual(['we-2']);
  });

  it('claims due deliveries with one prepared claim whatever now and the limit, and records attempts of each shape as written', async () => {
    const endpoint = { id: 'we-claim', url: 'https://shop.example.com/hooks/claim', events: '["payment.completed"]', createdAt: at, updatedAt: at };
    await database.transaction((tx) => tx.webhookEndpoints.insert(endpoint));
    const body = '{"type":"payment.completed"}';
    await database.transaction(async (tx) => {
      await tx.webhookOutbox.insertEvent({ id: 'ev-claim', type: 'payment.completed', body, createdAt: at });
      await tx.webhookOutbox.insertDeliveries(
        ['d-1', 'd-2', 'd-3'].map((id, i) => ({ id, eventId: 'ev-claim', endpointId: 'we-claim', state: 'PENDING' as const, attempts: 0, nextAttemptAt: new Date(at.getTime() + i * 1000), createdAt: at, updatedAt: at })),
      );
    });
    const lease = new Date(at.getTime() + 60_000);
    // Due by `now`: only d-1 at `at`; then d-2 a second later (d-1's lease still runs); then the rest at once.
    expect((await database.transaction((tx) => tx.webhookDeliveries.claimDue(at, 5, lease))).map((row) => row.id)).toEqual(['d-1']);
    expect((await database.transaction((tx) => tx.webhookDeliveries.claimDue(new Date(at.getTime() + 1000), 5, lease))).map((row) => row.id)).toEqual(['d-2']);
    const afterLease = new Date(lease.getTime() + 1);
    const claimed = await database.transaction((tx) => tx.webhookDeliveries.claimDue(afterLease, 2, new Date(afterLease.getTime() + 60_000)));
    expect(claimed.map((row) => row.id)).toEqual(['d-1', 'd-2']);
    expect(claimed[0]!.leaseUntil).toEqual(new Date(afterLease.getTime() + 60_000));

    const [one, two] = claimed;
    // A retry (no answer, a next attempt) and a delivery (an answer, no next attempt): two shapes.
    const retry = { state: 'PENDING' as const, attempts: 1, lastHttpStatus: null, lastError: 'timed out', nextAttemptAt: later, deliveredAt: null };
    const delivered = { state: 'DELIVERED' as const, attempts: 1, lastHttpStatus: 204, lastError: null, nextAttemptAt: null, deliveredAt: later };
    expect(await database.transaction((tx) => tx.webhookDeliveries.recordAttempt(one!.id, one!.version, retry, later))).toBe(true);
    expect(await database.transaction((tx) => tx.webhookDeliveries.recordAttempt(two!.id, two!.version, delivered, later))).toBe(true);
    // A stale version writes nothing.
    expect(await database.transaction((tx) => tx.webhookDeliveries.recordAttempt(two!.id, two!.version, retry, later))).toBe(false);
    expect(await database.read.webhookDeliveries.byId('d-1')).toMatchObject({ state: 'PENDING', lastHttpStatus: null, lastError: 'timed out', nextAttemptAt: later, leaseUntil: null, deliveredAt: null });
    expect(await database.read.webhookDeliveries.byId('d-2')).toMatchObject({ state: 'DELIVERED', lastHttpStatus: 204, lastError: null, nextAttemptAt: null, leaseUntil: null, deliveredAt: later });
    await database.transaction(async (tx) => {
      await tx.webhookDeliveries.insertAttempt({ deliveryId: 'd-1', at: later, httpStatus: null, error: 'timed out', durationMs: 15000 });
      await tx.webhookDeliveries.insertAttempt({ deliveryId: 'd-1', at: later, httpStatus: 204, error: null, durationMs: 3 });
    });
    expect((await database.read.webhookDeliveries.attemptsOf('d-1')).map(({ httpStatus, error, durationMs }) => ({ httpStatus, error, durationMs }))).toEqual([
      { httpStatus: null, error: 'timed out', durationMs: 15000 },
      { httpStatus: 204, error: null, durationMs: 3 },
    ]);
    const toSend = await database.read.webhookDeliveries.toSend('we-claim', 'ev-claim');
    expect(toSend.event?.body).toBe(body);
    expect(toSend.endpoint).toMatchObject({ id: 'we-claim', url: endpoint.url, enabled: true, secretGeneration: 1, deletedAt: null });
    expect(await database.read.webhookDeliveries.toSend('we-claim', 'ev-none')).toMatchObject({ endpoint: { id: 'we-claim' }, event: undefined });
    expect(await database.read.webhookDeliveries.toSend('we-none', 'ev-claim')).toEqual({ endpoint: undefined, event: undefined });
  });

  it('runs a reused prepared write inside the unit that reuses it: that unit rolling back undoes it', async () => {
    const auditRow = (pidx: string) => ({ at, kind: 'status_change' as const, operation: 'INITIATED', pidx });
    await database.transaction(async (tx) => {
      await tx.payments.insert(paymentRow('unit-1', at));
      await tx.audit.insert(auditRow('unit-1'));
    });
    await expect(
      database.transaction(async (tx) => {
        await tx.payments.insert(paymentRow('unit-2', at));
        await tx.audit.insert(auditRow('unit-2'));
        await tx.payments.update('unit-1', 0, { fee: 5 });
        throw new Error('the unit fails after its writes');
      }),
    ).rejects.toThrow('the unit fails after its writes');
    expect(await store.query('SELECT pidx FROM payments WHERE pidx = ?', 'unit-2')).toEqual([]);
    expect(await store.query('SELECT id FROM audit_log WHERE pidx = ?', 'unit-2')).toEqual([]);
    expect(await database.read.payments.byPidx('unit-1')).toMatchObject({ fee: null, version: 0 });
    // And the connection is still good for the next unit.
    const id = await database.transaction((tx) => tx.audit.insert(auditRow('unit-1')));
    expect(await store.query<{ id: unknown }>('SELECT id FROM audit_log WHERE pidx = ? ORDER BY id', 'unit-1')).toHaveLength(2);
    expect(id).toBeGreaterThan(0);
  });
});

describe(`prepared hot queries on several connections (${TEST_ENGINE})`, () => {
  let store: TestStore;
  let database: Database;
  beforeAll(async () => {
    store = await createTestStore();
    database = await openDatabase(store.url, { poolSize: 3 });
  });
  afterAll(async () => {
    await database?.close();
    await store?.drop();
  });

  it('keeps concurrent units apart: each commits or rolls back only its own writes', async () => {
    const units = Array.from({ length: 12 }, (_, i) =>
      database.transaction(async (tx) => {
        await tx.payments.insert(paymentRow(`many-${i}`, at));
        await tx.audit.insert({ at, kind: 'status_change', operation: 'INITIATED', pidx: `many-${i}` });
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (i % 3 === 0) throw new Error(`unit ${i} fails`);
      }),
    );
    const settled = await Promise.allSettled(units);
    expect(settled.filter((result) => result.status === 'rejected')).toHaveLength(4);
    const stored = await store.query<{ pidx: string }>("SELECT pidx FROM payments WHERE pidx LIKE 'many-%' ORDER BY pidx");
    const audited = await store.query<{ pidx: string }>("SELECT pidx FROM audit_log WHERE pidx LIKE 'many-%' ORDER BY pidx");
    const expected = Array.from({ length: 12 }, (_, i) => i)
      .filter((i) => i % 3 !== 0)
      .map((i) => `many-${i}`)
      .sort();
    expect(stored.map((row) => row.pidx)).toEqual(expected);
    expect(audited.map((row) => row.pidx)).toEqual(expected);
  });
});
