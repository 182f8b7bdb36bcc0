/**
 * Two gateway processes on one database (a SQLite file, or PostgreSQL), against one Khalti: an order is still initiated once,
 * a status change is still one audit row, concurrent refunds still make one upstream call.
 */
import { createTestStore, type TestStore } from '../support/engine';
import { gatewayEnvFor, startEmulator, type RunningEmulator } from '../support/emulator';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY } from '../support/gateway';
import { INITIATE, REFUND, STATUS_CHANGED, VERIFY, orderInput } from '../support/operations';
import { connected, subscribe } from '../support/subscriptions';
import { startGatewayProcess, type GatewayProcess } from '../support/processes';

describe('two gateway processes on one database', () => {
  let store: TestStore;
  let khalti: RunningEmulator;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let env: Record<string, string>;
  const extra: GatewayProcess[] = [];

  beforeAll(async () => {
    store = await createTestStore();
    khalti = await startEmulator();
    env = { ...gatewayEnvFor(khalti, store.url, { admin: ADMIN_KEY, client: CLIENT_KEY, server: SERVER_KEY }), RECONCILE_INTERVAL_MS: '600000' };
    // Started one after the other: both apply the same migrations to the same file.
    a = await startGatewayProcess(env);
    b = await startGatewayProcess(env);
  }, 60000);

  afterAll(async () => {
    for (const gateway of [a, b, ...extra]) gateway?.child.kill('SIGKILL');
    await khalti?.close();
    await store?.drop();
  });

  const statusChanges = async (pidx: string): Promise<string[]> =>
    (await store.query<{ detail: string }>("SELECT detail FROM audit_log WHERE pidx = ? AND kind = 'status_change' ORDER BY id", pidx)).map(
      (row) => JSON.parse(row.detail).to,
    );

  it('initiates an order once when both processes receive it at the same moment', async () => {
    const input = orderInput();
    const before = khalti.requests('initiate');
    const answers = await Promise.all([a, b, a, b, a, b, a, b].map((gateway) => gateway.gql(INITIATE, { input }, SERVER_KEY)));
    const pidxs = new Set(answers.map((answer) => answer.data.initiatePayment.payment.pidx));
    const urls = new Set(answers.map((answer) => answer.data.initiatePayment.paymentUrl));
    expect(pidxs.size).toBe(1);
    expect(urls.size).toBe(1);
    expect(khalti.requests('initiate')).toBe(before + 1);
  });

  it('records a status change once when both processes see it', async () => {
    const input = orderInput();
    const pidx = (await a.gql(INITIATE, { input }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    await khalti.control('POST', `/payments/${pidx}/complete`, {});
    await Promise.all([
      a.gql(VERIFY, { pidx }, CLIENT_KEY),
      b.gql(VERIFY, { pidx }, CLIENT_KEY),
      a.get(`/khalti/return?pidx=${pidx}`),
      b.get(`/khalti/return?pidx=${pidx}`),
      b.gql(VERIFY, { pidx }, CLIENT_KEY),
      a.gql(VERIFY, { pidx }, CLIENT_KEY),
    ]);
    expect(await statusChanges(pidx)).toEqual(['INITIATED', 'COMPLETED']);
  });

  /** Waits until the subscription has an event moving the payment to `status` (events before it are kept for the assertions). */
  const untilStatus = async (collected: { waitFor(n: number): Promise<any[]> }, status: string): Promise<void> => {
    for (let n = 1; ; n += 1) if ((await collected.waitFor(n))[n - 1].paymentStatusChanged.status === status) return;
  };

  it('tells a subscriber on one process, once, of a change the other process recorded', async () => {
    // A sentinel payment, initiated before the one under test.
    const sentinel = (await a.gql(INITIATE, { input: orderInput() }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    const pidx = (await a.gql(INITIATE, { input: orderInput() }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    // B must have read the INITIATED row before its subscriber for pidx exists (or that row would be
    // an event to it). B reads A's changes in commit order: once B tells of a change A committed
    // after that row (the sentinel's completion), the row is behind it.
    const sentinelOnB = subscribe(b.url, CLIENT_KEY, STATUS_CHANGED, { pidx: sentinel });
    await connected(sentinelOnB.client);
    await khalti.control('POST', `/payments/${sentinel}/complete`, {});
    await a.gql(VERIFY, { pidx: sentinel }, CLIENT_KEY);
    await untilStatus(sentinelOnB, 'COMPLETED');
    await sentinelOnB.dispose();

    const onB = subscribe(b.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    const onA = subscribe(a.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    await Promise.all([connected(onB.client), connected(onA.client)]);
    await khalti.control('POST', `/payments/${pidx}/complete`, {});
    await Promise.all([a.gql(VERIFY, { pidx }, CLIENT_KEY), b.gql(VERIFY, { pidx }, CLIENT_KEY), a.get(`/khalti/return?pidx=${pidx}`)]);
    await Promise.all([onB.waitFor(1), onA.waitFor(1)]);
    // Later changes, each made by one process only: the partial refund on A, the rest on B. Each
    // process hears the other's change through its feed, which reads the log in commit order, so a
    // duplicate of the completion (from either path) would reach a subscriber before the change the
    // other process made.
    expect((await a.gql(REFUND, { input: { pidx, amount: 300 } }, ADMIN_KEY)).data.refund.refund.state).toBe('SUCCEEDED');
    await Promise.all([untilStatus(onA, 'PARTIALLY_REFUNDED'), untilStatus(onB, 'PARTIALLY_REFUNDED')]);
    expect((await b.gql(REFUND, { input: { pidx, amount: 1000 } }, ADMIN_KEY)).data.refund.refund.state).toBe('SUCCEEDED');
    await Promise.all([untilStatus(onA, 'REFUNDED'), untilStatus(onB, 'REFUNDED')]);
    for (const events of [onA, onB]) {
      expect(events.events.map((event: any) => [event.paymentStatusChanged.previousStatus, event.paymentStatusChanged.status])).toEqual([
        ['INITIATED', 'COMPLETED'],
        ['COMPLETED', 'PARTIALLY_REFUNDED'],
        ['PARTIALLY_REFUNDED', 'REFUNDED'],
      ]);
      await events.dispose();
    }
  });

  it('sends one refund upstream when both processes are asked at once', async () => {
    const input = orderInput();
    const pidx = (await a.gql(INITIATE, { input }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    await khalti.control('POST', `/payments/${pidx}/complete`, {});
    await b.gql(VERIFY, { pidx }, CLIENT_KEY);
    const before = khalti.requests('refund');
    const answers = await Promise.all([a, b, a, b, a, b].map((gateway) => gateway.gql(REFUND, { input: { pidx, amount: 1000 } }, ADMIN_KEY)));
    const succeeded = answers.filter((answer) => answer.data.refund.refund?.state === 'SUCCEEDED');
    expect(succeeded).toHaveLength(1);
    expect(khalti.requests('refund')).toBe(before + 1);
    expect(khalti.emulator.controls.payment(pidx)!.refunds.map((refund) => refund.amount)).toEqual([1000]);
  });

  it('leaves alone a refund another live process is still sending when a third one starts', async () => {
    const pidx = (await a.gql(INITIATE, { input: orderInput() }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    await khalti.control('POST', `/payments/${pidx}/complete`, {});
    await a.gql(VERIFY, { pidx }, CLIENT_KEY);
    await khalti.control('POST', '/faults', { route: 'refund', kind: 'latency', ms: 4000, phase: 'after' });
    const sending = a.gql(REFUND, { input: { pidx, amount: 700 } }, ADMIN_KEY);
    const c = await startGatewayProcess(env);
    extra.push(c);
    const answer = await sending;
    expect(answer.data.refund.refund).toMatchObject({ state: 'SUCCEEDED', amount: 700 });
    expect(c.output()).not.toMatch(/now UNKNOWN/);
    const rows = (await store.query<{ operation: string }>("SELECT operation FROM audit_log WHERE pidx = ? AND kind = 'refund' ORDER BY id", pidx)).map((row) => row.operation);
    expect(rows).toEqual(['refund_requested', 'refund_succeeded']);
  }, 30000);
});
