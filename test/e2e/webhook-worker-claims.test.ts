/**
 * How often the delivery worker claims (each claim is a write unit: on SQLite it takes the write
 * lock the API's own writes wait for). Over real HTTP to a loopback receiver, on the test engine.
 */
import { WebhookDeliveriesRepository } from '../../src/db/webhook-deliveries.repository';
import { startGateway, type TestGateway } from '../support/gateway';
import { until } from '../support/until';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { seedEndpoint, seedEvent, WEBHOOK_SIGNING_KEY } from '../support/webhooks';

const ENV = {
  WEBHOOK_SIGNING_KEY,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_CONCURRENCY: '2',
  // Long: anything delivered in these tests went out because of a claim the test explains, not a poll.
  WEBHOOK_POLL_INTERVAL_MS: '60000',
};

describe('webhook worker claims', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  describe('driven by hand', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway(ENV, { startWebhookWorker: false });
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it('an attempt finishing after a claim that found fewer than free claims nothing more: one claim per lone delivery', async () => {
      const db = gateway.app.database;
      const endpoint = await seedEndpoint(db, receiver.url('/lone'));
      const { eventId, deliveryIds } = await seedEvent(db, [endpoint.id]);
      const claims = jest.spyOn(WebhookDeliveriesRepository.prototype, 'claimDue');
      await gateway.app.webhookWorker.runOnce();
      expect((await db.read.webhookDeliveries.byId(deliveryIds[0]!))!.state).toBe('DELIVERED');
      expect(receiver.withId(eventId)).toHaveLength(1);
      expect(claims).toHaveBeenCalledTimes(1);
    });

    it('after a claim that filled every slot, a slot freeing claims again: three deliveries, two slots, one pass', async () => {
      const db = gateway.app.database;
      const endpoint = await seedEndpoint(db, receiver.url('/busy'));
      const events = [await seedEvent(db, [endpoint.id]), await seedEvent(db, [endpoint.id]), await seedEvent(db, [endpoint.id])];
      const claims = jest.spyOn(WebhookDeliveriesRepository.prototype, 'claimDue');
      await gateway.app.webhookWorker.runOnce();
      for (const { eventId, deliveryIds } of events) {
        expect((await db.read.webhookDeliveries.byId(deliveryIds[0]!))!.state).toBe('DELIVERED');
        expect(receiver.withId(eventId)).toHaveLength(1);
      }
      // The third went out in this pass (the poll is a minute away): the first claim took 2 of 2, so
      // a slot freeing claimed again. How many claims that took depends on which attempts finished together.
      expect(claims.mock.calls[0]![1]).toBe(2);
      expect(claims.mock.calls.length).toBeLessThanOrEqual(3);
    });
  });

  describe('running', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway(ENV);
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it('woken while an attempt is in flight, it claims what was queued without waiting for the attempt or the poll', async () => {
      const db = gateway.app.database;
      const endpoint = await seedEndpoint(db, receiver.url('/woken'));
      receiver.script({ status: 200, delayMs: 1500 });
      const slow = await seedEvent(db, [endpoint.id]);
      gateway.app.webhookWorker.wake();
      await until('the slow attempt to start', async () => receiver.withId(slow.eventId).length === 1);
      const queued = await seedEvent(db, [endpoint.id]);
      const wokenAt = Date.now();
      gateway.app.webhookWorker.wake();
      await until('the queued delivery', async () => receiver.withId(queued.eventId).length === 1);
      expect(Date.now() - wokenAt).toBeLessThan(1000);
      await until('both delivered', async () => (await db.read.webhookDeliveries.byId(slow.deliveryIds[0]!))!.state === 'DELIVERED');
    });
  });
});
