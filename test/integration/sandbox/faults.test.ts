/**
 * Each fault kind, observed the way a client sees it: over a real socket, with undici.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { FaultSpec } from '../../../src/sandbox/emulator';
import { AUTH, startHarness, validInitiate, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.controls.reset());

const fault = (spec: FaultSpec) => h.emulator.controls.addFault(spec);

interface RawOutcome {
  status?: number;
  headers?: Record<string, unknown>;
  text?: string;
  /** Where it failed: no response at all, or a response whose body broke. */
  failed?: 'request' | 'body';
  error?: Error & { code?: string };
  headersAtMs?: number;
  totalMs: number;
}

/** One request with undici, reporting failures instead of throwing. */
async function raw(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  /** Give up after this many ms (an AbortSignal: undici's own timeouts tick at ~1 s resolution). */
  abortAfterMs?: number,
): Promise<RawOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let res;
  try {
    res = await request(`${h.root}${path}`, {
      method,
      headers: { authorization: AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: h.agent,
      ...(abortAfterMs !== undefined ? { signal: AbortSignal.timeout(abortAfterMs) } : {}),
    });
  } catch (error) {
    return { failed: 'request', error: error as Error, totalMs: elapsed() };
  }
  const headersAtMs = elapsed();
  try {
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, headersAtMs, totalMs: elapsed() };
  } catch (error) {
    return { status: res.statusCode, failed: 'body', error: error as Error, headersAtMs, totalMs: elapsed() };
  }
}

const INITIATE = '/api/v2/epayment/initiate/';
const LOOKUP = '/api/v2/epayment/lookup/';
const refundPath = (txn: string) => `/api/merchant-transaction/${txn}/refund/`;

async function paid(amount = 5000) {
  const p = await h.initiate({ amount });
  return { pidx: p.pidx, txn: h.emulator.controls.complete(p.pidx).transactionId! };
}

describe('latency', () => {
  it('delays the answer by roughly ms, then answers normally', async () => {
    fault({ route: 'banks', kind: 'latency', ms: 300 });
    const slow = await raw('GET', '/api/v5/bank/?payment_type=ebanking');
    expect(slow.status).toBe(200);
    expect(JSON.parse(slow.text!).records.length).toBeGreaterThan(0);
    expect(slow.totalMs).toBeGreaterThanOrEqual(280);
    // The fault was used up by that request: the next one carries none (it is not delayed).
    expect(h.emulator.controls.faults()).toHaveLength(0);
    const fast = await raw('GET', '/api/v5/bank/?payment_type=ebanking');
    expect(fast.status).toBe(200);
    expect(h.emulator.controls.requests().map((entry) => entry.fault?.kind)).toEqual(['latency', undefined]);
  });

  it("phase 'before': a client that times out first leaves the request unprocessed", async () => {
    fault({ route: 'initiate', kind: 'latency', ms: 400 });
    const r = await raw('POST', INITIATE, validInitiate({ purchase_order_id: 'gave-up' }), 100);
    // The client's own timeout ended it, not an answer or a broken socket.
    expect(r.failed).toBe('request');
    expect(r.error?.name).toBe('TimeoutError');
    // A later request delayed as long: the emulator's delay for the first one ends before this
    // one's, so once it is answered the first has been dropped or processed.
    fault({ route: 'initiate', kind: 'latency', ms: 400 });
    const sentinel = await raw('POST', INITIATE, validInitiate({ purchase_order_id: 'sentinel' }));
    expect(sentinel.status).toBe(200);
    expect(h.emulator.controls.payments().map((payment) => payment.purchaseOrderId)).toEqual(['sentinel']);
    expect(h.emulator.controls.requests().map((entry) => entry.status)).toEqual([undefined, 200]);
  });

  it("phase 'after': the request takes effect although the client timed out (outcome unknown)", async () => {
    const { pidx, txn } = await paid();
    fault({ route: 'refund', kind: 'latency', ms: 400, phase: 'after' });
    const r = await raw('POST', refundPath(txn), {}, 100);
    // The client's own timeout ended it, before any answer.
    expect(r.failed).toBe('request');
    expect(r.error?.name).toBe('TimeoutError');
    expect((await h.lookup(pidx)).json.status).toBe('Refunded');
  });
});

describe('status', () => {
  it('answers 500 with a JSON detail by default, without processing', async () => {
    fault({ route: 'initiate', kind: 'status' });
    const r = await raw('POST', INITIATE, validInitiate());
    expect(r.status).toBe(500);
    expect(JSON.parse(r.text!)).toEqual({ detail: 'A server error occurred.' });
    expect(h.emulator.controls.payments()).toHaveLength(0);
  });

  it('answers the given status and body', async () => {
    fault({ route: 'lookup', kind: 'status', status: 429, body: { detail: 'Request was throttled. Expected available in 3 seconds.' } });
    const r = await raw('POST', LOOKUP, { pidx: 'x' });
    expect(r.status).toBe(429);
    expect(JSON.parse(r.text!).detail).toContain('throttled');
  });

  it("phase 'after': a refund answered 503 did happen", async () => {
    const { pidx, txn } = await paid();
    fault({ route: 'refund', kind: 'status', status: 503, phase: 'after' });
    const r = await raw('POST', refundPath(txn), { amount: 1000 });
    expect(r.status).toBe(503);
    expect((await h.lookup(pidx)).json.status).toBe('Partially Refunded');
  });
});

it('html: a proxy-style HTML error page, 502 by default', async () => {
  fault({ route: 'lookup', kind: 'html' });
  const r = await raw('POST', LOOKUP, { pidx: 'x' });
  expect(r.status).toBe(502);
  expect(r.headers!['content-type']).toMatch(/^text\/html/);
  expect(r.text).toContain('<h1>502 Bad Gateway</h1>');
  expect(() => JSON.parse(r.text!)).toThrow();
});

describe('reset', () => {
  it('destroys the socket without an answer: the client gets a socket error', async () => {
    fault({ route: 'initiate', kind: 'reset' });
    const r = await raw('POST', INITIATE, validInitiate());
    expect(r.failed).toBe('request');
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(r.error?.code);
    expect(h.emulator.controls.payments()).toHaveLength(0);
  });

  it("phase 'after': the initiate happened although the connection was reset", async () => {
    fault({ route: 'initiate', kind: 'reset', phase: 'after' });
    const r = await raw('POST', INITIATE, validInitiate({ purchase_order_id: 'reset-after' }));
    expect(r.failed).toBe('request');
    expect(h.emulator.controls.payments().map((p) => p.purchaseOrderId)).toEqual(['reset-after']);
  });
});

it('malformed: 200 application/json whose body is not JSON (the real answer is behind it)', async () => {
  const p = await h.initiate();
  fault({ route: 'lookup', kind: 'malformed', phase: 'after' });
  const r = await raw('POST', LOOKUP, { pidx: p.pidx });
  expect(r.status).toBe(200);
  expect(r.headers!['content-type']).toBe('application/json');
  expect(() => JSON.parse(r.text!)).toThrow(SyntaxError);
  expect(r.text).toContain(p.pidx);
});

describe('truncated', () => {
  it('sends headers and part of the body, then closes: reading the body fails', async () => {
    const p = await h.initiate();
    fault({ route: 'lookup', kind: 'truncated', phase: 'after' });
    const r = await raw('POST', LOOKUP, { pidx: p.pidx });
    expect(r.status).toBe(200);
    expect(r.failed).toBe('body');
  });

  it("phase 'after' on refund: the refund happened though the answer broke", async () => {
    const { pidx, txn } = await paid();
    fault({ route: 'refund', kind: 'truncated', phase: 'after' });
    const r = await raw('POST', refundPath(txn), {});
    expect(r.failed).toBe('body');
    expect((await h.lookup(pidx)).json.status).toBe('Refunded');
  });

  it("phase 'before': nothing happens", async () => {
    const { pidx, txn } = await paid();
    fault({ route: 'refund', kind: 'truncated' });
    expect((await raw('POST', refundPath(txn), {})).failed).toBe('body');
    expect((await h.lookup(pidx)).json.status).toBe('Completed');
  });
});

describe('slow-body', () => {
  it('headers at once, the rest of the body after ms; the body is complete', async () => {
    const p = await h.initiate();
    fault({ route: 'lookup', kind: 'slow-body', ms: 400, phase: 'after' });
    const r = await raw('POST', LOOKUP, { pidx: p.pidx });
    expect(r.status).toBe(200);
    // The rest of the body came at least ms after the headers: the headers did not wait for it.
    expect(r.totalMs - r.headersAtMs!).toBeGreaterThanOrEqual(380);
    expect(JSON.parse(r.text!)).toMatchObject({ pidx: p.pidx, status: 'Initiated' });
  });

  it('a client that gives up before the rest arrives fails reading the body, not the headers', async () => {
    const p = await h.initiate();
    fault({ route: 'lookup', kind: 'slow-body', ms: 500, phase: 'after' });
    const r = await raw('POST', LOOKUP, { pidx: p.pidx }, 150);
    expect(r.status).toBe(200);
    expect(r.failed).toBe('body');
  });
});

describe('matching', () => {
  it('applies to the next count matching requests only, and only on its route', async () => {
    const p = await h.initiate();
    fault({ route: 'lookup', kind: 'status', count: 2 });
    expect((await raw('GET', '/api/v5/bank/?payment_type=ebanking')).status).toBe(200);
    expect((await raw('POST', LOOKUP, { pidx: p.pidx })).status).toBe(500);
    expect((await raw('POST', LOOKUP, { pidx: p.pidx })).status).toBe(500);
    expect((await raw('POST', LOOKUP, { pidx: p.pidx })).status).toBe(200);
  });

  it("'*' matches every API route; faults apply oldest first; the log names the fault", async () => {
    const first = fault({ route: '*', kind: 'status', status: 503 });
    fault({ route: 'banks', kind: 'html' });
    expect((await raw('GET', '/api/v5/bank/?payment_type=ebanking')).status).toBe(503);
    expect((await raw('GET', '/api/v5/bank/?payment_type=ebanking')).status).toBe(502);
    expect((await raw('GET', '/api/v5/bank/?payment_type=ebanking')).status).toBe(200);
    const log = h.emulator.controls.requests();
    expect(log[0]!.fault).toEqual({ id: first.id, kind: 'status', phase: 'before' });
    expect(log[2]!.fault).toBeUndefined();
  });

  it('faults never touch the payment page or the controls', async () => {
    const p = await h.initiate();
    fault({ route: '*', kind: 'reset' });
    expect((await h.get(`/pay?pidx=${p.pidx}`, { auth: null })).status).toBe(200);
    expect((await h.get('/__control/payments', { auth: null })).status).toBe(200);
    expect(h.emulator.controls.faults()).toHaveLength(1);
  });
});
