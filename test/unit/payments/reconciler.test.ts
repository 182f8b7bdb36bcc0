/**
 * The reconciler with a fake Khalti client and a hand-driven clock: expiry is inferred only from
 * a lookup of the same pass, a failed lookup fabricates nothing, and gateway-expired payments are
 * looked up on a slow tail so a late completion is found without the buyer.
 */
import { LATE_COMPLETION_CHECKS_MS } from '../../../src/payments/reconciler';
import { createDomain, story, unavailable, type Domain } from './support/domain';

const HOUR = 60 * 60 * 1000;

describe('Reconciler', () => {
  let domain: Domain;
  beforeEach(async () => {
    domain = await createDomain();
  });
  afterEach(() => domain.close());

  const pastExpiry = (expiresAt: Date) => domain.clock.set(new Date(expiresAt.getTime() + 10_000));

  it('leaves an INITIATED payment as it is when the lookup past expires_at fails: no EXPIRED, no made-up fields', async () => {
    const payment = await domain.initiated();
    pastExpiry(payment.expiresAt);
    domain.khalti.thenLookup(unavailable());
    await domain.reconciler.runOnce();
    const row = (await domain.state.get(payment.pidx))!;
    expect(row).toMatchObject({ status: 'INITIATED', totalAmount: null, fee: null, expiryInferred: false });
    expect(row.nextLookupAt!.getTime()).toBeGreaterThan(domain.clock.now.getTime());
    expect((await story(domain, payment.pidx)).map((entry) => entry.line)).toEqual(['status_change:initiate']);

    // Khalti answers again: the buyer had paid; it is COMPLETED, not EXPIRED.
    domain.khalti.says(payment.pidx, 'COMPLETED', { transactionId: 'txn' });
    domain.clock.set(row.nextLookupAt!);
    await domain.reconciler.runOnce();
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'COMPLETED', lateCompletion: false, nextLookupAt: null });
  });

  it('records EXPIRED after a lookup past expires_at that still says Initiated, then looks again 1 h and 24 h after expiry', async () => {
    const payment = await domain.initiated();
    pastExpiry(payment.expiresAt);
    await domain.reconciler.runOnce();
    let row = (await domain.state.get(payment.pidx))!;
    expect(row).toMatchObject({ status: 'EXPIRED', expiryInferred: true });
    expect(row.nextLookupAt).toEqual(new Date(payment.expiresAt.getTime() + LATE_COMPLETION_CHECKS_MS[0]!));

    domain.clock.set(row.nextLookupAt!);
    await domain.reconciler.runOnce();
    row = (await domain.state.get(payment.pidx))!;
    expect(row.nextLookupAt).toEqual(new Date(payment.expiresAt.getTime() + 24 * HOUR));

    domain.clock.set(row.nextLookupAt!);
    await domain.reconciler.runOnce();
    expect((await domain.state.get(payment.pidx))!.nextLookupAt).toBeNull();
    expect(domain.khalti.lookups.filter((pidx) => pidx === payment.pidx)).toHaveLength(3);
  });

  it('finds a late completion on the slow tail, without the buyer coming back', async () => {
    const payment = await domain.initiated();
    pastExpiry(payment.expiresAt);
    await domain.reconciler.runOnce();
    domain.khalti.says(payment.pidx, 'COMPLETED', { transactionId: 'txn-late', totalAmount: 1300 });
    domain.clock.set((await domain.state.get(payment.pidx))!.nextLookupAt!);
    await domain.reconciler.runOnce();
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'COMPLETED', lateCompletion: true, nextLookupAt: null });
    expect(domain.events.at(-1)).toMatchObject({ previousStatus: 'EXPIRED', status: 'COMPLETED', source: 'RECONCILER' });
    expect(domain.warnings).toHaveLength(1);
  });

  it('does not infer EXPIRED before expires_at (and the grace) has passed', async () => {
    const payment = await domain.initiated();
    domain.clock.set(new Date(payment.expiresAt.getTime() - 1000));
    await domain.reconciler.runOnce();
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'INITIATED' });
  });

  it('settles an UNKNOWN refund only when due, backing off between looks', async () => {
    const payment = await domain.completed();
    domain.khalti.thenRefund(unavailable('refund'));
    const outcome = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    expect(outcome.refund?.state).toBe('UNKNOWN');
    const looks = () => domain.khalti.lookups.filter((pidx) => pidx === payment.pidx).length;

    const gaps: number[] = [];
    for (let pass = 0; pass < 4; pass += 1) {
      const due = (await domain.refunds.forPayment(payment.pidx))[0]!.nextSettleAt!;
      domain.clock.set(due);
      const before = looks();
      await domain.reconciler.runOnce();
      expect(looks()).toBeGreaterThan(before);
      gaps.push((await domain.refunds.forPayment(payment.pidx))[0]!.nextSettleAt!.getTime() - domain.clock.now.getTime());
    }
    expect(gaps).toEqual([2000, 4000, 8000, 16000]);
    const before = looks();
    domain.clock.advance(1000);
    await domain.reconciler.runOnce();
    expect(looks()).toBe(before);
    expect((await domain.refunds.forPayment(payment.pidx))[0]!.state).toBe('UNKNOWN');
  });
});
