/**
 * Status changes across instances on PostgreSQL: each committed change is announced (pg_notify in
 * the committing transaction) and every instance's subscribers hear of it once, in order; an
 * instance whose listening connection drops reads what it missed from the log when it is back.
 * Two gateways in this process on one fresh PostgreSQL database, against one emulated Khalti.
 */
import { Client } from 'pg';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, type TestGateway } from '../support/gateway';
import { INITIATE, REFUND, STATUS_CHANGED, VERIFY, orderInput } from '../support/operations';
import { scrape } from '../support/metrics';
import { connected, subscribe } from '../support/subscriptions';
import { twoInstancesOnPostgres } from '../support/two-instances';
import { until } from '../support/until';

describe('status changes across instances on PostgreSQL', () => {
  const instances = twoInstancesOnPostgres();

  const paid = async (gateway: TestGateway): Promise<string> => {
    const pidx = (await gateway.gql(INITIATE, { input: orderInput() }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    await instances.khalti.control('POST', `/payments/${pidx}/complete`, {});
    return pidx;
  };
  const activeOnB = async () => (await scrape(instances.b.app.url)).value('gateway_subscriptions_active');
  const changes = (events: any[]) => events.map((event) => `${event.paymentStatusChanged.previousStatus}->${event.paymentStatusChanged.status}`);

  it('tells a subscriber on the other instance of each change once, in order', async () => {
    const pidx = await paid(instances.a);
    const active = await activeOnB();
    const onB = subscribe(instances.b.app.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    await connected(onB.client);
    // Live on B (its gauge counts it) before anything changes.
    await until('the subscription to be active', async () => (await activeOnB()) > active);
    await instances.a.gql(VERIFY, { pidx }, CLIENT_KEY);
    await onB.waitFor(1);
    // A second change is the sentinel: it arrives after any duplicate of the first would have.
    await instances.a.gql(REFUND, { input: { pidx, amount: 300 } }, ADMIN_KEY);
    await onB.waitFor(2);
    expect(changes(onB.events)).toEqual(['INITIATED->COMPLETED', 'COMPLETED->PARTIALLY_REFUNDED']);
    await onB.dispose();
  });

  it('reads from the log what was committed while its listening connection was down, once', async () => {
    const pidx = await paid(instances.a);
    const active = await activeOnB();
    const onB = subscribe(instances.b.app.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    await connected(onB.client);
    // Live on B (its gauge counts it) before anything changes.
    await until('the subscription to be active', async () => (await activeOnB()) > active);
    // Cut every LISTEN session on the database (B's and A's), then change the payment through A
    // at once: the announcement goes to nobody; B must find the change in the log once it is back.
    const admin = new Client({ connectionString: instances.store.url });
    await admin.connect();
    try {
      const { rows } = await admin.query(
        "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()",
      );
      expect(rows.length).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    await instances.a.gql(VERIFY, { pidx }, CLIENT_KEY);
    await onB.waitFor(1, 15_000);
    await instances.a.gql(REFUND, { input: { pidx, amount: 300 } }, ADMIN_KEY);
    await onB.waitFor(2, 15_000);
    expect(changes(onB.events)).toEqual(['INITIATED->COMPLETED', 'COMPLETED->PARTIALLY_REFUNDED']);
    await onB.dispose();
  }, 30_000);
});
