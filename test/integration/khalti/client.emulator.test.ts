/**
 * Contract tests: the Khalti client against the embedded emulator (src/sandbox/emulator.ts),
 * mounted on an express app on 127.0.0.1:0. Every client method, every documented error and every
 * fault kind the emulator can inject. If these pass, the gateway behaves the same against the
 * emulator as the client's fake-based tests say it does against Khalti.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { KhaltiClient, type KhaltiClientOptions } from '../../../src/khalti/khalti.client';
import { KhaltiAuthError, KhaltiNotFoundError, KhaltiRejectedError, KhaltiValidationError } from '../../../src/khalti/khalti.errors';
import { type InitiateRequest, type KhaltiCallEvent } from '../../../src/khalti/khalti.types';
import { createEmulator } from '../../../src/sandbox/emulator';
import { failureCollector } from './failures';

const SECRET = 'emulator_contract_secret_9f8e7d6c5b4a';
const TIMEOUTS = { connectMs: 500, headersMs: 2000, bodyMs: 2000, totalMs: 400 };

let server: Server;
let origin: string;
let client: KhaltiClient;
const events: KhaltiCallEvent[] = [];
/** Every hook event of the whole file (events is per test), for the secret check at the end. */
const allEvents: KhaltiCallEvent[] = [];
const { produced: producedErrors, failure, unavailable } = failureCollector();

function makeClient(overrides: Partial<KhaltiClientOptions> = {}): KhaltiClient {
  return new KhaltiClient({
    baseUrl: origin,
    secretKey: SECRET,
    timeouts: TIMEOUTS,
    retries: { max: 2, baseDelayMs: 5 },
    onCall: (e) => {
      events.push(e);
      allEvents.push(e);
    },
    ...overrides,
  });
}

interface LogEntry {
  method: string;
  path: string;
  route: string;
  hasAuthorization: boolean;
  authorized: boolean | null;
  /** The status the emulator answered with; unset while it has not answered (or never will). */
  status?: number;
}

async function control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${origin}/__control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function requestLog(route?: string): Promise<LogEntry[]> {
  const log = await control<LogEntry[] | { requests: LogEntry[] }>('GET', '/requests');
  const entries = Array.isArray(log) ? log : log.requests;
  return route ? entries.filter((e) => e.route === route) : entries;
}

async function fault(spec: Record<string, unknown>): Promise<void> {
  await control('POST', '/faults', spec);
}

let orderSeq = 0;
function order(patch: Partial<InitiateRequest> = {}): InitiateRequest {
  orderSeq += 1;
  return {
    returnUrl: 'https://shop.example/return',
    websiteUrl: 'https://shop.example/',
    amount: 1000,
    purchaseOrderId: `contract-${orderSeq}`,
    purchaseOrderName: `Contract order ${orderSeq}`,
    ...patch,
  };
}

/** A payment the buyer has paid, with its transaction id. */
async function paidPayment(patch: Partial<InitiateRequest> = {}): Promise<{ pidx: string; transactionId: string }> {
  const { pidx } = await client.initiate(order(patch));
  await control('POST', `/payments/${pidx}/complete`, { mobile: '9800000001' });
  const looked = await client.lookup(pidx);
  expect(looked.status).toBe('COMPLETED');
  return { pidx, transactionId: looked.transactionId! };
}

beforeAll(async () => {
  const app = express();
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { router } = createEmulator({ secretKey: SECRET, publicUrl: origin });
  app.use(router);
});

beforeEach(async () => {
  await control('POST', '/reset');
  events.length = 0;
  client = makeClient();
});

afterEach(async () => {
  await client.close();
  await control('DELETE', '/faults');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('initiate', () => {
  test('returns pidx, payment_url on the emulator, expires_at as a Date; the emulator saw our exact body', async () => {
    const before = Date.now();
    const result = await client.initiate(
      order({
        customerInfo: { name: 'Test Bahadur', email: 'test@khalti.com', phone: '9800000001' },
        amountBreakdown: [
          { label: 'Mark Price', amount: 900 },
          { label: 'VAT', amount: 100 },
        ],
        productDetails: [{ identity: 'p1', name: 'Thing', totalPrice: 1000, quantity: 1, unitPrice: 1000 }],
        merchantExtra: { username: 'shop', extra: 'note' },
        modes: ['KHALTI'],
        ttl: 600,
      }),
    );
    expect(result.pidx).toEqual(expect.any(String));
    expect(result.paymentUrl.startsWith(origin)).toBe(true);
    expect(result.paymentUrl).toContain(encodeURIComponent(result.pidx));
    expect(result.expiresIn).toBe(600);
    expect(result.expiresAt).toBeInstanceOf(Date);
    expect(Math.abs(result.expiresAt.getTime() - (before + 600_000))).toBeLessThan(5000);

    const state = await control<{ request: unknown; refunds: unknown[]; refundedAmount: number; mobile: string | null }>(
      'GET',
      `/payments/${result.pidx}`,
    );
    expect(state.request).toStrictEqual({
      return_url: 'https://shop.example/return',
      website_url: 'https://shop.example/',
      amount: 1000,
      purchase_order_id: `contract-${orderSeq}`,
      purchase_order_name: `Contract order ${orderSeq}`,
      customer_info: { name: 'Test Bahadur', email: 'test@khalti.com', phone: '9800000001' },
      amount_breakdown: [
        { label: 'Mark Price', amount: 900 },
        { label: 'VAT', amount: 100 },
      ],
      product_details: [{ identity: 'p1', name: 'Thing', total_price: 1000, quantity: 1, unit_price: 1000 }],
      merchant_username: 'shop',
      merchant_extra: 'note',
      modes: ['KHALTI'],
      ttl: 600,
    });
    const [entry] = await requestLog('initiate');
    expect(entry).toMatchObject({ method: 'POST', hasAuthorization: true, authorized: true });
  });

  test('every validation error at once, Khalti\'s messages verbatim', async () => {
    const err = (await failure(
      client.initiate(order({ returnUrl: '', websiteUrl: 'not a url', amount: 500, purchaseOrderName: '' })),
    )) as KhaltiValidationError;
    expect(err).toBeInstanceOf(KhaltiValidationError);
    expect(err.httpStatus).toBe(400);
    expect(err.fields).toMatchObject({
      return_url: ['This field may not be blank.'],
      website_url: ['Enter a valid URL.'],
      amount: ['Amount should be greater than Rs. 10, that is 1000 paisa.'],
      purchase_order_name: ['This field may not be blank.'],
    });
    expect(err.fields).not.toHaveProperty('error_key');
  });

  test('amount breakdown mismatch and the banking minimum', async () => {
    const a = (await failure(
      client.initiate(order({ amount: 1000, amountBreakdown: [{ label: 'x', amount: 999 }] })),
    )) as KhaltiValidationError;
    expect(a.fields.amount).toEqual(['Amount Breakdown mismatch.']);
    const b = (await failure(client.initiate(order({ amount: 5000, modes: ['MOBILE_BANKING'] })))) as KhaltiValidationError;
    expect(b.fields.amount).toEqual(['Amount should be greater than Rs. 100, that is 10000 paisa.']);
  });

  test('a wrong key is KhaltiAuthError "Invalid token." and never reaches the handler', async () => {
    const wrong = makeClient({ secretKey: 'not_the_key' });
    try {
      const err = (await failure(wrong.initiate(order()))) as KhaltiAuthError;
      expect(err).toBeInstanceOf(KhaltiAuthError);
      expect(err.detail).toBe('Invalid token.');
      expect(err.httpStatus).toBe(401);
      const [entry] = await requestLog('initiate');
      expect(entry).toMatchObject({ hasAuthorization: true, authorized: false });
    } finally {
      await wrong.close();
    }
  });
});

describe('lookup', () => {
  test('follows the payment through Initiated, Pending, Completed', async () => {
    const { pidx } = await client.initiate(order());
    await expect(client.lookup(pidx)).resolves.toMatchObject({
      pidx,
      status: 'INITIATED',
      rawStatus: 'Initiated',
      totalAmount: 1000,
      transactionId: null,
      refunded: false,
    });
    await control('POST', `/payments/${pidx}/pending`);
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'PENDING' });
    await control('POST', `/payments/${pidx}/complete`, { mobile: '9800000002' });
    const done = await client.lookup(pidx);
    expect(done).toMatchObject({ status: 'COMPLETED', rawStatus: 'Completed', totalAmount: 1000 });
    expect(done.transactionId).toEqual(expect.any(String));
  });

  test.each([
    ['cancel', 'USER_CANCELED', 'User canceled'],
    ['expire', 'EXPIRED', 'Expired'],
  ])('HTTP 400 after %s is a result: %s', async (action, status, raw) => {
    const { pidx } = await client.initiate(order());
    await control('POST', `/payments/${pidx}/${action}`);
    const result = await client.lookup(pidx);
    expect(result).toMatchObject({ pidx, status, rawStatus: raw });
    expect(events.at(-1)).toMatchObject({ operation: 'lookup', httpStatus: 400 });
    expect(events.at(-1)!.error).toBeUndefined();
    expect(await requestLog('lookup')).toHaveLength(1);
  });

  test('an unknown pidx is KhaltiNotFoundError "Not found."', async () => {
    const err = (await failure(client.lookup('doesNotExist123'))) as KhaltiNotFoundError;
    expect(err).toBeInstanceOf(KhaltiNotFoundError);
    expect(err.detail).toBe('Not found.');
    expect(await requestLog('lookup')).toHaveLength(1); // not retried
  });

  test('lookup overrides: a different total_amount is reported as is; an unknown status is UNKNOWN', async () => {
    const { pidx } = await client.initiate(order());
    await control('POST', `/payments/${pidx}/complete`, {});
    await control('POST', `/payments/${pidx}/lookup-override`, { total_amount: 999 });
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'COMPLETED', totalAmount: 999 });
    await control('POST', `/payments/${pidx}/lookup-override`, { status: 'Weird' });
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'UNKNOWN', rawStatus: 'Weird' });
    await control('POST', `/payments/${pidx}/lookup-override`, { status: 'Partially refunded' });
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'PARTIALLY_REFUNDED' });
    await control('DELETE', `/payments/${pidx}/lookup-override`);
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'COMPLETED', totalAmount: 1000, rawStatus: 'Completed' });
  });

  test('a wrong key is KhaltiAuthError', async () => {
    const wrong = makeClient({ secretKey: 'nope' });
    try {
      const err = await failure(wrong.lookup('anything'));
      expect(err).toBeInstanceOf(KhaltiAuthError);
      expect((err as KhaltiAuthError).detail).toBe('Invalid token.');
    } finally {
      await wrong.close();
    }
  });
});

describe('refund', () => {
  test('wallet: partial, then the rest; lookup follows; more than is left is refused', async () => {
    const { pidx, transactionId } = await paidPayment({ amount: 2000 });
    await expect(client.refund({ transactionId, amount: 500 })).resolves.toEqual({
      detail: 'Transaction refund successful.',
    });
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'PARTIALLY_REFUNDED', refunded: true });

    const tooMuch = (await failure(client.refund({ transactionId, amount: 1501 }))) as KhaltiRejectedError;
    expect(tooMuch).toBeInstanceOf(KhaltiRejectedError);
    expect(tooMuch.httpStatus).toBe(400);
    expect(tooMuch.detail).toMatch(/exceeds/i);

    await expect(client.refund({ transactionId })).resolves.toEqual({ detail: 'Transaction refund successful.' });
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'REFUNDED', refunded: true });

    const nothingLeft = await failure(client.refund({ transactionId }));
    expect(nothingLeft).toBeInstanceOf(KhaltiRejectedError);
    expect(await requestLog('refund')).toHaveLength(4);
  });

  test('an unpaid payment cannot be refunded', async () => {
    const { pidx } = await client.initiate(order());
    // The emulator also finds a payment by pidx, so "refund an unpaid payment" reaches its rule.
    const err = (await failure(client.refund({ transactionId: pidx }))) as KhaltiRejectedError;
    expect(err).toBeInstanceOf(KhaltiRejectedError);
    expect(err.detail).toMatch(/completed/i);
  });

  test('bank: mobile is required; with it, full and partial refunds work', async () => {
    const { pidx, transactionId } = await paidPayment({ amount: 20000, modes: ['MOBILE_BANKING'] });
    const missing = (await failure(client.refund({ transactionId, amount: 100 }))) as KhaltiValidationError;
    expect(missing).toBeInstanceOf(KhaltiValidationError);
    expect(Object.keys(missing.fields)).toContain('mobile');
    await expect(client.refund({ transactionId, mobile: '9800000001', amount: 5000 })).resolves.toEqual({
      detail: 'Transaction refund successful.',
    });
    await expect(client.refund({ transactionId, mobile: '9800000001' })).resolves.toEqual({
      detail: 'Transaction refund successful.',
    });
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'REFUNDED' });
  });

  test('an unknown transaction is KhaltiNotFoundError; odd characters stay in one path segment', async () => {
    const err = await failure(client.refund({ transactionId: 'no such/../thing' }));
    expect(err).toBeInstanceOf(KhaltiNotFoundError);
    expect((err as KhaltiNotFoundError).detail).toBe('Not found.');
  });

  test('a wrong key is KhaltiAuthError and refunds nothing', async () => {
    const { pidx, transactionId } = await paidPayment();
    const wrong = makeClient({ secretKey: 'nope' });
    try {
      expect(await failure(wrong.refund({ transactionId }))).toBeInstanceOf(KhaltiAuthError);
    } finally {
      await wrong.close();
    }
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'COMPLETED', refunded: false });
  });
});

describe('banks', () => {
  test.each([
    ['EBANKING', 'ebanking', 'hasEbanking'],
    ['MOBILE_CHECKOUT', 'mobilecheckout', 'hasMobileCheckout'],
  ] as const)('%s: every page, unauthenticated, each bank once', async (type, wireType, flag) => {
    const banks = await makeClient({ secretKey: undefined }).banks(type);
    expect(banks.length).toBeGreaterThan(10); // more than one page of 10
    expect(new Set(banks.map((b) => b.idx)).size).toBe(banks.length);
    for (const b of banks) {
      expect(b[flag]).toBe(true);
      expect(b.name).toEqual(expect.any(String));
    }
    const log = await requestLog('banks');
    expect(log).toHaveLength(Math.ceil(banks.length / 10));
    for (const entry of log) expect(entry).toMatchObject({ method: 'GET', hasAuthorization: false });
    expect(events.map((e) => e.path)).toEqual(
      log.map((_, i) => `/api/v5/bank/?payment_type=${wireType}${i === 0 ? '' : `&page=${i + 1}`}`),
    );
  });
});

describe('transactionStatus (legacy)', () => {
  test('by transaction id and amount: Complete, then Refunded; wrong amount is "Transaction not found"', async () => {
    const { transactionId } = await paidPayment({ amount: 1500 });
    await expect(client.transactionStatus(transactionId, 1500)).resolves.toEqual({
      status: true,
      state: 'Complete',
      detail: 'Transaction complete.',
    });
    await expect(client.transactionStatus(transactionId, 1000)).resolves.toEqual({
      status: false,
      state: 'Error',
      detail: 'Transaction not found',
    });
    await client.refund({ transactionId });
    await expect(client.transactionStatus(transactionId, 1500)).resolves.toMatchObject({
      status: false,
      state: 'Refunded',
    });
    const log = await requestLog('status');
    expect(log.every((e) => e.hasAuthorization && e.authorized)).toBe(true);
  });

  test('a wrong key is KhaltiAuthError', async () => {
    const wrong = makeClient({ secretKey: 'nope' });
    try {
      expect(await failure(wrong.transactionStatus('t', 1000))).toBeInstanceOf(KhaltiAuthError);
    } finally {
      await wrong.close();
    }
  });
});

describe('faults injected by the emulator', () => {
  test('latency past the total deadline -> timeout; initiate is not retried', async () => {
    await fault({ route: 'initiate', kind: 'latency', ms: 1500 });
    const t0 = Date.now();
    const err = await unavailable(client.initiate(order()), 'timeout');
    // The total deadline ended it (not the 2 s phase timers), and not early...
    expect(err.message).toMatch(/within 400 ms/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(TIMEOUTS.totalMs - 20);
    // ...and before the emulator answered: its 1.5 s delay is still running.
    expect((await requestLog('initiate')).map((entry) => entry.status)).toEqual([undefined]);
  });

  test('latency on one lookup: the retry recovers', async () => {
    const { pidx } = await client.initiate(order());
    await fault({ route: 'lookup', kind: 'latency', ms: 1500, count: 1 });
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'INITIATED' });
    expect(await requestLog('lookup')).toHaveLength(2);
    expect(events.filter((e) => e.operation === 'lookup').map((e) => e.error?.name)).toEqual([
      'KhaltiUnavailableError',
      undefined,
    ]);
  });

  test.each([500, 503, 429])('status %i -> server_error with the status', async (status) => {
    await fault({ route: 'initiate', kind: 'status', status });
    const err = await unavailable(client.initiate(order()), 'server_error');
    expect(err.httpStatus).toBe(status);
  });

  test('a status fault with Khalti\'s validation body -> the typed error', async () => {
    await fault({
      route: 'initiate',
      kind: 'status',
      status: 400,
      body: { amount: ['A valid integer is required.'], error_key: 'validation_error' },
    });
    const err = (await failure(client.initiate(order()))) as KhaltiValidationError;
    expect(err).toBeInstanceOf(KhaltiValidationError);
    expect(err.fields).toStrictEqual({ amount: ['A valid integer is required.'] });
  });

  test('an HTML 502 from a proxy -> server_error; lookup retries it away', async () => {
    await fault({ route: 'initiate', kind: 'html' });
    const err = await unavailable(client.initiate(order()), 'server_error');
    expect(err.httpStatus).toBe(502);
    expect(events.at(-1)!.response).toEqual(expect.stringContaining('502'));

    const { pidx } = await client.initiate(order());
    await fault({ route: 'lookup', kind: 'html', count: 2 });
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'INITIATED' });
    expect(await requestLog('lookup')).toHaveLength(3);
  });

  test('reset -> reset; a refund is sent exactly once', async () => {
    const { transactionId } = await paidPayment();
    await fault({ route: 'refund', kind: 'reset' });
    await unavailable(client.refund({ transactionId }), 'reset');
    expect(await requestLog('refund')).toHaveLength(1);
  });

  test('reset AFTER the refund was processed: unknown outcome to us, settled by lookup, not by resending', async () => {
    const { pidx, transactionId } = await paidPayment();
    await fault({ route: 'refund', kind: 'reset', phase: 'after' });
    await unavailable(client.refund({ transactionId }), 'reset');
    expect(await requestLog('refund')).toHaveLength(1);
    await expect(client.lookup(pidx)).resolves.toMatchObject({ status: 'REFUNDED' });
  });

  test('malformed (not JSON) -> bad_body', async () => {
    await fault({ route: 'initiate', kind: 'malformed' });
    await unavailable(client.initiate(order()), 'bad_body');
  });

  test('truncated body (connection dropped mid-body) -> bad_body; initiate after processing is not resent', async () => {
    await fault({ route: 'initiate', kind: 'truncated', phase: 'after' });
    const err = await unavailable(client.initiate(order()), 'bad_body');
    expect(err.httpStatus).toBe(200);
    expect(await requestLog('initiate')).toHaveLength(1);
  });

  test('slow body past the deadline -> timeout; banks retries the page', async () => {
    await fault({ route: 'banks', kind: 'slow-body', ms: 1500, phase: 'after' });
    const banks = await client.banks('EBANKING');
    expect(banks.length).toBeGreaterThan(10);
    const attempts = events.filter((e) => e.operation === 'banks');
    expect(attempts[0]!.error?.message).toMatch(/timeout/);
    expect(attempts[0]!.httpStatus).toBe(200);
    expect(attempts.length).toBe((await requestLog('banks')).length);
  });

  test('a fault on every route ("*") reaches transactionStatus too, and retries give up at max', async () => {
    await fault({ route: '*', kind: 'status', status: 503, count: 10 });
    await unavailable(client.transactionStatus('t', 1000), 'server_error');
    expect(await requestLog('status')).toHaveLength(3);
  });
});

describe('mounted under a path prefix, as in embedded mode', () => {
  test('baseUrl http://host/sandbox reaches the emulator at /sandbox/api/...; the hook reports the Khalti path', async () => {
    const app = express();
    const prefixed = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(prefixed.address() as AddressInfo).port}/sandbox`;
    const emulator = createEmulator({ secretKey: SECRET, publicUrl: base });
    app.use('/sandbox', emulator.router);
    const c = makeClient({ baseUrl: base });
    try {
      const { pidx, paymentUrl } = await c.initiate(order());
      expect(paymentUrl.startsWith(`${base}/`)).toBe(true);
      emulator.controls.complete(pidx);
      await expect(c.lookup(pidx)).resolves.toMatchObject({ status: 'COMPLETED' });
      expect((await c.banks('EBANKING')).length).toBeGreaterThan(10);
      expect(emulator.controls.requests().map((r) => r.route)).toEqual(['initiate', 'lookup', 'banks', 'banks']);
      expect(events.map((e) => e.path.split('?')[0])).toEqual([
        '/api/v2/epayment/initiate/',
        '/api/v2/epayment/lookup/',
        '/api/v5/bank/',
        '/api/v5/bank/',
      ]);
    } finally {
      await c.close();
      prefixed.closeAllConnections();
      await new Promise<void>((resolve) => prefixed.close(() => resolve()));
    }
  });
});

describe('secrets', () => {
  test('no hook event or error produced against the emulator contains the key', () => {
    expect(producedErrors.length).toBeGreaterThan(15);
    expect(allEvents.length).toBeGreaterThan(50);
    expect(JSON.stringify(allEvents)).not.toContain(SECRET);
    expect(inspect(allEvents, { depth: 20 })).not.toContain(SECRET);
    for (const err of producedErrors) {
      expect(String((err as Error).message)).not.toContain(SECRET);
      expect(JSON.stringify(err)).not.toContain(SECRET);
      expect(inspect(err, { depth: 20, showHidden: true })).not.toContain(SECRET);
    }
  });
});
