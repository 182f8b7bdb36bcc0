/**
 * The whole webhook path through real HTTP: an admin registers an endpoint over GraphQL, a buyer
 * pays, a lookup verifies it, and the merchant's receiver gets a payment.completed it verifies with
 * the `standardwebhooks` package (a third party's code, not the gateway's), then refund.succeeded;
 * events it did not subscribe to never arrive; webhookDeliveries shows what happened.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway';
import { REFUND } from '../support/operations';
import { completed } from '../support/payments';
import { until } from '../support/until';

const CREATE = /* GraphQL */ `
  mutation ($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) { endpoint { id url events enabled } secret userErrors { field message code } }
  }
`;
const DELIVERIES = /* GraphQL */ `
  query ($endpointId: ID) {
    webhookDeliveries(endpointId: $endpointId, first: 50) {
      edges { node { id eventId eventType endpointId state attempts lastHttpStatus lastError deliveredAt } }
    }
  }
`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('webhooks, end to end', () => {
  let gateway: TestGateway;
  let receiver: Server;
  const received: Received[] = [];
  let url = '';

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/khalti`;
    gateway = await startGateway({
      WEBHOOK_SIGNING_KEY: 'test-webhook-signing-key-0123456789abcdef',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_RETRY_SCHEDULE_MS: '50,100',
    });
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('delivers signed events of what lookups verified, only of the subscribed types', async () => {
    const created = await gateway.gql(CREATE, { input: { url, events: ['PAYMENT_COMPLETED', 'REFUND_SUCCEEDED'], description: 'shop backend' } }, ADMIN_KEY);
    expect(created.errors).toBeUndefined();
    const { endpoint, secret } = created.data.createWebhookEndpoint;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const verifier = new Webhook(secret);

    const payment = await completed(gateway);
    const completion = await until('payment.completed at the receiver', () => received.find((r) => JSON.parse(r.body).type === 'payment.completed'));
    const event = verifier.verify(completion.body, completion.headers as Record<string, string>) as { type: string; timestamp: string; data: any };
    expect(event.data).toMatchObject({ pidx: payment.pidx, status: 'COMPLETED', paid: true, amount: payment.input.amount, refundedAmount: 0 });
    expect(Number.isInteger(event.data.amount)).toBe(true);
    expect(completion.headers['webhook-id']).toMatch(/^msg_/);
    // A forged body fails verification with the same headers.
    expect(() => verifier.verify(completion.body.replace('"paid":true', '"paid":false'), completion.headers as Record<string, string>)).toThrow();

    const refunded = await gateway.gql(REFUND, { input: { pidx: payment.pidx, amount: 100 } }, ADMIN_KEY);
    expect(refunded.data.refund.refund.state).toBe('SUCCEEDED');
    const refundEvent = await until('refund.succeeded at the receiver', () => received.find((r) => JSON.parse(r.body).type === 'refund.succeeded'));
    const refundBody = verifier.verify(refundEvent.body, refundEvent.headers as Record<string, string>) as { data: any };
    expect(refundBody.data.refund).toMatchObject({ id: refunded.data.refund.refund.id, amount: 100, state: 'SUCCEEDED' });
    expect(refundBody.data.pidx).toBe(payment.pidx);

    // payment.partially_refunded was written for nobody: this endpoint did not subscribe to it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.map((r) => JSON.parse(r.body).type).sort()).toEqual(['payment.completed', 'refund.succeeded']);
    // No personal data in what the merchant's receiver got (the buyer's name, email, phone).
    for (const r of received) expect(r.body).not.toMatch(/@|customer/i);

    const deliveries = await gateway.gql(DELIVERIES, { endpointId: endpoint.id }, ADMIN_KEY);
    expect(deliveries.errors).toBeUndefined();
    const nodes = deliveries.data.webhookDeliveries.edges.map((edge: any) => edge.node);
    expect(nodes).toHaveLength(2);
    for (const node of nodes) expect(node).toMatchObject({ state: 'DELIVERED', attempts: 1, lastHttpStatus: 204, lastError: null, endpointId: endpoint.id });
    expect(nodes.map((n: any) => n.eventType).sort()).toEqual(['PAYMENT_COMPLETED', 'REFUND_SUCCEEDED']);
  });
});
