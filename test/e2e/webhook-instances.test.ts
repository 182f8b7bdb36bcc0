/**
 * Three gateways on one database, each with its delivery worker running: a backlog of deliveries
 * queued at once is shared out, and each delivery is attempted by exactly one of them (the claim's
 * lease; FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite).
 */
import { createTestStore, type TestStore } from '../support/engine';
import { startGateway, type TestGateway } from '../support/gateway';
import { scrape } from '../support/metrics';
import { until } from '../support/until';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { seedEndpoint, seedEvent, WEBHOOK_SIGNING_KEY } from '../support/webhooks';

const N = 60;

describe('webhook delivery with three instances on one database', () => {
  let store: TestStore;
  let receiver: Receiver;
  let instances: TestGateway[] = [];

  beforeAll(async () => {
    store = await createTestStore();
    receiver = await startReceiver();
    const env = {
      DATABASE_URL: store.url,
      WEBHOOK_SIGNING_KEY,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '10',
      WEBHOOK_CONCURRENCY: '4',
      WEBHOOK_RETRY_SCHEDULE_MS: '60000',
    };
    // One after the other: the first migrates the empty database.
    for (let i = 0; i < 3; i++) instances.push(await startGateway(env));
  }, 60_000);
  afterAll(async () => {
    for (const gateway of instances) await gateway.close();
    await receiver?.close();
    await store?.drop();
  });

  it(`attempts each of ${N} deliveries exactly once, shared among the instances`, async () => {
    // Slow enough answers that the instances' passes overlap.
    receiver.fallback = { status: 200, delayMs: 30 };
    const db = instances[0]!.app.database;
    const endpoint = await seedEndpoint(db, receiver.url('/shared'));
    const events = [];
    for (let i = 0; i < N; i++) events.push(await seedEvent(db, [endpoint.id]));

    await until('every delivery delivered', async () => (await db.read.webhookDeliveries.count({ endpointId: endpoint.id, state: 'DELIVERED' })) === N, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const event of events) {
      expect(receiver.withId(event.eventId)).toHaveLength(1);
      const row = (await db.read.webhookDeliveries.byId(event.deliveryIds[0]!))!;
      expect(row).toMatchObject({ state: 'DELIVERED', attempts: 1, leaseUntil: null });
      expect(await db.read.webhookDeliveries.attemptsOf(row.id)).toHaveLength(1);
    }
    expect(receiver.received).toHaveLength(N);

    const perInstance = await Promise.all(instances.map(async (gateway) => (await scrape(gateway.app.url)).value('gateway_webhook_attempts_total', { outcome: 'accepted' })));
    expect(perInstance.reduce((sum, n) => sum + n, 0)).toBe(N);
    // Shared out, not one instance doing all of it.
    expect(perInstance.filter((n) => n > 0).length).toBeGreaterThan(1);
  }, 60_000);
});
