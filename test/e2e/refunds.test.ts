/**
 * Refunds: refused without an upstream call when they cannot be right, one upstream call for
 * concurrent requests, idempotency keys, bank refunds, and an unknown outcome settled by lookup.
 */
import { ADMIN_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { PAYMENT, REFUND } from '../support/operations';
import { completed, initiated } from '../support/payments';

describe('refund', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  const refund = async (input: Record<string, unknown>) => {
    const result = await gateway.gql(REFUND, { input }, ADMIN_KEY);
    expect(result.errors).toBeUndefined();
    return result.data.refund;
  };

  it('refuses what cannot be right without calling Khalti', async () => {
    const unpaid = await initiated(gateway);
    const paid = await completed(gateway);
    const before = await upstreamRequests(gateway, 'refund');
    expect((await refund({ pidx: unpaid.pidx })).userErrors).toEqual([expect.objectContaining({ code: 'NOT_REFUNDABLE', field: ['input', 'pidx'] })]);
    expect((await refund({ pidx: 'NoSuchPidx' })).userErrors).toEqual([expect.objectContaining({ code: 'NOT_REFUNDABLE' })]);
    expect((await refund({ pidx: paid.pidx, amount: 1301 })).userErrors).toEqual([
      expect.objectContaining({ code: 'REFUND_EXCEEDS_BALANCE', field: ['input', 'amount'] }),
    ]);
    expect((await refund({ pidx: paid.pidx, amount: 0 })).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_AMOUNT' })]);
    expect((await refund({ pidx: paid.pidx, mobile: '12' })).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'mobile'] })]);
    expect(await upstreamRequests(gateway, 'refund')).toBe(before);
    const read = await gateway.gql(PAYMENT, { pidx: paid.pidx });
    expect(read.data.payment).toMatchObject({ status: 'COMPLETED', refundedAmount: 0 });
  });

  it('sends one refund to Khalti when several arrive at once', async () => {
    const { pidx } = await completed(gateway);
    const before = await upstreamRequests(gateway, 'refund');
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => refund({ pidx, amount: 1000 })));
    const succeeded = results.filter((result) => result.refund?.state === 'SUCCEEDED');
    expect(succeeded).toHaveLength(1);
    expect(results.filter((result) => result.userErrors.length === 1)).toHaveLength(4);
    expect(await upstreamRequests(gateway, 'refund')).toBe(before + 1);
    const read = await gateway.gql(PAYMENT, { pidx });
    expect(read.data.payment).toMatchObject({ refundedAmount: 1000, status: 'PARTIALLY_REFUNDED' });
  });

  it('replays the first outcome for a repeated idempotencyKey and refuses the key with other fields', async () => {
    const { pidx } = await completed(gateway);
    const key = `refund-${pidx}`;
    const first = await refund({ pidx, amount: 500, idempotencyKey: key });
    const before = await upstreamRequests(gateway, 'refund');
    const replay = await refund({ pidx, amount: 500, idempotencyKey: key });
    expect(replay.refund).toEqual(first.refund);
    expect(await upstreamRequests(gateway, 'refund')).toBe(before);
    const reused = await refund({ pidx, amount: 400, idempotencyKey: key });
    expect(reused.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] })]);
  });

  it('needs the payer\'s mobile for a bank payment, and passes it on', async () => {
    const { pidx } = await completed(gateway, { amount: 20000, amountBreakdown: null, modes: ['MOBILE_BANKING'] });
    expect((await refund({ pidx })).userErrors).toEqual([expect.objectContaining({ code: 'BLANK', field: ['input', 'mobile'] })]);
    const done = await refund({ pidx, mobile: '9800000001' });
    expect(done.refund).toMatchObject({ state: 'SUCCEEDED', amount: 20000, mobile: '9800000001' });
    expect(done.payment).toMatchObject({ status: 'REFUNDED', refundedAmount: 20000 });
  });

  it('settles a refund whose answer was lost by lookup, and never sends it again', async () => {
    const { pidx } = await completed(gateway);
    // Khalti refunds, then the connection breaks before we hear it.
    await gateway.control('POST', '/faults', { route: 'refund', kind: 'reset', phase: 'after' });
    const before = await upstreamRequests(gateway, 'refund');
    const lost = await refund({ pidx, amount: 300 });
    expect(await upstreamRequests(gateway, 'refund')).toBe(before + 1);
    expect(lost.refund).toMatchObject({ amount: 300, state: 'SUCCEEDED' });
    expect(lost.refund.detail).toContain('lookup');
    expect(lost.payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 300 });
  });

  it('never concludes a lost refund failed from "not refunded", and blocks another until it is settled', async () => {
    const { pidx } = await completed(gateway);
    await gateway.control('POST', '/faults', { route: 'refund', kind: 'reset', phase: 'before' });
    const lost = await refund({ pidx, amount: 300 });
    // Khalti shows no refund, but it may still apply the one it received: the balance stays held.
    expect(lost.refund).toMatchObject({ state: 'UNKNOWN' });
    expect(lost.refund.detail).toMatch(/resolveRefund/);
    expect(lost.payment).toMatchObject({ status: 'COMPLETED', refundedAmount: 0 });
    expect((await refund({ pidx, amount: 300 })).userErrors).toEqual([expect.objectContaining({ code: 'REFUND_OUTCOME_UNKNOWN', field: ['input', 'pidx'] })]);
  });

  it('keeps a refund UNKNOWN while Khalti cannot be asked, then settles it by lookup once it can', async () => {
    const { pidx } = await completed(gateway);
    await gateway.control('POST', '/faults', { route: 'refund', kind: 'status', status: 503, phase: 'after' });
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 503, count: 5 });
    const lost = await refund({ pidx, amount: 300 });
    expect(lost.refund).toMatchObject({ state: 'UNKNOWN' });
    expect((await refund({ pidx, amount: 100 })).userErrors).toEqual([expect.objectContaining({ code: 'REFUND_OUTCOME_UNKNOWN' })]);
    await gateway.control('DELETE', '/faults');
    const refundId = lost.refund.id;
    const settled = await gateway.app.services.refunds.settle(refundId);
    expect(settled?.state).toBe('SUCCEEDED');
    const read = await gateway.gql(PAYMENT, { pidx });
    expect(read.data.payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 300 });
  });

  it('reports Khalti\'s own refusal as KHALTI_REJECTED and records the refund FAILED', async () => {
    const { pidx } = await completed(gateway);
    await gateway.control('POST', '/faults', { route: 'refund', kind: 'status', status: 400, body: { detail: 'Refund window has closed.', error_key: 'validation_error' } });
    const refused = await refund({ pidx });
    expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'KHALTI_REJECTED' })]);
    expect(refused.userErrors[0].message).toContain('Refund window has closed.');
    expect(refused.refund).toMatchObject({ state: 'FAILED' });
    expect(refused.payment).toMatchObject({ status: 'COMPLETED', refundedAmount: 0 });
  });
});
