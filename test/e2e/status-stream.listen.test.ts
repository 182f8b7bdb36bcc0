/**
 * Event streams across instances on PostgreSQL: a change made through one instance reaches an
 * SSE subscriber (/graphql/stream) on another once, and a subscriber resuming on one instance
 * from a cursor replays changes the other made. Two gateways in this process on one fresh
 * PostgreSQL database, against one emulated Khalti (as status-events.listen.test.ts).
 */
import { gatewayEnvFor, startEmulator, type RunningEmulator } from '../support/emulator';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, type TestGateway } from '../support/gateway';
import { scrape } from '../support/metrics';
import { STATUS_CHANGED_AFTER } from '../support/operations';
import { createPostgresDatabase, type PostgresDatabase } from '../support/postgres';
import { stream } from '../support/sse';
import { changesOf, move, MOVES, newPayment, settle } from '../support/status-moves';
import { until } from '../support/until';

describe('event streams across instances on PostgreSQL', () => {
  let store: PostgresDatabase;
  let khalti: RunningEmulator;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    store = await createPostgresDatabase();
    khalti = await startEmulator();
    const env = gatewayEnvFor(khalti, store.url, { admin: ADMIN_KEY, client: CLIENT_KEY, server: SERVER_KEY });
    a = await startGateway(env);
    b = await startGateway(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await khalti?.close();
    await store?.drop();
  });

  const activeOnA = async () => (await scrape(a.app.url)).value('gateway_subscriptions_active');

  it('tells an SSE subscriber on one instance of changes made through the other, once each, and resumes across them', async () => {
    const pidx = await newPayment(b);
    const before = await activeOnA();
    const onA = stream(a.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx });
    await until('the stream to be subscribed', async () => (await activeOnA()) > before);
    await move(b, pidx, 1, khalti.control);
    await move(b, pidx, 2, khalti.control);
    await onA.waitFor(2, 10_000);
    await settle();
    expect(changesOf(onA.events)).toEqual([MOVES[0], MOVES[1]]);
    const cursor1 = onA.events[0].paymentStatusChanged.cursor as string;
    onA.dispose();

    // Changes 3 and 4 through B while nobody on A listens; A's resumed stream replays them from the log.
    await move(b, pidx, 3, khalti.control);
    const resumed = stream(a.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: cursor1 });
    expect(changesOf(await resumed.waitFor(2, 10_000))).toEqual([MOVES[1], MOVES[2]]);
    await move(b, pidx, 4, khalti.control);
    await resumed.waitFor(3, 10_000);
    await settle();
    expect(changesOf(resumed.events)).toEqual([MOVES[1], MOVES[2], MOVES[3]]);
    resumed.dispose();
  }, 30_000);
});
