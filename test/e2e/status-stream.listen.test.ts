/**
 * Event streams across instances on PostgreSQL: a change made through one instance reaches an
 * SSE subscriber (/graphql/stream) on another once, and a subscriber resuming on one instance
 * from a cursor replays changes the other made. Two gateways in this process on one fresh
 * PostgreSQL database, against one emulated Khalti (as status-events.listen.test.ts).
 */
import { CLIENT_KEY } from '../support/gateway';
import { scrape } from '../support/metrics';
import { STATUS_CHANGED_AFTER } from '../support/operations';
import { stream } from '../support/sse';
import { changesOf, move, MOVES, newPayment, settle } from '../support/status-moves';
import { twoInstancesOnPostgres } from '../support/two-instances';
import { until } from '../support/until';

describe('event streams across instances on PostgreSQL', () => {
  const instances = twoInstancesOnPostgres();

  const activeOnA = async () => (await scrape(instances.a.app.url)).value('gateway_subscriptions_active');

  it('tells an SSE subscriber on one instance of changes made through the other, once each, and resumes across them', async () => {
    const pidx = await newPayment(instances.b);
    const before = await activeOnA();
    const onA = stream(instances.a.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx });
    await until('the stream to be subscribed', async () => (await activeOnA()) > before);
    await move(instances.b, pidx, 1, instances.khalti.control);
    await move(instances.b, pidx, 2, instances.khalti.control);
    await onA.waitFor(2, 10_000);
    await settle();
    expect(changesOf(onA.events)).toEqual([MOVES[0], MOVES[1]]);
    const cursor1 = onA.events[0].paymentStatusChanged.cursor as string;
    onA.dispose();

    // Changes 3 and 4 through B while nobody on A listens; A's resumed stream replays them from the log.
    await move(instances.b, pidx, 3, instances.khalti.control);
    const resumed = stream(instances.a.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: cursor1 });
    expect(changesOf(await resumed.waitFor(2, 10_000))).toEqual([MOVES[1], MOVES[2]]);
    await move(instances.b, pidx, 4, instances.khalti.control);
    await resumed.waitFor(3, 10_000);
    await settle();
    expect(changesOf(resumed.events)).toEqual([MOVES[1], MOVES[2], MOVES[3]]);
    resumed.dispose();
  }, 30_000);
});
