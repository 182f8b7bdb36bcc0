/**
 * paymentStatusChanged(pidx, after): a subscriber resumes from the cursor of the last change it
 * saw and gets every later change from the log, in order, exactly once, then live ones. Over the
 * WebSocket (graphql-ws client), against the real gateway and its embedded emulator, on the
 * suite's engine.
 */
import { CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { scrape } from '../support/metrics';
import { STATUS_CHANGED_AFTER } from '../support/operations';
import { changesOf, move, MOVES, newPayment, settle } from '../support/status-moves';
import { connected, subscribe } from '../support/subscriptions';
import { until } from '../support/until';

describe('resuming paymentStatusChanged from a cursor (WebSocket)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  const active = async () => (await scrape(gateway.app.url)).value('gateway_subscriptions_active');

  /** A live subscriber sees change 1; returns its cursor. */
  const firstChangeCursor = async (pidx: string): Promise<string> => {
    const before = await active();
    const live = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx });
    await connected(live.client);
    await until('the subscription to be active', async () => (await active()) > before);
    await move(gateway, pidx, 1);
    const [first] = await live.waitFor(1);
    await live.dispose();
    expect(changesOf([first])).toEqual([MOVES[0]]);
    return first.paymentStatusChanged.cursor as string;
  };

  it('after a disconnect, replays what happened meanwhile in order, exactly once, then live changes', async () => {
    const pidx = await newPayment(gateway);
    const cursor1 = await firstChangeCursor(pidx);
    expect(typeof cursor1).toBe('string');
    await move(gateway, pidx, 2);
    await move(gateway, pidx, 3);

    const resumed = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: cursor1 });
    const replayed = await resumed.waitFor(2);
    expect(changesOf(replayed)).toEqual([MOVES[1], MOVES[2]]);
    // A replayed change carries the payment as it is now.
    expect(replayed.map((event) => event.paymentStatusChanged.payment.status)).toEqual(['PARTIALLY_REFUNDED', 'PARTIALLY_REFUNDED']);

    await move(gateway, pidx, 4);
    await resumed.waitFor(3);
    await settle();
    expect(changesOf(resumed.events)).toEqual([MOVES[1], MOVES[2], MOVES[3]]);
    expect(resumed.errors).toEqual([]);
    const cursors = resumed.events.map((event) => event.paymentStatusChanged.cursor);
    expect(new Set([cursor1, ...cursors]).size).toBe(4);
    expect(resumed.events[2].paymentStatusChanged.payment).toEqual({ status: 'REFUNDED', refundedAmount: 1300 });
    await resumed.dispose();

    // The cursor is stable: resuming from the same one again gives the same changes, with the same cursors.
    const again = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: cursor1 });
    await again.waitFor(3);
    await settle();
    expect(again.events.map((event) => event.paymentStatusChanged.cursor)).toEqual(cursors);
    await again.dispose();
  });

  it('a subscriber that starts after changes catches up from an earlier cursor; two with the same cursor at different times each get the whole replay', async () => {
    const pidx = await newPayment(gateway);
    const cursor1 = await firstChangeCursor(pidx);
    await move(gateway, pidx, 2);

    const early = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: cursor1 });
    expect(changesOf(await early.waitFor(1))).toEqual([MOVES[1]]);
    await move(gateway, pidx, 3);
    await early.waitFor(2);

    // Same document, same variables, same role, joining later: it must not join `early`'s execution.
    const late = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: cursor1 });
    expect(changesOf(await late.waitFor(2))).toEqual([MOVES[1], MOVES[2]]);

    await move(gateway, pidx, 4);
    await early.waitFor(3);
    await late.waitFor(3);
    await settle();
    expect(changesOf(early.events)).toEqual([MOVES[1], MOVES[2], MOVES[3]]);
    expect(changesOf(late.events)).toEqual([MOVES[1], MOVES[2], MOVES[3]]);
    await early.dispose();
    await late.dispose();
  });

  const readWithCursor = async (pidx: string): Promise<{ status: string; statusCursor: string }> => {
    const { data, errors } = await gateway.gql(`query ($pidx: ID!) { payment(pidx: $pidx) { status statusCursor } }`, { pidx });
    expect(errors).toBeUndefined();
    return data.payment;
  };

  it('a subscriber with no cursor of its own reads payment.statusCursor and subscribes after it: it gets exactly the changes since its read', async () => {
    const pidx = await newPayment(gateway);
    // Read, then changes happen before the app gets round to subscribing.
    const read = await readWithCursor(pidx);
    expect(read.status).toBe('INITIATED');
    await move(gateway, pidx, 1);
    await move(gateway, pidx, 2);
    const catching = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: read.statusCursor });
    expect(changesOf(await catching.waitFor(2))).toEqual([MOVES[0], MOVES[1]]);
    await move(gateway, pidx, 3);
    await catching.waitFor(3);
    await settle();
    expect(changesOf(catching.events)).toEqual([MOVES[0], MOVES[1], MOVES[2]]);
    await catching.dispose();

    // A read after those changes names the last of them: subscribing after it replays nothing already seen.
    const later = await readWithCursor(pidx);
    expect(later.status).toBe('PARTIALLY_REFUNDED');
    expect(later.statusCursor).toBe(catching.events[2].paymentStatusChanged.cursor);
    const current = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: later.statusCursor });
    await connected(current.client);
    await move(gateway, pidx, 4);
    await current.waitFor(1);
    await settle();
    expect(changesOf(current.events)).toEqual([MOVES[3]]);
    await current.dispose();
  });

  it('names the change that set the status as read, even when a later change is already in the log', async () => {
    const pidx = await newPayment(gateway);
    const cursor1 = await firstChangeCursor(pidx);
    // The log is read after the row: a change committed in between must not be skipped.
    const audit = gateway.app.services.audit;
    const readChanges = audit.statusChangesOfPayments.bind(audit);
    jest.spyOn(audit, 'statusChangesOfPayments').mockImplementationOnce(async (...args) => {
      await move(gateway, pidx, 2);
      return readChanges(...args);
    });
    const read = await readWithCursor(pidx);
    expect(read.status).toBe('PENDING');
    expect(read.statusCursor).toBe(cursor1);
    const catching = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: read.statusCursor });
    expect(changesOf(await catching.waitFor(1))).toEqual([MOVES[1]]);
    await catching.dispose();
  });

  /** Holds the resumed subscription's log read: `before` the query runs, or after it returned (`after`). */
  const holdLogRead = (when: 'before' | 'after') => {
    const audit = gateway.app.services.audit;
    const original = audit.statusChangesOf.bind(audit);
    let reached!: () => void;
    const reachedGate = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    jest.spyOn(audit, 'statusChangesOf').mockImplementation(async (...args) => {
      if (when === 'before') {
        reached();
        await gate;
        return original(...args);
      }
      const rows = await original(...args);
      reached();
      await gate;
      return rows;
    });
    return { reached: reachedGate, release };
  };

  it.each(['before', 'after'] as const)('a change committed while the log is being read (%s the query) arrives exactly once', async (when) => {
    const pidx = await newPayment(gateway);
    const cursor1 = await firstChangeCursor(pidx);
    const hold = holdLogRead(when);
    const resumed = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: cursor1 });
    await hold.reached;
    // Committed and published while the replay is held: live (buffered) and, when the query runs
    // after it, in the log too.
    await move(gateway, pidx, 2);
    await settle(200);
    hold.release();
    expect(changesOf(await resumed.waitFor(1))).toEqual([MOVES[1]]);
    await move(gateway, pidx, 3);
    await resumed.waitFor(2);
    await settle();
    expect(changesOf(resumed.events)).toEqual([MOVES[1], MOVES[2]]);
    expect(resumed.errors).toEqual([]);
    await resumed.dispose();
  });

  it('refuses a malformed or foreign cursor with an error naming after', async () => {
    const pidx = await newPayment(gateway);
    const other = await newPayment(gateway);
    const otherCursor = await firstChangeCursor(other);
    const connectionCursor = Buffer.from(JSON.stringify({ id: 1 })).toString('base64url');
    for (const after of ['not a cursor', connectionCursor, Buffer.from('sc:0').toString('base64url'), Buffer.from('sc:12x').toString('base64url'), `${otherCursor}=`, otherCursor]) {
      const refused = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after });
      await until(`an error for ${after}`, () => refused.errors.length > 0, 5000);
      const [errors] = refused.errors as { message: string; extensions: { code: string } }[][];
      expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^after: /), extensions: { code: 'BAD_USER_INPUT' } })]);
      await refused.dispose();
    }
  });
});
