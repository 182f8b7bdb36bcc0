/**
 * kill -9 at each step where money moves or a status changes, then a restart on the same
 * database: no money moves twice, nothing is lost, and the audit log tells what happened.
 * "Khalti" is an emulator in this test process, so it outlives the killed gateway.
 */
import { createTestStore, type TestStore } from '../support/engine';
import { gatewayEnvFor, startEmulator, type RunningEmulator } from '../support/emulator';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY } from '../support/gateway';
import { INITIATE, REFUND, VERIFY, orderInput } from '../support/operations';
import { startGatewayProcess, type GatewayProcess } from '../support/processes';
import { until } from '../support/until';

describe('crash consistency (kill -9 and restart)', () => {
  let store: TestStore;
  let khalti: RunningEmulator;
  let env: Record<string, string>;
  const running: GatewayProcess[] = [];

  beforeAll(async () => {
    store = await createTestStore();
    khalti = await startEmulator();
    env = { ...gatewayEnvFor(khalti, store.url, { admin: ADMIN_KEY, client: CLIENT_KEY, server: SERVER_KEY }), RECONCILE_INTERVAL_MS: '200', KHALTI_TIMEOUT_MS: '1500' };
  });
  afterEach(() => khalti.control('DELETE', '/faults'));
  afterAll(async () => {
    for (const gateway of running) gateway.child.kill('SIGKILL');
    await khalti?.close();
    await store?.drop();
  });

  const start = async () => {
    const gateway = await startGatewayProcess(env);
    running.push(gateway);
    return gateway;
  };

  const query = <T>(sql: string, ...params: unknown[]): Promise<T[]> => store.query<T>(sql, ...params);
  // Paisa as numbers on both engines (PostgreSQL's bigint arrives as a string).
  const refundsOf = async (pidx: string) =>
    (await query<{ state: string; amount: number }>('SELECT state, amount FROM refunds WHERE pidx = ? ORDER BY created_at', pidx)).map((row) => ({ ...row, amount: Number(row.amount) }));
  const paymentOf = async (pidx: string) => {
    const [row] = await query<{ status: string; refunded_amount: number }>('SELECT status, refunded_amount FROM payments WHERE pidx = ?', pidx);
    return row && { ...row, refunded_amount: Number(row.refunded_amount) };
  };
  const story = async (pidx: string) =>
    (await query<{ kind: string; operation: string }>('SELECT kind, operation FROM audit_log WHERE pidx = ? ORDER BY id', pidx)).map((row) => `${row.kind}:${row.operation}`);

  const completedPayment = async (gateway: GatewayProcess): Promise<string> => {
    const pidx = (await gateway.gql(INITIATE, { input: orderInput() }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    await khalti.control('POST', `/payments/${pidx}/complete`, {});
    expect((await gateway.gql(VERIFY, { pidx }, CLIENT_KEY)).data.verifyPayment.status).toBe('COMPLETED');
    return pidx;
  };

  it('refund: killed after the intent is recorded, before Khalti acted — UNKNOWN until an admin resolves it, never resent', async () => {
    const first = await start();
    const pidx = await completedPayment(first);
    await khalti.control('POST', '/faults', { route: 'refund', kind: 'latency', ms: 3000, phase: 'before' });
    const refundsBefore = khalti.requests('refund');
    void first.gql(REFUND, { input: { pidx, amount: 500 } }, ADMIN_KEY).catch(() => undefined);
    await until('the refund intent', async () => (await refundsOf(pidx)).length === 1 && khalti.requests('refund') === refundsBefore + 1);
    await first.kill9();
    expect(await refundsOf(pidx)).toEqual([{ state: 'REQUESTED', amount: 500 }]);

    const second = await start();
    // Once no call could still be running (KHALTI_TIMEOUT_MS + 5 s after the intent), the
    // reconciler marks the refund UNKNOWN. Khalti's "not refunded" never makes it FAILED (Khalti
    // may yet apply what it received): it blocks further refunds until an admin resolves it.
    await until('the refund to be unknown', async () => (await refundsOf(pidx))[0]?.state === 'UNKNOWN', 20000);
    const blocked = await second.gql(REFUND, { input: { pidx, amount: 100 } }, ADMIN_KEY);
    expect(blocked.data.refund.userErrors).toEqual([expect.objectContaining({ code: 'REFUND_OUTCOME_UNKNOWN' })]);
    const [refundId] = (await query<{ id: string }>('SELECT id FROM refunds WHERE pidx = ?', pidx)).map((row) => row.id);
    const resolved = await second.gql(
      'mutation ($input: ResolveRefundInput!) { resolveRefund(input: $input) { refund { state } userErrors { code } } }',
      { input: { refundId, state: 'FAILED', note: 'Not on the Khalti dashboard' } },
      ADMIN_KEY,
    );
    expect(resolved.data.resolveRefund).toEqual({ refund: { state: 'FAILED' }, userErrors: [] });
    expect(khalti.emulator.controls.payment(pidx)!.refunds).toEqual([]);
    expect(khalti.requests('refund')).toBe(refundsBefore + 1);
    expect(await paymentOf(pidx)).toEqual({ status: 'COMPLETED', refunded_amount: 0 });
    expect((await story(pidx)).filter((line) => line.startsWith('refund:'))).toEqual(['refund:refund_requested', 'refund:refund_outcome_unknown', 'refund:refund_resolved']);
    await second.kill9();
  });

  it('refund: killed after Khalti refunded, before we recorded it — settled SUCCEEDED, never resent', async () => {
    const first = await start();
    const pidx = await completedPayment(first);
    await khalti.control('POST', '/faults', { route: 'refund', kind: 'latency', ms: 3000, phase: 'after' });
    const refundsBefore = khalti.requests('refund');
    void first.gql(REFUND, { input: { pidx, amount: 500 } }, ADMIN_KEY).catch(() => undefined);
    await until('Khalti to refund', () => khalti.emulator.controls.payment(pidx)!.refunds.length === 1);
    await first.kill9();
    expect(await refundsOf(pidx)).toEqual([{ state: 'REQUESTED', amount: 500 }]);

    const second = await start();
    await until('the refund to settle', async () => (await refundsOf(pidx))[0]?.state === 'SUCCEEDED', 20000);
    await until('the status to follow', async () => (await paymentOf(pidx))?.status === 'PARTIALLY_REFUNDED');
    expect(await paymentOf(pidx)).toEqual({ status: 'PARTIALLY_REFUNDED', refunded_amount: 500 });
    expect(khalti.emulator.controls.payment(pidx)!.refunds.map((refund) => refund.amount)).toEqual([500]);
    expect(khalti.requests('refund')).toBe(refundsBefore + 1);
    expect((await story(pidx))).toEqual(
      expect.arrayContaining(['refund:refund_requested', 'refund:refund_outcome_unknown', 'refund:refund_succeeded', 'status_change:refund']),
    );
    await second.kill9();
  });

  it('status change: killed after Khalti answered the lookup, before our commit — recorded once after restart', async () => {
    const first = await start();
    const pidx = (await first.gql(INITIATE, { input: orderInput() }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    await khalti.control('POST', `/payments/${pidx}/complete`, {});
    await khalti.control('POST', '/faults', { route: 'lookup', kind: 'latency', ms: 3000, phase: 'after' });
    const lookupsBefore = khalti.requests('lookup');
    void first.gql(VERIFY, { pidx }, CLIENT_KEY).catch(() => undefined);
    await until('the lookup to reach Khalti', () => khalti.requests('lookup') > lookupsBefore);
    await first.kill9();
    expect((await paymentOf(pidx))?.status).toBe('INITIATED');

    await khalti.control('DELETE', '/faults');
    const second = await start();
    await Promise.all([second.gql(VERIFY, { pidx }, CLIENT_KEY), second.get(`/khalti/return?pidx=${pidx}`)]);
    // The killed process's lookup left no row (it is written when the answer arrives); both of
    // the new process's lookups did, and saw the same change, which is recorded once.
    expect((await story(pidx)).filter((line) => line === 'upstream:lookup').length).toBeGreaterThanOrEqual(2);
    expect((await story(pidx)).filter((line) => line.startsWith('status_change:'))).toEqual(['status_change:initiate', expect.stringMatching(/^status_change:(lookup|callback|reconciler)$/)]);
    expect((await paymentOf(pidx))?.status).toBe('COMPLETED');
    await second.kill9();
  });

  it('initiate: killed after Khalti created the payment, before we stored it — one payment handed out after restart', async () => {
    const first = await start();
    const input = orderInput();
    const khaltiPayments = () => khalti.emulator.controls.payments().filter((payment) => payment.purchaseOrderId === input.purchaseOrderId);
    await khalti.control('POST', '/faults', { route: 'initiate', kind: 'latency', ms: 3000, phase: 'after' });
    void first.gql(INITIATE, { input }, SERVER_KEY).catch(() => undefined);
    await until('Khalti to create the payment', () => khaltiPayments().length === 1);
    await first.kill9();
    expect(await query('SELECT pidx FROM payments WHERE purchase_order_id = ?', input.purchaseOrderId)).toEqual([]);
    expect(await query<{ state: string }>('SELECT state FROM initiations WHERE purchase_order_id = ?', input.purchaseOrderId)).toEqual([{ state: 'IN_FLIGHT' }]);
    await khalti.control('DELETE', '/faults');

    const second = await start();
    // The dead process's claim protects the order until its lease runs out; then the retry goes ahead.
    const answers = await Promise.all([second.gql(INITIATE, { input }, SERVER_KEY), second.gql(INITIATE, { input }, SERVER_KEY)]);
    const pidxs = new Set(answers.map((answer) => answer.data.initiatePayment.payment.pidx));
    expect(pidxs.size).toBe(1);
    const [pidx] = [...pidxs];
    expect(await query('SELECT pidx FROM payments WHERE purchase_order_id = ?', input.purchaseOrderId)).toEqual([{ pidx }]);
    expect(await query('SELECT state, pidx FROM initiations WHERE purchase_order_id = ?', input.purchaseOrderId)).toEqual([{ state: 'DONE', pidx }]);
    expect(khaltiPayments()).toHaveLength(2);
    await second.kill9();
  }, 30000);
});
