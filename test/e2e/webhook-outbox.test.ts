/**
 * The webhook outbox through the gateway's HTTP port, on the suite's engine (issue 10 part 2): a
 * payment completed at the embedded emulator and verified by ten concurrent verifyPayment calls is
 * one status change, so exactly one payment.completed event with one delivery per subscribed
 * endpoint; a refund is a refund.succeeded event (without the buyer's mobile) followed by the
 * status its lookup shows; and the bodies carry no customer name, email or phone.
 */
import { queryRows } from '../support/database';
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { REFUND, VERIFY } from '../support/operations';
import { initiated } from '../support/payments';

const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id } userErrors { field code message } }
}`;

describe('the webhook outbox over HTTP', () => {
  let gateway: TestGateway;
  let subscribed: string[];
  beforeAll(async () => {
    // Embedded defaults: loopback endpoints are allowed (nothing delivers to them in this test).
    gateway = await startGateway();
    const endpoint = async (events: string[]) => {
      const result = await gateway.gql(CREATE, { input: { url: 'http://127.0.0.1:1/hook', events } }, ADMIN_KEY);
      expect(result.data.createWebhookEndpoint.userErrors).toEqual([]);
      return result.data.createWebhookEndpoint.endpoint.id as string;
    };
    subscribed = [
      await endpoint(['PAYMENT_COMPLETED', 'REFUND_SUCCEEDED', 'PAYMENT_PARTIALLY_REFUNDED']),
      await endpoint(['PAYMENT_COMPLETED']),
    ];
    await endpoint(['PAYMENT_EXPIRED']);
  });
  afterAll(() => gateway.close());

  const events = (pidx: string) =>
    queryRows<{ id: string; type: string; body: string }>(gateway.app.database, 'SELECT id, type, body FROM webhook_events WHERE pidx = ? ORDER BY audit_id, id', pidx);
  const deliveriesOf = (eventId: string) =>
    queryRows<{ endpoint_id: string; state: string }>(gateway.app.database, 'SELECT endpoint_id, state FROM webhook_deliveries WHERE event_id = ?', eventId);

  it('writes exactly one payment.completed event, however many verifies run at once', async () => {
    const buyer = { name: 'Ram Bahadur Thapa', email: 'ram.thapa@example.org', phone: '9841234567' };
    const { pidx } = await initiated(gateway, { customerInfo: buyer });
    expect(await events(pidx)).toEqual([]);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});

    const verified = await Promise.all(Array.from({ length: 10 }, () => gateway.gql(VERIFY, { pidx }, CLIENT_KEY)));
    for (const result of verified) expect(result.data.verifyPayment).toMatchObject({ status: 'COMPLETED', paid: true });

    const written = await events(pidx);
    expect(written.map((event) => event.type)).toEqual(['payment.completed']);
    const deliveries = await deliveriesOf(written[0]!.id);
    expect(deliveries.map((delivery) => delivery.endpoint_id).sort()).toEqual([...subscribed].sort());
    expect(deliveries.every((delivery) => delivery.state === 'PENDING')).toBe(true);
    const body = JSON.parse(written[0]!.body);
    expect(body).toMatchObject({ type: 'payment.completed', data: { pidx, status: 'COMPLETED', paid: true, refundedAmount: 0, lateCompletion: false } });
    expect(Number.isInteger(body.data.amount) && body.data.totalAmount === body.data.amount).toBe(true);
    for (const value of Object.values(buyer)) expect(written[0]!.body).not.toContain(value);

    // Looked up again, nothing moves: still one event.
    await gateway.gql(VERIFY, { pidx }, CLIENT_KEY);
    expect(await events(pidx)).toHaveLength(1);
  });

  it('records a refund as refund.succeeded, then the status its lookup shows, never with the mobile', async () => {
    const { pidx } = await initiated(gateway, { amount: 20000, amountBreakdown: null, modes: ['MOBILE_BANKING'] });
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    expect((await gateway.gql(VERIFY, { pidx }, CLIENT_KEY)).data.verifyPayment.status).toBe('COMPLETED');
    const refunded = await gateway.gql(REFUND, { input: { pidx, amount: 5000, mobile: '9807654321' } }, ADMIN_KEY);
    expect(refunded.data.refund.refund).toMatchObject({ state: 'SUCCEEDED' });

    const written = await events(pidx);
    expect(written.map((event) => event.type)).toEqual(['payment.completed', 'refund.succeeded', 'payment.partially_refunded']);
    const refundBody = JSON.parse(written[1]!.body);
    expect(refundBody.data).toMatchObject({ pidx, refundedAmount: 5000, paid: false, refund: { amount: 5000, state: 'SUCCEEDED', full: false } });
    expect(Object.keys(refundBody.data.refund).sort()).toEqual(['amount', 'createdAt', 'detail', 'full', 'id', 'state']);
    for (const event of written) expect(event.body).not.toContain('9807654321');
    // Only the endpoint subscribed to them gets the refund and partial-refund events.
    expect((await deliveriesOf(written[1]!.id)).map((delivery) => delivery.endpoint_id)).toEqual([subscribed[0]]);
    expect((await deliveriesOf(written[2]!.id)).map((delivery) => delivery.endpoint_id)).toEqual([subscribed[0]]);
  });
});
