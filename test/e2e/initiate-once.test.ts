/**
 * One order, one payment handed out: concurrent identical initiates, and an initiate whose
 * answer from Khalti never arrived.
 */
import { startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { INITIATE, orderInput } from '../support/operations';

describe('initiatePayment exactly once per order', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({}, { khalti: { timeouts: { connectMs: 500, headersMs: 800, bodyMs: 800, totalMs: 1000 }, retries: { max: 0 } } });
  });
  afterAll(() => gateway.close());
  afterEach(() => gateway.control('DELETE', '/faults'));

  const khaltiPaymentsFor = async (purchaseOrderId: string) =>
    ((await gateway.control('GET', '/payments')) as { pidx: string; purchaseOrderId: string }[]).filter((payment) => payment.purchaseOrderId === purchaseOrderId);

  it('gives concurrent identical requests one Khalti payment and identical answers', async () => {
    const input = orderInput();
    const before = await upstreamRequests(gateway, 'initiate');
    // Khalti is slow, so all of them are in flight together.
    await gateway.control('POST', '/faults', { route: 'initiate', kind: 'latency', ms: 300 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => gateway.gql(INITIATE, { input })));
    const payloads = answers.map((answer) => JSON.stringify(answer.data.initiatePayment));
    expect(new Set(payloads).size).toBe(1);
    expect(answers[0]!.data.initiatePayment.payment.pidx).toEqual(expect.any(String));
    expect(await upstreamRequests(gateway, 'initiate')).toBe(before + 1);
  });

  it('answers DUPLICATE_PURCHASE_ORDER to a different request for an order that is in flight', async () => {
    const input = orderInput();
    const before = await upstreamRequests(gateway, 'initiate');
    await gateway.control('POST', '/faults', { route: 'initiate', kind: 'latency', ms: 300 });
    const firstSent = gateway.gql(INITIATE, { input });
    // The second once the first has reached Khalti (which holds it 300 ms): polled, with a deadline.
    for (let i = 0; i < 200 && (await upstreamRequests(gateway, 'initiate')) === before; i++) await new Promise((wait) => setImmediate(wait));
    expect(await upstreamRequests(gateway, 'initiate')).toBe(before + 1);
    const [first, second] = await Promise.all([firstSent, gateway.gql(INITIATE, { input: { ...input, purchaseOrderName: 'Something else' } })]);
    expect(first.data.initiatePayment.payment).not.toBeNull();
    expect(second.data.initiatePayment.userErrors).toEqual([expect.objectContaining({ code: 'DUPLICATE_PURCHASE_ORDER' })]);
  });

  it('hands out one payment for an order whose first answer was lost, however Khalti counts them', async () => {
    const input = orderInput();
    // Khalti creates the payment, but its answer arrives after our timeout.
    await gateway.control('POST', '/faults', { route: 'initiate', kind: 'latency', ms: 2000, phase: 'after' });
    const lost = await gateway.gql(INITIATE, { input });
    expect(lost.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const orphans = await khaltiPaymentsFor(input.purchaseOrderId as string);
    expect(orphans).toHaveLength(1);
    await gateway.control('DELETE', '/faults');

    const retried = await gateway.gql(INITIATE, { input });
    const pidx = retried.data.initiatePayment.payment.pidx;
    expect(pidx).not.toBe(orphans[0]!.pidx);
    // The orphan's payment_url reached nobody; the gateway knows only the payment it handed out.
    expect((await gateway.app.services.state.get(orphans[0]!.pidx))).toBeUndefined();
    const page = await gateway.app.services.queries.page({ first: 100 });
    expect(page.rows.filter((row) => row.purchaseOrderId === input.purchaseOrderId).map((row) => row.pidx)).toEqual([pidx]);
    const again = await gateway.gql(INITIATE, { input });
    expect(again.data.initiatePayment.payment.pidx).toBe(pidx);
  });
});
