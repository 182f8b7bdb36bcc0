/**
 * kill -9 of a gateway process with a webhook delivery PENDING, then a restart on the same
 * database: the delivery is in the database, not in the dead process, so the next process delivers
 * it (at least once: an attempt cut off mid-request is made again once its lease has run out).
 */
import { openDatabase, type Database } from '../../src/db/connection';
import { createTestStore, type TestStore } from '../support/engine';
import { gatewayEnvFor, startEmulator, type RunningEmulator } from '../support/emulator';
import { ADMIN_KEY, CLIENT_KEY } from '../support/gateway';
import { startGatewayProcess, type GatewayProcess } from '../support/processes';
import { until } from '../support/until';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { seedEndpoint, seedEvent, WEBHOOK_SIGNING_KEY } from '../support/webhooks';

describe('webhook delivery across kill -9 and restart', () => {
  let store: TestStore;
  let khalti: RunningEmulator;
  let receiver: Receiver;
  let db: Database;
  let env: Record<string, string>;
  const running: GatewayProcess[] = [];

  beforeAll(async () => {
    store = await createTestStore();
    khalti = await startEmulator();
    receiver = await startReceiver();
    env = {
      ...gatewayEnvFor(khalti, store.url, { admin: ADMIN_KEY, client: CLIENT_KEY }),
      WEBHOOK_SIGNING_KEY,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_RETRY_SCHEDULE_MS: '1500',
    };
    // The first process migrates; this test's own connection writes rows as another instance would.
    running.push(await startGatewayProcess(env));
    db = await openDatabase(store.url);
  }, 60_000);
  afterAll(async () => {
    for (const gateway of running) gateway.child.kill('SIGKILL');
    await Promise.all(running.map((gateway) => gateway.exited));
    await db?.close();
    await receiver?.close().catch(() => undefined);
    await khalti?.close();
    await store?.drop();
  });

  const start = async () => {
    const gateway = await startGatewayProcess(env);
    running.push(gateway);
    return gateway;
  };
  const row = async (id: string) => (await db.read.webhookDeliveries.byId(id))!;

  it('killed mid-attempt: the delivery stays PENDING under a lease, and a restarted process delivers it once the lease ran out', async () => {
    const first = running[0]!;
    const endpoint = await seedEndpoint(db, receiver.url('/mid-attempt'));
    receiver.script('hang');
    const { eventId, deliveryIds } = await seedEvent(db, [endpoint.id]);
    await until('the attempt to reach the receiver', () => receiver.withId(eventId).length === 1);
    await first.kill9();
    const left = await row(deliveryIds[0]!);
    expect(left).toMatchObject({ state: 'PENDING', attempts: 0 });
    expect(left.leaseUntil!.getTime()).toBeGreaterThan(Date.now());

    await start();
    const delivered = await until('delivered by the restarted process', async () => {
      const current = await row(deliveryIds[0]!);
      return current.state === 'DELIVERED' && current;
    }, 20_000);
    // Not before the lease of the dead process ran out.
    expect(receiver.withId(eventId)[1]!.at).toBeGreaterThanOrEqual(left.leaseUntil!.getTime() - 50);
    expect(delivered).toMatchObject({ attempts: 1, lastHttpStatus: 200 });
    // The cut-off attempt and the delivered one carry the same webhook-id: receivers deduplicate.
    expect(receiver.withId(eventId)).toHaveLength(2);
    expect(await db.read.webhookDeliveries.attemptsOf(deliveryIds[0]!)).toHaveLength(1);
  }, 40_000);

  it('killed right after the commit that queued it (sendTestWebhook) with its retry due: the restarted process delivers it once', async () => {
    const gateway = running.at(-1)!;
    const closed = await startReceiver();
    const endpoint = await seedEndpoint(db, closed.url('/after-commit'));
    await closed.close();
    const sent = await gateway.gql('mutation ($id: ID!) { sendTestWebhook(endpointId: $id) { id eventId } }', { id: endpoint.id }, ADMIN_KEY);
    const { id, eventId } = sent.data.sendTestWebhook;
    await until('the refused first attempt', async () => (await row(id)).attempts === 1);
    await gateway.kill9();
    expect(await row(id)).toMatchObject({ state: 'PENDING', attempts: 1, lastError: 'connection refused' });

    await closed.reopen();
    try {
      await start();
      const delivered = await until('delivered after the restart', async () => {
        const current = await row(id);
        return current.state === 'DELIVERED' && current;
      }, 20_000);
      expect(delivered).toMatchObject({ attempts: 2, lastHttpStatus: 200 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(closed.withId(eventId)).toHaveLength(1);
    } finally {
      await closed.close();
    }
  }, 40_000);
});
