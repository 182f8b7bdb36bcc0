/**
 * Webhook delivery through real HTTP: the gateway (its worker running) sends to a receiver on
 * loopback that answers as told; signatures are checked with the `standardwebhooks` package.
 * Endpoints and events are written through the gateway's database until createWebhookEndpoint
 * exists on this branch.
 */
import { Webhook } from 'standardwebhooks';
import type { WebhookDeliveryRow } from '../../src/db/schema';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway';
import { refusal } from '../support/database';
import { until } from '../support/until';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { secretOf, seedEndpoint, seedEvent, WEBHOOK_SIGNING_KEY } from '../support/webhooks';

const WEBHOOK_ENV = {
  WEBHOOK_SIGNING_KEY,
  WEBHOOK_RETRY_SCHEDULE_MS: '50,100',
  WEBHOOK_TIMEOUT_MS: '500',
  WEBHOOK_POLL_INTERVAL_MS: '20',
  WEBHOOK_ALLOW_PRIVATE: 'true',
};

const DELIVERIES = `query ($endpointId: ID, $state: WebhookDeliveryState, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, state: $state, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id eventId eventType endpointId state attempts lastHttpStatus lastError nextAttemptAt createdAt deliveredAt } }
  }
}`;

describe('webhook delivery', () => {
  let gateway: TestGateway;
  let receiver: Receiver;

  beforeAll(async () => {
    gateway = await startGateway(WEBHOOK_ENV);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close().catch(() => undefined);
  });
  beforeEach(() => {
    receiver.fallback = { status: 200 };
  });

  const db = () => gateway.app.database;
  const delivery = async (id: string) => (await db().read.webhookDeliveries.byId(id))!;
  const settled = (id: string, timeoutMs?: number) =>
    until(`delivery ${id} to settle`, async () => {
      const row = await delivery(id);
      return row.state !== 'PENDING' && row;
    }, timeoutMs);
  const auditOf = async (operation: string) => {
    const result = await gateway.gql('{ auditLog(first: 100) { edges { node { kind operation httpStatus detailJson } } } }', {}, ADMIN_KEY);
    return (result.data.auditLog.edges as { node: { kind: string; operation: string; httpStatus: number | null; detailJson: any } }[])
      .map((edge) => edge.node)
      .filter((node) => node.operation === operation);
  };

  it('delivers a signed event once the endpoint answers 2xx, verifiable with the standardwebhooks package', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/ok'));
    const { eventId, body, deliveryIds } = await seedEvent(db(), [endpoint.id]);
    const row = await settled(deliveryIds[0]!);
    expect(row).toMatchObject({ state: 'DELIVERED', attempts: 1, lastHttpStatus: 200, lastError: null, nextAttemptAt: null, leaseUntil: null });
    expect(row.deliveredAt).toBeInstanceOf(Date);

    const [request] = receiver.withId(eventId);
    expect(receiver.withId(eventId)).toHaveLength(1);
    expect(request!.path).toBe('/ok');
    expect(request!.body).toBe(body);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toMatch(/khalti-graphql/);
    expect(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    expect(new Webhook(endpoint.secret).verify(request!.body, request!.headers as Record<string, string>)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secretOf(endpoint.id, 2)).verify(request!.body, request!.headers as Record<string, string>)).toThrow();

    const attempts = await db().read.webhookDeliveries.attemptsOf(row.id);
    expect(attempts).toEqual([expect.objectContaining({ httpStatus: 200, error: null })]);
  });

  it('sends a PENDING delivery written without nextAttemptAt at once, and none due later before its time', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/due'));
    const unset = await seedEvent(db(), [endpoint.id], { nextAttemptAt: null });
    const later = await seedEvent(db(), [endpoint.id], { nextAttemptAt: new Date(Date.now() + 3600_000) });
    expect(await settled(unset.deliveryIds[0]!)).toMatchObject({ state: 'DELIVERED', attempts: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await delivery(later.deliveryIds[0]!)).toMatchObject({ state: 'PENDING', attempts: 0 });
    expect(receiver.withId(later.eventId)).toHaveLength(0);
  });

  it('retries on 5xx after each delay of the schedule, with the same webhook-id, then delivers', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/flaky'));
    receiver.script({ status: 500 }, { status: 502 });
    const { eventId, deliveryIds } = await seedEvent(db(), [endpoint.id]);
    const row = await settled(deliveryIds[0]!);
    expect(row).toMatchObject({ state: 'DELIVERED', attempts: 3, lastHttpStatus: 200, lastError: null });
    const requests = receiver.withId(eventId);
    expect(requests).toHaveLength(3);
    // 50 ms and 100 ms, each -10% at worst.
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(44);
    expect(requests[2]!.at - requests[1]!.at).toBeGreaterThanOrEqual(89);
    for (const request of requests) expect(new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>)).toBeTruthy();
    expect((await db().read.webhookDeliveries.attemptsOf(row.id)).map((attempt) => attempt.httpStatus)).toEqual([500, 502, 200]);
  });

  it('gives up once the schedule is spent: FAILED, every attempt kept, an audit row', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/down'));
    receiver.fallback = { status: 500 };
    const { eventId, deliveryIds } = await seedEvent(db(), [endpoint.id]);
    const row = await settled(deliveryIds[0]!);
    expect(row).toMatchObject({ state: 'FAILED', attempts: 3, lastHttpStatus: 500, lastError: 'answered 500', nextAttemptAt: null });
    // Nothing more is attempted after FAILED.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.withId(eventId)).toHaveLength(3);
    expect(await db().read.webhookDeliveries.attemptsOf(row.id)).toHaveLength(3);
    const failed = await auditOf('webhook_delivery_failed');
    expect(failed).toContainEqual(expect.objectContaining({ kind: 'webhook', httpStatus: 500, detailJson: expect.objectContaining({ deliveryId: row.id, attempts: 3 }) }));
    // The history is append-only in the database itself: an attempt cannot be rewritten or removed.
    expect((await refusal(db(), `UPDATE webhook_attempts SET error = NULL WHERE delivery_id = '${row.id}'`))?.message).toMatch(/webhook_attempts is append-only/);
    expect((await refusal(db(), `DELETE FROM webhook_attempts WHERE delivery_id = '${row.id}'`))?.message).toMatch(/webhook_attempts is append-only/);
    expect((await db().read.webhookDeliveries.attemptsOf(row.id)).map((attempt) => attempt.error)).toEqual(['answered 500', 'answered 500', 'answered 500']);
  });

  it('410 Gone: given up at once, the endpoint disabled with a reason, and later deliveries to it are not sent', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/gone'));
    receiver.script({ status: 410 });
    const first = await seedEvent(db(), [endpoint.id]);
    const row = await settled(first.deliveryIds[0]!);
    expect(row).toMatchObject({ state: 'FAILED', attempts: 1, lastHttpStatus: 410 });
    const stored = (await db().read.webhookEndpoints.byId(endpoint.id))!;
    expect(stored.enabled).toBe(false);
    expect(stored.disabledReason).toMatch(/^answered 410 Gone at \d{4}-\d\d-\d\dT/);
    expect(await auditOf('webhook_endpoint_disabled')).toContainEqual(expect.objectContaining({ httpStatus: 410, detailJson: expect.objectContaining({ endpointId: endpoint.id }) }));

    const before = receiver.received.length;
    const second = await seedEvent(db(), [endpoint.id]);
    expect(await settled(second.deliveryIds[0]!)).toMatchObject({ state: 'FAILED', attempts: 0, lastError: 'endpoint disabled' });
    expect(receiver.received.length).toBe(before);
  });

  it('429 with Retry-After waits as long as asked (longer than the schedule), and the list shows when', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/throttled'));
    receiver.script({ status: 429, headers: { 'retry-after': '1' } });
    const { eventId, deliveryIds } = await seedEvent(db(), [endpoint.id]);
    const pending = await until('the first attempt', async () => {
      const row = await delivery(deliveryIds[0]!);
      return row.attempts === 1 && row;
    });
    expect(pending).toMatchObject({ state: 'PENDING', lastHttpStatus: 429, lastError: 'answered 429' });
    const listed = await gateway.gql(DELIVERIES, { endpointId: endpoint.id }, ADMIN_KEY);
    const node = listed.data.webhookDeliveries.edges[0].node;
    expect(node).toMatchObject({ id: deliveryIds[0], eventId, eventType: 'PAYMENT_COMPLETED', endpointId: endpoint.id, state: 'PENDING', attempts: 1, lastHttpStatus: 429, lastError: 'answered 429', deliveredAt: null });
    expect(new Date(node.nextAttemptAt).getTime() - receiver.withId(eventId)[0]!.at).toBeGreaterThanOrEqual(900);

    await settled(deliveryIds[0]!, 5000);
    const [a, b] = receiver.withId(eventId);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(950);
  });

  it('an endpoint that hangs past WEBHOOK_TIMEOUT_MS is a failed attempt (timeout), retried', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/slow'));
    receiver.script('hang');
    const { deliveryIds } = await seedEvent(db(), [endpoint.id]);
    const row = await settled(deliveryIds[0]!);
    expect(row).toMatchObject({ state: 'DELIVERED', attempts: 2 });
    const attempts = await db().read.webhookDeliveries.attemptsOf(row.id);
    expect(attempts[0]).toMatchObject({ httpStatus: null, error: 'timed out after 500 ms' });
    expect(attempts[0]!.durationMs).toBeGreaterThanOrEqual(450);
    expect(attempts[0]!.durationMs).toBeLessThan(2000);
  });

  it('an attempt that hangs holds one slot: deliveries queued meanwhile go out without waiting for it', async () => {
    const slow = await seedEndpoint(db(), receiver.url('/hangs'));
    const quick = await seedEndpoint(db(), receiver.url('/quick'));
    receiver.script('hang');
    const hanging = await seedEvent(db(), [slow.id]);
    await until('the hanging attempt', () => receiver.withId(hanging.eventId).length === 1);
    const queuedAt = Date.now();
    const next = await seedEvent(db(), [quick.id]);
    await until('the next delivery', () => receiver.withId(next.eventId).length === 1);
    // Well within the hanging attempt's 500 ms timeout.
    expect(receiver.withId(next.eventId)[0]!.at - queuedAt).toBeLessThan(300);
    expect((await delivery(hanging.deliveryIds[0]!)).attempts).toBe(0);
    await settled(hanging.deliveryIds[0]!);
  });

  it('does not follow redirects: a 3xx is a failed attempt and the target receives nothing', async () => {
    const target = await startReceiver();
    try {
      const endpoint = await seedEndpoint(db(), receiver.url('/moved'));
      receiver.fallback = { redirect: target.url('/elsewhere') };
      const { deliveryIds } = await seedEvent(db(), [endpoint.id]);
      const row = await settled(deliveryIds[0]!);
      expect(row).toMatchObject({ state: 'FAILED', attempts: 3, lastHttpStatus: 302, lastError: 'redirect not followed (302)' });
      expect(target.received).toHaveLength(0);
      expect(target.connections).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('a refused connection is retried, and delivered once the endpoint listens again', async () => {
    // Retries far enough apart to reopen the port in between.
    const slow = await startGateway({ ...WEBHOOK_ENV, WEBHOOK_RETRY_SCHEDULE_MS: '600,600' });
    const closed = await startReceiver();
    try {
      const endpoint = await seedEndpoint(slow.app.database, closed.url('/back'));
      await closed.close();
      const { eventId, deliveryIds } = await seedEvent(slow.app.database, [endpoint.id]);
      const refused = await until('a refused attempt', async () => {
        const row = (await slow.app.database.read.webhookDeliveries.byId(deliveryIds[0]!))!;
        return row.attempts >= 1 && row;
      });
      expect(refused).toMatchObject({ state: 'PENDING', attempts: 1, lastHttpStatus: null, lastError: 'connection refused' });
      await closed.reopen();
      const row = await until('delivered', async () => {
        const current = (await slow.app.database.read.webhookDeliveries.byId(deliveryIds[0]!))!;
        return current.state !== 'PENDING' && current;
      });
      expect(row).toMatchObject({ state: 'DELIVERED', lastHttpStatus: 200, lastError: null });
      expect(closed.withId(eventId)).toHaveLength(1);
      // Refused until the port was open again (once, or twice when a loaded machine took more than
      // the 600 ms between attempts to reopen it), then delivered by the last attempt.
      const errors = (await slow.app.database.read.webhookDeliveries.attemptsOf(row.id)).map((attempt) => attempt.error);
      expect(errors.length).toBe(row.attempts);
      expect(errors.slice(0, -1).length).toBeGreaterThanOrEqual(1);
      expect(new Set(errors.slice(0, -1))).toEqual(new Set(['connection refused']));
      expect(errors.at(-1)).toBeNull();
    } finally {
      await slow.close();
      await closed.close();
    }
  });

  it('within 24 hours of a rotation signs with both secrets, each verifiable alone; after, with the current one only', async () => {
    const rotated = await seedEndpoint(db(), receiver.url('/rotated'), { secretGeneration: 2, previousSecretUntil: new Date(Date.now() + 3600_000) });
    const settledDown = await seedEndpoint(db(), receiver.url('/rotated-long-ago'), { secretGeneration: 2, previousSecretUntil: new Date(Date.now() - 1000) });
    const { eventId, deliveryIds } = await seedEvent(db(), [rotated.id, settledDown.id]);
    await Promise.all(deliveryIds.map((id) => settled(id)));
    const [toRotated] = receiver.withId(eventId).filter((request) => request.path === '/rotated');
    const [toSettled] = receiver.withId(eventId).filter((request) => request.path === '/rotated-long-ago');
    const headers = (request: typeof toRotated) => request!.headers as Record<string, string>;

    expect(headers(toRotated)['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(secretOf(rotated.id, 2)).verify(toRotated!.body, headers(toRotated))).toBeTruthy();
    expect(new Webhook(secretOf(rotated.id, 1)).verify(toRotated!.body, headers(toRotated))).toBeTruthy();
    // Each signature is its own secret's: dropping the other leaves it verifiable by that one only.
    const [first, second] = headers(toRotated)['webhook-signature']!.split(' ');
    expect(new Webhook(secretOf(rotated.id, 2)).verify(toRotated!.body, { ...headers(toRotated), 'webhook-signature': first! })).toBeTruthy();
    expect(() => new Webhook(secretOf(rotated.id, 1)).verify(toRotated!.body, { ...headers(toRotated), 'webhook-signature': first! })).toThrow();
    expect(new Webhook(secretOf(rotated.id, 1)).verify(toRotated!.body, { ...headers(toRotated), 'webhook-signature': second! })).toBeTruthy();

    expect(headers(toSettled)['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(new Webhook(secretOf(settledDown.id, 2)).verify(toSettled!.body, headers(toSettled))).toBeTruthy();
    expect(() => new Webhook(secretOf(settledDown.id, 1)).verify(toSettled!.body, headers(toSettled))).toThrow();
  });

  it('sendTestWebhook queues a webhook.test event to that endpoint, delivered; unknown endpoints are BAD_USER_INPUT naming endpointId', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/test'), { events: ['refund.failed'] });
    const sent = await gateway.gql('mutation ($id: ID!) { sendTestWebhook(endpointId: $id) { id eventId eventType endpointId state attempts } }', { id: endpoint.id }, ADMIN_KEY);
    expect(sent.errors).toBeUndefined();
    const queued = sent.data.sendTestWebhook;
    expect(queued).toMatchObject({ eventType: 'WEBHOOK_TEST', endpointId: endpoint.id, state: 'PENDING', attempts: 0 });
    await settled(queued.id);
    const [request] = receiver.withId(queued.eventId);
    expect(new Webhook(endpoint.secret).verify(request!.body, request!.headers as Record<string, string>)).toMatchObject({
      type: 'webhook.test',
      data: { test: true, endpointId: endpoint.id },
    });
    expect(await auditOf('webhook_test_sent')).toContainEqual(expect.objectContaining({ detailJson: expect.objectContaining({ endpointId: endpoint.id, deliveryId: queued.id }) }));

    const unknown = await gateway.gql('mutation { sendTestWebhook(endpointId: "ep_nope") { id } }', {}, ADMIN_KEY);
    expect(unknown.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors![0]!.message).toMatch(/endpointId/);
    const forbidden = await gateway.gql('mutation ($id: ID!) { sendTestWebhook(endpointId: $id) { id } }', { id: endpoint.id });
    expect(forbidden.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('redeliverWebhooks queues the events since a time again, with the same webhook-id, and says how many', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/again'));
    const old = await seedEvent(db(), [endpoint.id], { createdAt: new Date(Date.now() - 3600_000) });
    const recent = [await seedEvent(db(), [endpoint.id]), await seedEvent(db(), [endpoint.id])];
    await Promise.all([old, ...recent].map((event) => settled(event.deliveryIds[0]!)));
    const since = new Date(Date.now() - 60_000).toISOString();

    const redeliver = 'mutation ($id: ID!, $since: DateTime!) { redeliverWebhooks(endpointId: $id, since: $since) }';
    const answer = await gateway.gql(redeliver, { id: endpoint.id, since }, ADMIN_KEY);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.redeliverWebhooks).toBe(2);
    for (const event of recent) await until('the redelivery', () => receiver.withId(event.eventId).length === 2);
    expect(receiver.withId(old.eventId)).toHaveLength(1);
    for (const event of recent) {
      for (const request of receiver.withId(event.eventId)) expect(new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>)).toBeTruthy();
    }
    const listed = await gateway.gql(DELIVERIES, { endpointId: endpoint.id, first: 100 }, ADMIN_KEY);
    expect(listed.data.webhookDeliveries.totalCount).toBe(5);
    expect(await auditOf('webhooks_redelivered')).toContainEqual(expect.objectContaining({ detailJson: expect.objectContaining({ endpointId: endpoint.id, count: 2 }) }));

    const unknown = await gateway.gql(redeliver, { id: 'ep_nope', since }, ADMIN_KEY);
    expect(unknown.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(unknown.errors![0]!.message).toMatch(/endpointId/);
  });

  it('webhookDeliveries pages newest first and filters by state', async () => {
    const endpoint = await seedEndpoint(db(), receiver.url('/pages'));
    const events: { deliveryIds: string[] }[] = [];
    for (let i = 0; i < 3; i++) events.push(await seedEvent(db(), [endpoint.id], { createdAt: new Date(Date.now() - (3 - i) * 1000) }));
    await Promise.all(events.map((event) => settled(event.deliveryIds[0]!)));
    const first = await gateway.gql(DELIVERIES, { endpointId: endpoint.id, first: 2 }, ADMIN_KEY);
    const page1 = first.data.webhookDeliveries;
    expect(page1.totalCount).toBe(3);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.edges.map((edge: any) => edge.node.id)).toEqual([events[2]!.deliveryIds[0], events[1]!.deliveryIds[0]]);
    const second = await gateway.gql(DELIVERIES, { endpointId: endpoint.id, first: 2, after: page1.pageInfo.endCursor }, ADMIN_KEY);
    expect(second.data.webhookDeliveries.edges.map((edge: any) => edge.node.id)).toEqual([events[0]!.deliveryIds[0]]);
    expect(second.data.webhookDeliveries.pageInfo.hasNextPage).toBe(false);
    const failed = await gateway.gql(DELIVERIES, { endpointId: endpoint.id, state: 'FAILED' }, ADMIN_KEY);
    expect(failed.data.webhookDeliveries.totalCount).toBe(0);
    const bad = await gateway.gql(DELIVERIES, { after: 'nope' }, ADMIN_KEY);
    expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('counts attempts by outcome on /metrics', async () => {
    const response = await fetch(`${gateway.app.url}/metrics`);
    const text = await response.text();
    expect(text).toMatch(/gateway_webhook_attempts_total\{outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/gateway_webhook_attempts_total\{outcome="timeout"\} [1-9]/);
    expect(text).toMatch(/gateway_webhook_attempts_total\{outcome="http_status"\} [1-9]/);
    expect(text).toMatch(/gateway_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    expect(text).toMatch(/gateway_webhook_attempt_duration_seconds_count [1-9]/);
    expect(text).toMatch(/gateway_webhook_deliveries_pending \d+/);
  });
});

describe('webhook delivery to private addresses with WEBHOOK_ALLOW_PRIVATE=false', () => {
  let gateway: TestGateway;
  let receiver: Receiver;

  beforeAll(async () => {
    gateway = await startGateway({ ...WEBHOOK_ENV, WEBHOOK_ALLOW_PRIVATE: 'false' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  it('refuses at connect time, whether the URL names the address or a host resolving to it: nothing reaches the receiver', async () => {
    const literal = await seedEndpoint(gateway.app.database, receiver.url('/literal'));
    const named = await seedEndpoint(gateway.app.database, `http://localhost:${receiver.port}/named`);
    const { deliveryIds } = await seedEvent(gateway.app.database, [literal.id, named.id]);
    const rows: WebhookDeliveryRow[] = await Promise.all(
      deliveryIds.map((id) =>
        until('given up', async () => {
          const row = (await gateway.app.database.read.webhookDeliveries.byId(id))!;
          return row.state === 'FAILED' && row;
        }),
      ),
    );
    for (const row of rows) expect(row).toMatchObject({ attempts: 3, lastHttpStatus: null, lastError: expect.stringMatching(/private address/) });
    expect(receiver.connections).toBe(0);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('webhook delivery without a signing key', () => {
  it('outside embedded mode (which generates one), warns once and leaves deliveries PENDING', async () => {
    const receiver = await startReceiver();
    // Sandbox mode with no WEBHOOK_SIGNING_KEY; Khalti is never called here, so its origin is a closed port.
    const gateway = await startGateway({
      KHALTI_ENV: 'sandbox',
      KHALTI_SECRET_KEY: 'test-sandbox-secret-key-not-used',
      KHALTI_BASE_URL: 'http://127.0.0.1:9',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '20',
    });
    try {
      const endpoint = await seedEndpoint(gateway.app.database, receiver.url());
      const { deliveryIds } = await seedEvent(gateway.app.database, [endpoint.id]);
      await gateway.app.webhookWorker.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await gateway.app.database.read.webhookDeliveries.byId(deliveryIds[0]!)).toMatchObject({ state: 'PENDING', attempts: 0 });
      expect(receiver.received).toHaveLength(0);
      expect(gateway.logs.filter((line) => /WEBHOOK_SIGNING_KEY/.test(line))).toHaveLength(1);
    } finally {
      await gateway.close();
      await receiver.close();
    }
  });
});
