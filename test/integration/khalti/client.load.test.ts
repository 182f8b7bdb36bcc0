/**
 * The Khalti client under load, through real HTTP against the recording fake on loopback: a
 * small pool with many calls (the deadline starts when a request is sent; a call that gets no
 * connection in time is refused before anything is sent), sent initiates that are never
 * abandoned while their deadline allows, and Retry-After. Times are only ever bounded from
 * below: nothing here asserts that something was fast.
 */
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { KhaltiClient, type KhaltiClientOptions } from '../../../src/khalti/khalti.client';
import { KhaltiUnavailableError } from '../../../src/khalti/khalti.errors';
import { sentTracker, whenSent } from '../../../src/khalti/khalti.sent';
import type { KhaltiCallEvent } from '../../../src/khalti/khalti.types';
import { startFake, type FakeKhalti, type Reply } from './fake-khalti';
import { failureCollector } from './failures';

const SECRET = 'test_secret_key_0c4a1f0e5d3b4e8f9a7b6c5d4e3f2a1b';
const PIDX = 'HT6o6PEZRWFJ5ygavzHWd5';

let fake: FakeKhalti;
const clients: KhaltiClient[] = [];
const events: KhaltiCallEvent[] = [];
const { failure, unavailable } = failureCollector();

function makeClient(overrides: Partial<KhaltiClientOptions> = {}): KhaltiClient {
  const client = new KhaltiClient({
    baseUrl: fake.origin,
    secretKey: SECRET,
    timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000, totalMs: 1000 },
    retries: { max: 0, baseDelayMs: 5 },
    onCall: (e) => {
      events.push(e);
    },
    ...overrides,
  });
  clients.push(client);
  return client;
}

function lookupBody(pidx = PIDX) {
  return { pidx, total_amount: 1000, status: 'Completed', transaction_id: 'GFq9PFS7b2iYvL8Lir9oXe', fee: 0, refunded: false };
}

const lookupOk: Reply = { kind: 'json', body: lookupBody() };

const initiateOk = {
  pidx: 'bZQLD9wRVWo4CdESSfuSsB',
  payment_url: 'https://test-pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB',
  expires_at: '2023-05-25T16:26:16.471649+05:45',
  expires_in: 1800,
};

const initiateInput = {
  returnUrl: 'https://shop.example/return',
  websiteUrl: 'https://shop.example/',
  amount: 1000,
  purchaseOrderId: 'order-1',
  purchaseOrderName: 'One thing',
};

/** A reply the test sends when it chooses: `release()` lets it go. */
function heldReply(reply: Reply): { reply: Reply; release: () => void } {
  let release!: () => void;
  const until = new Promise<Reply>((resolve) => (release = () => resolve(reply)));
  return { reply: { kind: 'held', until }, release };
}

beforeAll(async () => {
  fake = await startFake();
});

afterEach(async () => {
  fake.dropConnections();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  fake.reset();
  events.length = 0;
});

afterAll(async () => {
  await fake.stop();
});

describe('undici tells us when a request is sent', () => {
  test('onRequestStart comes when undici writes the request, not while it waits for a connection', async () => {
    // A bare undici Pool of one connection with the client's interceptor: the second request
    // waits inside undici for the first to finish.
    const first = heldReply({ kind: 'json', body: { n: 1 } });
    fake.reply(first.reply, { kind: 'json', body: { n: 2 } });
    const pool = new Pool(fake.origin, { connections: 1 });
    const dispatcher = pool.compose(sentTracker);
    try {
      const sent: number[] = [];
      const sentAt: number[] = [];
      const requests = [1, 2].map((n) => {
        const options = { method: 'GET' as const, path: `/r${n}` };
        whenSent(options, () => {
          sent.push(n);
          sentAt.push(performance.now());
        });
        return dispatcher.request(options).then((res) => res.body.json());
      });
      await fake.waitForRequests(1);
      // The first is on the wire; the second is queued in undici behind it and not sent.
      expect(sent).toEqual([1]);
      first.release();
      await expect(Promise.all(requests)).resolves.toEqual([{ n: 1 }, { n: 2 }]);
      expect(sent).toEqual([1, 2]);
      // The second was marked sent after the first answer was written (one connection) and
      // before the fake had it: the mark is the write, not the dispatch.
      expect(sentAt[1]).toBeGreaterThanOrEqual(fake.requests[0]!.answeredAt!);
      expect(sentAt[1]).toBeLessThanOrEqual(fake.requests[1]!.receivedAt);
    } finally {
      await pool.close();
    }
  });

  test('a request whose connection cannot be made is never marked sent', async () => {
    const port = await closedPort();
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
    const dispatcher = pool.compose(sentTracker);
    try {
      let sent = false;
      const options = { method: 'GET' as const, path: '/' };
      whenSent(options, () => (sent = true));
      await expect(dispatcher.request(options)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(sent).toBe(false);
    } finally {
      await pool.close();
    }
  });
});

describe('a small pool under many concurrent calls', () => {
  test('10 slow lookups on 2 connections: the queued ones get their full deadline once sent', async () => {
    // Each answer takes 400 ms and the deadline is 1000 ms: five rounds on two connections take
    // ~2 s, so the later calls wait longer than the deadline for a connection and still succeed.
    fake.handle((req) => ({ kind: 'later', afterMs: 400, reply: { kind: 'json', body: lookupBody((req.json as { pidx: string }).pidx) } }));
    const client = makeClient({ connections: 2, queueWaitMs: 10_000 });
    const pidxs = Array.from({ length: 10 }, (_, i) => `pidx-${i}`);
    const results = await Promise.all(pidxs.map((pidx) => client.lookup(pidx)));

    expect(results.map((r) => r.pidx)).toEqual(pidxs);
    expect(fake.requests).toHaveLength(10);
    expect(fake.maxInFlight).toBe(2);
    expect(events).toHaveLength(10);
    // The last ones waited for a connection longer than the whole deadline.
    const queued = events.map((e) => e.queuedMs!).sort((a, b) => b - a);
    expect(queued[0]).toBeGreaterThanOrEqual(1000);
    for (const e of events) expect(e.error).toBeUndefined();
    expect(client.connectionStats()).toEqual({ size: 2, inUse: 0, waiting: 0, refused: 0 });
  });

  test('calls that get no connection within queueWaitMs are refused with nothing sent, and never sent later', async () => {
    const held = [heldReply(lookupOk), heldReply(lookupOk)];
    fake.reply(held[0]!.reply, held[1]!.reply).handle(() => lookupOk);
    // Retries allowed: a refusal for want of a connection is still not retried.
    const client = makeClient({ connections: 2, queueWaitMs: 200, retries: { max: 2, baseDelayMs: 5 } });
    const calls = Array.from({ length: 10 }, () => client.lookup(PIDX));
    await fake.waitForRequests(2);

    const refused = await Promise.all(calls.slice(2).map((call) => unavailable(call, 'pool_exhausted')));
    for (const err of refused) {
      expect(err.nothingSent).toBe(true);
      expect(err.message).toBe('Khalti lookup failed (pool_exhausted): no connection to Khalti free within 200 ms (all 2 in use); nothing was sent');
      expect(err.httpStatus).toBeUndefined();
    }
    expect(client.connectionStats()).toEqual({ size: 2, inUse: 2, waiting: 0, refused: 8 });
    expect(fake.requests).toHaveLength(2);

    for (const h of held) h.release();
    await expect(Promise.all(calls.slice(0, 2))).resolves.toHaveLength(2);
    // One more call goes through next: had a refused call been left queued anywhere, it would
    // have been sent before this one.
    await client.lookup(PIDX);
    expect(fake.requests).toHaveLength(3);
    // Only calls that were sent are reported (and audited) as HTTP attempts.
    expect(events).toHaveLength(3);
  });

  test('initiate and refund refused for want of a connection say nothing was sent', async () => {
    const held = heldReply({ kind: 'json', body: initiateOk });
    fake.reply(held.reply);
    const client = makeClient({ connections: 1, queueWaitMs: 50 });
    const first = client.initiate(initiateInput);
    await fake.waitForRequests(1);
    const initiate = await unavailable(client.initiate({ ...initiateInput, purchaseOrderId: 'order-2' }), 'pool_exhausted');
    const refund = await unavailable(client.refund({ transactionId: 'GFq9PFS7b2iYvL8Lir9oXe', pidx: PIDX }), 'pool_exhausted');
    expect([initiate.nothingSent, refund.nothingSent]).toEqual([true, true]);
    held.release();
    await expect(first).resolves.toMatchObject({ pidx: initiateOk.pidx });
    expect(fake.requests).toHaveLength(1);
  });

  test('nothingSent is false once the request was sent, true when no connection could be made', async () => {
    fake.reply({ kind: 'destroy' });
    const reset = await unavailable(makeClient().initiate(initiateInput), 'reset');
    expect(reset.nothingSent).toBe(false);
    fake.reply({ kind: 'json', status: 503, body: { detail: 'busy' } });
    const busy = await unavailable(makeClient().initiate(initiateInput), 'server_error');
    expect(busy.nothingSent).toBe(false);
    fake.reply({ kind: 'hang' });
    const late = await unavailable(makeClient({ timeouts: { totalMs: 300 } }).refund({ transactionId: 'GFq9PFS7b2iYvL8Lir9oXe' }), 'timeout');
    expect(late.nothingSent).toBe(false);

    const refused = await unavailable(makeClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` }).initiate(initiateInput), 'connect');
    expect(refused.nothingSent).toBe(true);
  });
});

describe('a sent initiate is not abandoned while its deadline allows', () => {
  // Phase timeouts far below the deadline: today's defaults (10 s headers and body, 15 s total)
  // in miniature. undici's timers fire at most ~1.1 s late, so 1.8 s is past any of them.
  const timeouts = { connectMs: 1000, headersMs: 250, bodyMs: 250, totalMs: 2500 };

  test('headers that arrive long after headersMs, just before the deadline: answered', async () => {
    fake.reply({ kind: 'later', afterMs: 2100, reply: { kind: 'json', body: initiateOk } });
    const result = await makeClient({ timeouts }).initiate(initiateInput);
    expect(result.pidx).toBe(initiateOk.pidx);
    expect(fake.requests[0]!.answeredAt! - fake.requests[0]!.receivedAt).toBeGreaterThanOrEqual(2100);
    expect(events[0]!.error).toBeUndefined();
  });

  test('a body that pauses longer than bodyMs but ends before the deadline: answered', async () => {
    fake.reply({ kind: 'split', body: initiateOk, gapMs: 1800 });
    await expect(makeClient({ timeouts }).initiate(initiateInput)).resolves.toMatchObject({ pidx: initiateOk.pidx });
  });

  test('a refund is held to the deadline the same way', async () => {
    fake.reply({ kind: 'later', afterMs: 1800, reply: { kind: 'json', body: { detail: 'Transaction refund successful.' } } });
    await expect(makeClient({ timeouts }).refund({ transactionId: 'GFq9PFS7b2iYvL8Lir9oXe' })).resolves.toMatchObject({
      detail: 'Transaction refund successful.',
    });
  });

  test('an initiate queued for a connection still gets its whole deadline once sent', async () => {
    fake.handle(() => ({ kind: 'later', afterMs: 1500, reply: { kind: 'json', body: initiateOk } }));
    const client = makeClient({ timeouts: { ...timeouts, totalMs: 2000 }, connections: 1, queueWaitMs: 5000 });
    const results = await Promise.all([client.initiate(initiateInput), client.initiate({ ...initiateInput, purchaseOrderId: 'order-2' })]);
    expect(results.map((r) => r.pidx)).toEqual([initiateOk.pidx, initiateOk.pidx]);
    // The second waited for the first (1.5 s) and then took 1.5 s itself: 3 s, past a 2 s deadline counted from the queue.
    expect(fake.requests[1]!.answeredAt! - fake.requests[0]!.receivedAt).toBeGreaterThanOrEqual(3000);
  });

  test('a lookup (retried, so cut sooner) with the same timing is ended by headersMs', async () => {
    fake.reply({ kind: 'later', afterMs: 2100, reply: lookupOk });
    const err = await unavailable(makeClient({ timeouts }).lookup(PIDX), 'timeout');
    expect(err.message).toMatch(/UND_ERR_HEADERS_TIMEOUT/);
  });

  test('the deadline still ends a sent initiate that is answered too late', async () => {
    fake.reply({ kind: 'hang' });
    const err = await unavailable(makeClient({ timeouts: { ...timeouts, totalMs: 600 } }).initiate(initiateInput), 'timeout');
    expect(err.message).toMatch(/no complete answer within 600 ms/);
    expect(err.nothingSent).toBe(false);
  });
});

describe('Retry-After', () => {
  const busy = (status: 429 | 503, retryAfter: string): Reply => ({ kind: 'json', status, body: { detail: 'slow down' }, headers: { 'retry-after': retryAfter } });

  test('a lookup waits what a 503 asks before retrying', async () => {
    fake.reply(busy(503, '1'), lookupOk);
    const result = await makeClient({ timeouts: { totalMs: 3000 }, retries: { max: 2, baseDelayMs: 5 } }).lookup(PIDX);
    expect(result.pidx).toBe(PIDX);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.receivedAt - fake.requests[0]!.answeredAt!).toBeGreaterThanOrEqual(1000);
  });

  test('an HTTP-date Retry-After on a 429 is honoured too (banks)', async () => {
    // HTTP-dates have whole seconds: ask for the second after next, at least 1 s from now.
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
    const page = { total_pages: 1, total_records: 0, next: null, previous: null, record_range: [0, 0], current_page: 1, records: [] };
    fake.reply(busy(429, at.toUTCString()), { kind: 'json', body: page });
    const banks = await makeClient({ timeouts: { totalMs: 5000 }, retries: { max: 1, baseDelayMs: 5 } }).banks('EBANKING');
    expect(banks).toEqual([]);
    expect(fake.requests[1]!.receivedAt - fake.requests[0]!.answeredAt!).toBeGreaterThanOrEqual(1000);
  });

  test('a Retry-After past the deadline fails at once, saying when Khalti asked to be called again', async () => {
    fake.reply(busy(429, '30'), lookupOk);
    const before = Date.now();
    const err = await unavailable(makeClient({ timeouts: { totalMs: 3000 }, retries: { max: 2, baseDelayMs: 5 } }).lookup(PIDX), 'server_error');
    expect(err.httpStatus).toBe(429);
    expect(err.retryAfterSeconds).toBe(30);
    expect(err.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(err.message).toMatch(/Khalti asked to be called again in 30 s \(at \d{4}-\d\d-\d\dT[\d:.]+Z\), later than this call's deadline allows \(\d+ ms left of 3000 ms\); not retried/);
    expect(err.cause).toBeInstanceOf(KhaltiUnavailableError);
    // The call is over: no attempt is left to send.
    expect(fake.requests).toHaveLength(1);
  });

  test('the wait is capped by what is left of the deadline, counted from the first send', async () => {
    // Asks for 2 s after an answer that took 1.5 s of a 3 s deadline: 1.5 s left, not enough.
    fake.reply({ kind: 'later', afterMs: 1500, reply: busy(503, '2') }, lookupOk);
    const err = await unavailable(makeClient({ timeouts: { totalMs: 3000 }, retries: { max: 2, baseDelayMs: 5 } }).lookup(PIDX), 'server_error');
    expect(err.message).toMatch(/asked to be called again in 2 s .* later than this call's deadline allows/);
    expect(fake.requests).toHaveLength(1);
  });

  test('initiate and refund are never retried, and their error carries the retry-after seconds', async () => {
    fake.reply(busy(503, '7'), busy(429, '12'));
    const client = makeClient({ retries: { max: 2, baseDelayMs: 5 } });
    const initiate = await unavailable(client.initiate(initiateInput), 'server_error');
    const refund = await unavailable(client.refund({ transactionId: 'GFq9PFS7b2iYvL8Lir9oXe' }), 'server_error');
    expect([initiate.retryAfterSeconds, refund.retryAfterSeconds]).toEqual([7, 12]);
    expect(initiate.message).toBe('Khalti initiate failed (server_error): HTTP 503; Khalti asked to be called again in 7 s');
    expect(fake.requests).toHaveLength(2);
  });

  test('a 503 without Retry-After keeps the ordinary backoff; an unreadable one is ignored', async () => {
    fake.reply({ kind: 'json', status: 503, body: {} }, busy(503, 'soon'), lookupOk);
    await expect(makeClient({ retries: { max: 2, baseDelayMs: 5 } }).lookup(PIDX)).resolves.toMatchObject({ pidx: PIDX });
    expect(fake.requests).toHaveLength(3);
    const err = (await failure(makeClient({ retries: { max: 0 } }).lookup(PIDX))) as KhaltiUnavailableError;
    expect(err.retryAfterSeconds).toBeUndefined();
  });
});

async function closedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
