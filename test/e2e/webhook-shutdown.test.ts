/**
 * Closing a gateway with webhook attempts in flight: an attempt that finishes within the grace is
 * recorded; one that hangs is cut off after it (close() does not wait out WEBHOOK_TIMEOUT_MS) and
 * left PENDING under its lease, for the next process to send again.
 */
import { createTestStore, type TestStore } from '../support/engine';
import { startGateway } from '../support/gateway';
import { until } from '../support/until';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { seedEndpoint, seedEvent, WEBHOOK_SIGNING_KEY } from '../support/webhooks';

describe('webhook worker at shutdown', () => {
  let store: TestStore;
  let receiver: Receiver;

  beforeEach(async () => {
    store = await createTestStore();
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    await store.drop();
  });

  const open = () =>
    startGateway({ DATABASE_URL: store.url, WEBHOOK_SIGNING_KEY, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '20000', WEBHOOK_POLL_INTERVAL_MS: '20' });
  const stateOf = async (id: string) => {
    const [row] = await store.query<{ state: string; attempts: number; lease_until: unknown }>('SELECT state, attempts, lease_until FROM webhook_deliveries WHERE id = ?', id);
    return row!;
  };

  it('waits for an attempt in flight that answers within the grace, and records it', async () => {
    const gateway = await open();
    const endpoint = await seedEndpoint(gateway.app.database, receiver.url());
    receiver.fallback = { status: 200, delayMs: 400 };
    const { eventId, deliveryIds } = await seedEvent(gateway.app.database, [endpoint.id]);
    await until('the attempt', () => receiver.withId(eventId).length === 1);
    await gateway.close();
    expect(await stateOf(deliveryIds[0]!)).toMatchObject({ state: 'DELIVERED', attempts: 1 });
  });

  it('cuts off an attempt that hangs after the grace (5 s), leaving it PENDING under its lease', async () => {
    const gateway = await open();
    const endpoint = await seedEndpoint(gateway.app.database, receiver.url());
    receiver.fallback = 'hang';
    const { eventId, deliveryIds } = await seedEvent(gateway.app.database, [endpoint.id]);
    await until('the attempt', () => receiver.withId(eventId).length === 1);
    const started = Date.now();
    await gateway.close();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(4500);
    expect(took).toBeLessThan(10_000);
    const row = await stateOf(deliveryIds[0]!);
    expect(row).toMatchObject({ state: 'PENDING' });
    expect(Number(row.attempts)).toBe(0);
    expect(row.lease_until).not.toBeNull();
  }, 30_000);
});
