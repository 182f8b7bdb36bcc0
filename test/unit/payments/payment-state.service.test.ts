/**
 * PaymentStateService with a fake Khalti client: the rules of DESIGN section 5 about how a lookup
 * changes a payment, including the gateway's own expiry inference and late completions.
 */
import { isPaid } from '../../../src/payments/status.rules';
import { createDomain, story, unavailable, type Domain } from './support/domain';

describe('PaymentStateService', () => {
  let domain: Domain;
  beforeEach(async () => {
    domain = await createDomain();
  });
  afterEach(() => domain.close());

  it("applies Khalti's Completed once: one audit row and one event, however often it is seen", async () => {
    const payment = await domain.initiated();
    domain.khalti.says(payment.pidx, 'COMPLETED', { totalAmount: 1300, transactionId: 'txn-1' });
    await domain.state.refresh(payment.pidx, 'CALLBACK');
    await domain.state.refresh(payment.pidx, 'LOOKUP');
    await domain.state.refresh(payment.pidx, 'RECONCILER');
    const row = (await domain.state.get(payment.pidx))!;
    expect(row).toMatchObject({ status: 'COMPLETED', totalAmount: 1300, transactionId: 'txn-1', lateCompletion: false, nextLookupAt: null });
    expect(domain.events.map((event) => `${event.previousStatus}->${event.status}`)).toEqual(['INITIATED->COMPLETED']);
    expect((await story(domain, payment.pidx)).filter((entry) => entry.line.startsWith('status_change'))).toHaveLength(2);
  });

  it('ignores a stale answer entirely: no status walked back and none of its fields applied', async () => {
    const payment = await domain.completed();
    domain.khalti.thenLookup({ status: 'INITIATED', totalAmount: 1, fee: 999, refunded: true });
    await domain.state.refresh(payment.pidx, 'LOOKUP');
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'COMPLETED', totalAmount: 1300, fee: 30, refunded: false });
  });

  it('infers EXPIRED only from a lookup that said Initiated, with the fields that lookup reported', async () => {
    const payment = await domain.initiated();
    domain.khalti.thenLookup({ status: 'INITIATED', totalAmount: 1300, fee: 0 });
    await domain.state.refresh(payment.pidx, 'RECONCILER', { inferExpiry: true });
    const row = (await domain.state.get(payment.pidx))!;
    expect(row).toMatchObject({ status: 'EXPIRED', expiryInferred: true, totalAmount: 1300, fee: 0, transactionId: null });
    const change = (await story(domain, payment.pidx)).at(-1)!;
    expect(change).toMatchObject({ line: 'status_change:reconciler', detail: { from: 'INITIATED', to: 'EXPIRED', reported: 'Initiated', inferred: true } });
  });

  it('never infers EXPIRED from an answer that was anything but Initiated', async () => {
    for (const status of ['COMPLETED', 'PENDING'] as const) {
      const payment = await domain.initiated();
      domain.khalti.thenLookup({ status, totalAmount: 1300, transactionId: status === 'COMPLETED' ? 'txn' : null });
      await domain.state.refresh(payment.pidx, 'RECONCILER', { inferExpiry: true });
      expect((await domain.state.get(payment.pidx))).toMatchObject({ status, expiryInferred: false });
    }
  });

  it('lets a late Completed win over an inferred EXPIRED: lateCompletion, an audit row, an event and a warning', async () => {
    const payment = await domain.initiated();
    domain.khalti.thenLookup({ status: 'INITIATED' });
    await domain.state.refresh(payment.pidx, 'RECONCILER', { inferExpiry: true });
    domain.khalti.says(payment.pidx, 'COMPLETED', { totalAmount: 1300, transactionId: 'txn-late' });
    const outcome = await domain.state.refresh(payment.pidx, 'CALLBACK');
    const row = (await domain.state.get(payment.pidx))!;
    expect(row).toMatchObject({ status: 'COMPLETED', lateCompletion: true, transactionId: 'txn-late' });
    expect(isPaid({ ...row, status: 'COMPLETED' })).toBe(true);
    expect(outcome?.change).toMatchObject({ previousStatus: 'EXPIRED', status: 'COMPLETED', source: 'CALLBACK' });
    expect(domain.events.at(-1)).toMatchObject({ previousStatus: 'EXPIRED', status: 'COMPLETED' });
    expect((await story(domain, payment.pidx)).at(-1)).toMatchObject({ line: 'status_change:callback', detail: { from: 'EXPIRED', to: 'COMPLETED', lateCompletion: true } });
    expect(domain.warnings).toEqual([expect.stringMatching(new RegExp(`late completion.*${payment.pidx}`))]);
  });

  it("lets Completed win over Khalti's own Expired and User canceled too (Completed always reaches the record)", async () => {
    for (const status of ['EXPIRED', 'USER_CANCELED'] as const) {
      const payment = await domain.initiated();
      domain.khalti.thenLookup({ status });
      await domain.state.refresh(payment.pidx, 'LOOKUP');
      domain.khalti.thenLookup({ status: 'COMPLETED', transactionId: 'txn' });
      await domain.state.refresh(payment.pidx, 'LOOKUP');
      expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'COMPLETED', lateCompletion: true });
    }
  });

  it("replaces an inferred EXPIRED with Khalti's Pending, and later Completed is still a late completion", async () => {
    const payment = await domain.initiated();
    domain.khalti.thenLookup({ status: 'INITIATED' }, { status: 'PENDING' }, { status: 'COMPLETED', transactionId: 'txn' });
    await domain.state.refresh(payment.pidx, 'RECONCILER', { inferExpiry: true });
    await domain.state.refresh(payment.pidx, 'LOOKUP');
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'PENDING', lateCompletion: false });
    await domain.state.refresh(payment.pidx, 'LOOKUP');
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'COMPLETED', lateCompletion: true });
  });

  it("turns an inferred EXPIRED into Khalti's own once Khalti says Expired, without a second status change", async () => {
    const payment = await domain.initiated();
    domain.khalti.thenLookup({ status: 'INITIATED' }, { status: 'EXPIRED' });
    await domain.state.refresh(payment.pidx, 'RECONCILER', { inferExpiry: true });
    const events = domain.events.length;
    await domain.state.refresh(payment.pidx, 'RECONCILER', { inferExpiry: true });
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'EXPIRED', expiryInferred: false });
    expect(domain.events).toHaveLength(events);
  });

  it('writes nothing when Khalti cannot answer, and passes the error on', async () => {
    const payment = await domain.initiated();
    domain.khalti.thenLookup(unavailable());
    await expect(domain.state.refresh(payment.pidx, 'RECONCILER', { inferExpiry: true })).rejects.toThrow(/timeout/);
    expect((await domain.state.get(payment.pidx))).toEqual(payment);
  });

  it('does not ask Khalti about a pidx this gateway never initiated', async () => {
    expect(await domain.state.refresh('NotOurs', 'LOOKUP')).toBeNull();
    expect(domain.khalti.lookups).toEqual([]);
  });
});
