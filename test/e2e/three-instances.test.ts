/**
 * Three gateway processes on one PostgreSQL database and one Redis, against one emulated Khalti
 * (in this test process, so it outlives any gateway): they start at once on an empty database,
 * one order is one Khalti payment and concurrent refunds one upstream call whichever instances
 * get them, a subscriber on one instance hears of a change made through another once, and
 * kill -9 of an instance with a refund in flight never sends it again.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { gatewayEnvFor, startEmulator, type RunningEmulator } from '../support/emulator';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY } from '../support/gateway';
import { INITIATE, REFUND, STATUS_CHANGED, VERIFY, orderInput } from '../support/operations';
import { scrape } from '../support/metrics';
import { createPostgresDatabase, type PostgresDatabase } from '../support/postgres';
import { startGatewayProcess, type GatewayProcess } from '../support/processes';
import { connected, subscribe } from '../support/subscriptions';
import { until } from '../support/until';

describe('three instances on one PostgreSQL database and Redis', () => {
  let store: PostgresDatabase;
  let khalti: RunningEmulator;
  let env: Record<string, string>;
  let instances: GatewayProcess[] = [];
  const extra: GatewayProcess[] = [];

  beforeAll(async () => {
    store = await createPostgresDatabase();
    khalti = await startEmulator();
    env = {
      ...gatewayEnvFor(khalti, store.url, { admin: ADMIN_KEY, client: CLIENT_KEY, server: SERVER_KEY }),
      REDIS_URL: process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `khalti-graphql-test-${randomBytes(4).toString('hex')}:`,
      RECONCILE_INTERVAL_MS: '200',
      KHALTI_TIMEOUT_MS: '1500',
    };
    // All three at once on the empty database: each waits for the migrations' lock, none fails.
    instances = await Promise.all([startGatewayProcess(env), startGatewayProcess(env), startGatewayProcess(env)]);
  }, 90_000);

  afterAll(async () => {
    for (const gateway of [...instances, ...extra]) gateway.child.kill('SIGKILL');
    await Promise.all([...instances, ...extra].map((gateway) => gateway.exited));
    await khalti?.close();
    await store?.drop();
  });

  const activeSubscriptions = async (gateway: GatewayProcess): Promise<number> => (await scrape(gateway.url)).value('gateway_subscriptions_active');

  const completed = async (through: GatewayProcess): Promise<string> => {
    const pidx = (await through.gql(INITIATE, { input: orderInput() }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    await khalti.control('POST', `/payments/${pidx}/complete`, {});
    expect((await through.gql(VERIFY, { pidx }, CLIENT_KEY)).data.verifyPayment.status).toBe('COMPLETED');
    return pidx;
  };

  it('all came up on the empty database, and the migrations were applied once', async () => {
    for (const gateway of instances) expect((await gateway.get('/readyz')).status).toBe(200);
    const client = new Client({ connectionString: store.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n, count(DISTINCT hash)::int AS distinct_n FROM drizzle.__drizzle_migrations');
      expect(rows[0].n).toBe(rows[0].distinct_n);
    } finally {
      await client.end();
    }
  });

  it('makes one Khalti payment of one order sent 20 times across the instances', async () => {
    const input = orderInput();
    const before = khalti.requests('initiate');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 3]!.gql(INITIATE, { input }, SERVER_KEY)));
    const pidxs = new Set(answers.map((answer) => answer.data.initiatePayment.payment?.pidx));
    expect(pidxs.size).toBe(1);
    expect(khalti.requests('initiate')).toBe(before + 1);
  });

  it('sends one refund upstream for 30 concurrent full refunds across the instances', async () => {
    const pidx = await completed(instances[0]!);
    const before = khalti.requests('refund');
    // Full refunds: whichever order they are decided in, only one can ever have money left to move.
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => instances[i % 3]!.gql(REFUND, { input: { pidx } }, ADMIN_KEY)));
    expect(answers.filter((answer) => answer.data?.refund?.refund?.state === 'SUCCEEDED')).toHaveLength(1);
    expect(khalti.requests('refund')).toBe(before + 1);
  });

  it('tells a subscriber on the third instance, once, of a change made through the first', async () => {
    const pidx = (await instances[0]!.gql(INITIATE, { input: orderInput() }, SERVER_KEY)).data.initiatePayment.payment.pidx;
    const active = await activeSubscriptions(instances[2]!);
    const onThird = subscribe(instances[2]!.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    await connected(onThird.client);
    // The subscription is live on the third instance (its gauge counts it) before the change is made.
    await until('the subscription to be active', async () => (await activeSubscriptions(instances[2]!)) > active);
    await khalti.control('POST', `/payments/${pidx}/complete`, {});
    await instances[0]!.gql(VERIFY, { pidx }, CLIENT_KEY);
    await onThird.waitFor(1, 15_000);
    // A later change through the second instance is the sentinel: a duplicate would come first.
    await instances[1]!.gql(REFUND, { input: { pidx, amount: 300 } }, ADMIN_KEY);
    await onThird.waitFor(2, 15_000);
    expect(onThird.events.map((event: any) => event.paymentStatusChanged.status)).toEqual(['COMPLETED', 'PARTIALLY_REFUNDED']);
    await onThird.dispose();
  });

  it('never sends again a refund whose instance was killed mid-call', async () => {
    const doomed = await startGatewayProcess(env);
    extra.push(doomed);
    const pidx = await completed(doomed);
    await khalti.control('POST', '/faults', { route: 'refund', kind: 'latency', ms: 3000, phase: 'after' });
    try {
      const before = khalti.requests('refund');
      void doomed.gql(REFUND, { input: { pidx, amount: 400 } }, ADMIN_KEY).catch(() => undefined);
      await until('the refund call to reach Khalti', async () => khalti.requests('refund') === before + 1);
      await doomed.kill9();
      // The survivors mark it UNKNOWN once no call could still run, and settle it by lookup
      // (Khalti did refund it, after the kill): SUCCEEDED, and Khalti was asked to refund once.
      const states = async () =>
        ((await instances[0]!.gql('query ($pidx: ID!) { payment(pidx: $pidx) { refunds { state } } }', { pidx }, ADMIN_KEY)).data.payment.refunds as { state: string }[]).map(
          (refund) => refund.state,
        );
      await until('the refund to be settled', async () => (await states())[0] === 'SUCCEEDED', 40_000);
      expect(khalti.requests('refund')).toBe(before + 1);
      expect(khalti.emulator.controls.payment(pidx)!.refunds.map((refund) => refund.amount)).toEqual([400]);
    } finally {
      await khalti.control('DELETE', '/faults');
    }
  }, 60_000);
});
