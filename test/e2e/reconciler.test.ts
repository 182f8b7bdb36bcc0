/**
 * The reconciler: payments whose buyer never came back are still learnt of, subscribers are
 * told, and INITIATED payments are recorded EXPIRED after a last lookup past expires_at.
 */
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { get } from '../support/buyer';
import { AUDIT_LOG, PAYMENT, REFUND, RESOLVE_REFUND, STATUS_CHANGED, VERIFY } from '../support/operations';
import { completed, initiated } from '../support/payments';
import { connected, subscribe } from '../support/subscriptions';

describe('the reconciler', () => {
  let gateway: TestGateway;
  let clock = Date.now();
  const now = () => new Date(clock);
  const advance = (ms: number) => {
    clock += ms;
  };

  beforeAll(async () => {
    gateway = await startGateway({ RECONCILE_INTERVAL_MS: '1000' }, { now });
  });
  afterAll(() => gateway.close());

  it('catches a payment whose buyer paid but never came back, and tells the subscriber', async () => {
    const { pidx } = await initiated(gateway);
    const events = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    await connected(events.client);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});

    // Not due yet: nothing is looked up.
    await gateway.app.reconciler.runOnce();
    expect((await gateway.app.services.state.get(pidx))?.status).toBe('INITIATED');

    advance(1001);
    await gateway.app.reconciler.runOnce();
    const [event] = await events.waitFor(1);
    expect(event!.paymentStatusChanged).toMatchObject({ previousStatus: 'INITIATED', status: 'COMPLETED', source: 'RECONCILER', payment: { paid: true } });
    await events.dispose();

    // Final: no further lookups are scheduled.
    expect((await gateway.app.services.state.get(pidx))?.nextLookupAt).toBeNull();
  });

  it('backs off between lookups of a payment that stays pending', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/pending`);
    const gaps: number[] = [];
    for (let pass = 0; pass < 4; pass += 1) {
      const due = (await gateway.app.services.state.get(pidx))!.nextLookupAt!;
      clock = Math.max(clock, due.getTime());
      await gateway.app.reconciler.runOnce();
      gaps.push((await gateway.app.services.state.get(pidx))!.nextLookupAt!.getTime() - clock);
    }
    expect((await gateway.app.services.state.get(pidx))?.status).toBe('PENDING');
    for (let index = 1; index < gaps.length; index += 1) expect(gaps[index]!).toBeGreaterThan(gaps[index - 1]!);
  });

  it('records a never-paid payment EXPIRED after a last lookup past expires_at', async () => {
    const { pidx } = await initiated(gateway, { ttl: 60 });
    const payment = (await gateway.app.services.state.get(pidx))!;
    clock = payment.expiresAt.getTime() + 10_000;
    await gateway.app.reconciler.runOnce();
    const read = await gateway.gql(PAYMENT, { pidx });
    expect(read.data.payment).toMatchObject({ status: 'EXPIRED', paid: false });
    const audit = await gateway.gql(AUDIT_LOG, { pidx, first: 20 }, ADMIN_KEY);
    const nodes = audit.data.auditLog.edges.map((edge: any) => edge.node);
    expect(nodes.filter((node: any) => node.kind === 'upstream' && node.operation === 'lookup').length).toBeGreaterThanOrEqual(1);
    expect(nodes.find((node: any) => node.kind === 'status_change' && node.operation === 'reconciler')).toMatchObject({ actor: 'system' });
  });

  it('settles a refund left UNKNOWN once Khalti answers lookups again', async () => {
    const { pidx } = await completed(gateway);
    await gateway.control('POST', '/faults', { route: 'refund', kind: 'reset', phase: 'after' });
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 503, count: 4 });
    const result = await gateway.gql(REFUND, { input: { pidx, amount: 500 } }, ADMIN_KEY);
    expect(result.data.refund.refund.state).toBe('UNKNOWN');
    await gateway.control('DELETE', '/faults');

    advance(2000);
    await gateway.app.reconciler.runOnce();
    const refunds = await gateway.app.services.refunds.forPayment(pidx);
    expect(refunds.map((refund) => [refund.amount, refund.state])).toEqual([[500, 'SUCCEEDED']]);
    expect((await gateway.app.services.state.get(pidx))).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 500 });
  });

  it('lets callback, lookup and reconciler race on one payment: one change, one audit row, one event', async () => {
    const { pidx } = await initiated(gateway);
    const events = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    await connected(events.client);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    advance(5000);
    await Promise.all([
      gateway.app.reconciler.runOnce(),
      get(`${gateway.app.url}/khalti/return?pidx=${pidx}`),
      gateway.gql(VERIFY, { pidx }),
      get(`${gateway.app.url}/khalti/return?pidx=${pidx}`),
      gateway.gql(VERIFY, { pidx }),
    ]);
    await events.waitFor(1);
    // A later change, made once every racer has answered: the racers' events were published when
    // they committed, before they answered, and one subscription delivers events in order, so a
    // duplicate of the completion would arrive before this one.
    expect((await gateway.gql(REFUND, { input: { pidx, amount: 100 } }, ADMIN_KEY)).data.refund.refund.state).toBe('SUCCEEDED');
    await events.waitFor(2);
    expect(events.events.map((event: any) => [event.paymentStatusChanged.previousStatus, event.paymentStatusChanged.status])).toEqual([
      ['INITIATED', 'COMPLETED'],
      ['COMPLETED', 'PARTIALLY_REFUNDED'],
    ]);
    await events.dispose();
    const audit = await gateway.gql(AUDIT_LOG, { pidx, first: 50 }, ADMIN_KEY);
    const completedRows = audit.data.auditLog.edges.filter((edge: any) => edge.node.kind === 'status_change' && JSON.parse(edge.node.detail).to === 'COMPLETED');
    expect(completedRows).toHaveLength(1);
  });

  it('keeps a lost refund UNKNOWN however often Khalti says "not refunded", backing off, until an admin resolves it', async () => {
    const { pidx } = await completed(gateway);
    await gateway.control('POST', '/faults', { route: 'refund', kind: 'reset', phase: 'before' });
    const lost = await gateway.gql(REFUND, { input: { pidx, amount: 400 } }, ADMIN_KEY);
    expect(lost.data.refund.refund.state).toBe('UNKNOWN');
    const refundId = lost.data.refund.refund.id;

    const lookups = async () => (await gateway.control('GET', '/requests') as { route: string; body?: { pidx?: string } }[]).filter((entry) => entry.route === 'lookup' && entry.body?.pidx === pidx).length;
    const gaps: number[] = [];
    for (let pass = 0; pass < 4; pass += 1) {
      const row = (await gateway.app.services.refunds.forPayment(pidx))[0]!;
      clock = Math.max(clock, row.nextSettleAt!.getTime());
      const before = await lookups();
      await gateway.app.reconciler.runOnce();
      expect(await lookups()).toBeGreaterThan(before);
      gaps.push((await gateway.app.services.refunds.forPayment(pidx))[0]!.nextSettleAt!.getTime() - clock);
    }
    expect((await gateway.app.services.refunds.forPayment(pidx)).map((refund) => refund.state)).toEqual(['UNKNOWN']);
    for (let index = 1; index < gaps.length; index += 1) expect(gaps[index]!).toBeGreaterThan(gaps[index - 1]!);
    // Not due: a pass in between does not ask Khalti about it again.
    const before = await lookups();
    await gateway.app.reconciler.runOnce();
    expect(await lookups()).toBe(before);

    const blocked = await gateway.gql(REFUND, { input: { pidx, amount: 400 } }, ADMIN_KEY);
    expect(blocked.data.refund.userErrors).toEqual([expect.objectContaining({ code: 'REFUND_OUTCOME_UNKNOWN' })]);
    const resolved = await gateway.gql(RESOLVE_REFUND, { input: { refundId, state: 'FAILED', note: 'Dashboard shows no refund' } }, ADMIN_KEY);
    expect(resolved.data.resolveRefund.refund).toMatchObject({ state: 'FAILED' });
    const again = await gateway.gql(REFUND, { input: { pidx, amount: 400 } }, ADMIN_KEY);
    expect(again.data.refund.refund).toMatchObject({ state: 'SUCCEEDED', amount: 400 });
  });
});
