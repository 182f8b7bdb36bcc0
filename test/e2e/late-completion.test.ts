/**
 * Issue 7 points 5 and 7 over real HTTP, with the embedded emulator as Khalti and the gateway's
 * clock moved past expires_at (the emulator's is not, so Khalti still says Initiated):
 *  - an outage during the post-expiry pass never records EXPIRED (nor made-up fields);
 *  - a payment the gateway inferred EXPIRED that Khalti then completes reaches COMPLETED with
 *    lateCompletion, an event and a warning, through the buyer's return or the reconciler's tail,
 *    and can be refunded;
 *  - a refunded payment reads paid: false even while Khalti cannot be asked.
 */
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { get } from '../support/buyer';
import { PAYMENT, REFUND, STATUS_CHANGED } from '../support/operations';
import { completed, initiated } from '../support/payments';
import { connected, subscribe } from '../support/subscriptions';

const READ = /* GraphQL */ `
  query ($pidx: ID!) { payment(pidx: $pidx) { pidx status paid totalAmount fee transactionId lateCompletion refundedAmount } }
`;

describe('late completions and what an outage may not do', () => {
  let gateway: TestGateway;
  let offsetMs = 0;

  beforeAll(async () => {
    gateway = await startGateway({ RECONCILE_INTERVAL_MS: '1000' }, { now: () => new Date(Date.now() + offsetMs) });
  });
  afterAll(() => gateway.close());
  afterEach(async () => {
    offsetMs = 0;
    await gateway.control('DELETE', '/faults');
  });

  /** Moves the gateway's clock past the payment's expires_at (Khalti's clock stays where it is). */
  const pastExpiryOf = async (pidx: string) => {
    offsetMs = (await gateway.app.services.state.get(pidx))!.expiresAt.getTime() - Date.now() + 10_000;
  };

  it('records nothing when the lookup of the post-expiry pass fails, and EXPIRED only once a lookup says Initiated', async () => {
    const { pidx } = await initiated(gateway);
    await pastExpiryOf(pidx);
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 503, count: 10 });
    await gateway.app.reconciler.runOnce();
    expect((await gateway.gql(READ, { pidx })).data.payment).toMatchObject({ status: 'INITIATED', totalAmount: null, fee: null, paid: false });

    await gateway.control('DELETE', '/faults');
    offsetMs += 60_000;
    await gateway.app.reconciler.runOnce();
    expect((await gateway.app.services.state.get(pidx))).toMatchObject({ status: 'EXPIRED', expiryInferred: true, totalAmount: 1300 });
  });

  it("takes Khalti's late Completed over the gateway's EXPIRED when the buyer comes back: event, lateCompletion, refundable", async () => {
    const { pidx } = await initiated(gateway);
    await pastExpiryOf(pidx);
    await gateway.app.reconciler.runOnce();
    expect((await gateway.app.services.state.get(pidx))?.status).toBe('EXPIRED');

    const events = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    await connected(events.client);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    const back = await get(`${gateway.app.url}/khalti/return?pidx=${pidx}`);
    expect(back.status).toBe(302);
    expect(new URL(back.location!).searchParams.get('paid')).toBe('true');
    const [event] = await events.waitFor(1);
    expect(event!.paymentStatusChanged).toMatchObject({ previousStatus: 'EXPIRED', status: 'COMPLETED', source: 'CALLBACK', payment: { paid: true } });
    await events.dispose();

    expect((await gateway.gql(READ, { pidx })).data.payment).toMatchObject({ status: 'COMPLETED', paid: true, lateCompletion: true });
    expect(gateway.logs.some((line) => line.includes('late completion') && line.includes(pidx))).toBe(true);
    const refund = await gateway.gql(REFUND, { input: { pidx } }, ADMIN_KEY);
    expect(refund.data.refund.refund).toMatchObject({ state: 'SUCCEEDED', amount: 1300 });
  });

  it("finds a late completion on the reconciler's slow tail, without the buyer", async () => {
    const { pidx } = await initiated(gateway);
    await pastExpiryOf(pidx);
    await gateway.app.reconciler.runOnce();
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    // An hour after expires_at the gateway looks once more.
    offsetMs += 60 * 60 * 1000;
    await gateway.app.reconciler.runOnce();
    expect((await gateway.gql(READ, { pidx })).data.payment).toMatchObject({ status: 'COMPLETED', paid: true, lateCompletion: true });
  });

  it("reads a refunded payment paid: false while Khalti cannot be asked, and claims no status Khalti did not report", async () => {
    const { pidx } = await completed(gateway);
    expect((await gateway.gql(PAYMENT, { pidx })).data.payment.paid).toBe(true);
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 503, count: 20 });
    const refund = await gateway.gql(REFUND, { input: { pidx, amount: 300 } }, ADMIN_KEY);
    expect(refund.data.refund.refund).toMatchObject({ state: 'SUCCEEDED', amount: 300 });
    expect((await gateway.gql(READ, { pidx })).data.payment).toMatchObject({ status: 'COMPLETED', refundedAmount: 300, paid: false });
  });
});
