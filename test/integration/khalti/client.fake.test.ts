/**
 * The Khalti client against a recording fake: exact wire format, error mapping, faults,
 * retries and the per-attempt hook. Nothing here contacts Khalti.
 */
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { KhaltiClient, type KhaltiClientOptions } from '../../../src/khalti/khalti.client';
import { KhaltiAuthError, KhaltiError, KhaltiNotFoundError, KhaltiRejectedError, KhaltiValidationError, type UnavailableReason } from '../../../src/khalti/khalti.errors';
import { PERSONAL_DATA } from '../../../src/khalti/khalti.redact';
import { type KhaltiCallEvent } from '../../../src/khalti/khalti.types';
import { startFake, type FakeKhalti, type Reply } from './fake-khalti';
import { failureCollector } from './failures';

const SECRET = 'test_secret_key_f59e8b7d18b4499ca40f68195a846e9b';
const PIDX = 'HT6o6PEZRWFJ5ygavzHWd5';

/** Small timeouts so every fault resolves fast; the assertions below bound elapsed time from below by them. */
const TIMEOUTS = { connectMs: 500, headersMs: 250, bodyMs: 250, totalMs: 700 };

let fake: FakeKhalti;
let client: KhaltiClient | undefined;
const events: KhaltiCallEvent[] = [];
/** Every error any test in this file produced, for the secret-leak check at the end. */
const { produced: producedErrors, failure, unavailable } = failureCollector();

function makeClient(overrides: Partial<KhaltiClientOptions> = {}): KhaltiClient {
  client = new KhaltiClient({
    baseUrl: fake.origin,
    secretKey: SECRET,
    timeouts: TIMEOUTS,
    retries: { max: 2, baseDelayMs: 5 },
    onCall: (e) => {
      events.push(e);
    },
    ...overrides,
  });
  return client;
}

const initiateOk = {
  pidx: 'bZQLD9wRVWo4CdESSfuSsB',
  payment_url: 'https://test-pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB',
  expires_at: '2023-05-25T16:26:16.471649+05:45',
  expires_in: 1800,
};

function lookupBody(status: string, extra: Record<string, unknown> = {}) {
  return {
    pidx: PIDX,
    total_amount: 1000,
    status,
    transaction_id: status === 'Completed' ? 'GFq9PFS7b2iYvL8Lir9oXe' : null,
    fee: 0,
    refunded: false,
    ...extra,
  };
}

const minimalInitiate = {
  returnUrl: 'https://shop.example/return',
  websiteUrl: 'https://shop.example/',
  amount: 1000,
  purchaseOrderId: 'order-1',
  purchaseOrderName: 'One thing',
};

function bankRecord(n: number) {
  return {
    idx: `bank-${n}`,
    name: `Bank ${n}`,
    short_name: `B${n}`,
    logo: `https://static.example/b${n}.png`,
    swift_code: `SWIFT${n}`,
    has_cardpayment: false,
    address: 'Kathmandu',
    ebanking_url: '',
    has_ebanking: true,
    has_mobile_checkout: n % 2 === 0,
    has_direct_withdraw: true,
    has_nchl: false,
    has_mobile_banking: false,
    play_store: '',
    app_store: '',
    branches: [],
  };
}

function bankPage(page: number, totalPages: number, records: unknown[]) {
  return {
    total_pages: totalPages,
    total_records: records.length * totalPages,
    // Khalti's absolute next URL; pointing elsewhere to prove it is never followed.
    next: page < totalPages ? `http://evil.invalid/api/v5/bank/?page=${page + 1}` : null,
    previous: null,
    record_range: [1, records.length],
    current_page: page,
    records,
  };
}

beforeAll(async () => {
  fake = await startFake();
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  fake.reset();
  events.length = 0;
});

afterAll(async () => {
  await fake.stop();
});

describe('wire format', () => {
  test('initiate sends every field in snake_case, merchant_* top-level, integer amounts, with Key auth', async () => {
    fake.reply({ kind: 'json', body: initiateOk });
    const result = await makeClient().initiate({
      ...minimalInitiate,
      amount: 1300,
      customerInfo: { name: 'Khalti Bahadur', email: 'example@gmail.com', phone: '9800000123' },
      amountBreakdown: [
        { label: 'Mark Price', amount: 1000 },
        { label: 'VAT', amount: 300 },
      ],
      productDetails: [{ identity: '1234567890', name: 'Khalti logo', totalPrice: 1300, quantity: 1, unitPrice: 1300 }],
      merchantExtra: { username: 'merchant_name', extra: 'merchant_extra' },
      modes: ['KHALTI', 'MOBILE_BANKING'],
      bank: 'ayCEFuEpkmkjBj3WVWRh32',
      ttl: 1000,
    });

    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/v2/epayment/initiate/');
    expect(req.headers.authorization).toBe(`Key ${SECRET}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.accept).toBe('application/json');
    expect(req.json).toStrictEqual({
      return_url: 'https://shop.example/return',
      website_url: 'https://shop.example/',
      amount: 1300,
      purchase_order_id: 'order-1',
      purchase_order_name: 'One thing',
      customer_info: { name: 'Khalti Bahadur', email: 'example@gmail.com', phone: '9800000123' },
      amount_breakdown: [
        { label: 'Mark Price', amount: 1000 },
        { label: 'VAT', amount: 300 },
      ],
      product_details: [{ identity: '1234567890', name: 'Khalti logo', total_price: 1300, quantity: 1, unit_price: 1300 }],
      merchant_username: 'merchant_name',
      merchant_extra: 'merchant_extra',
      modes: ['KHALTI', 'MOBILE_BANKING'],
      bank: 'ayCEFuEpkmkjBj3WVWRh32',
      ttl: 1000,
    });
    // Integers on the wire, not "1300" or 1300.0-ish text.
    expect(req.body).toContain('"amount":1300');

    expect(result).toEqual({
      pidx: 'bZQLD9wRVWo4CdESSfuSsB',
      paymentUrl: 'https://test-pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB',
      expiresAt: new Date('2023-05-25T10:41:16.471Z'),
      expiresIn: 1800,
    });
    expect(result.expiresAt).toBeInstanceOf(Date);
  });

  test('initiate omits absent optional fields entirely', async () => {
    fake.reply({ kind: 'json', body: initiateOk });
    await makeClient().initiate({ ...minimalInitiate, customerInfo: { name: 'Only Name' } });
    expect(fake.requests[0]!.json).toStrictEqual({
      return_url: 'https://shop.example/return',
      website_url: 'https://shop.example/',
      amount: 1000,
      purchase_order_id: 'order-1',
      purchase_order_name: 'One thing',
      customer_info: { name: 'Only Name' },
    });
  });

  test.each([
    ['fraction', 10.5],
    ['unsafe integer', 2 ** 53],
    ['NaN', Number.NaN],
    ['string', '1000' as unknown as number],
  ])('initiate refuses a %s amount with a TypeError before sending', async (_label, amount) => {
    const c = makeClient();
    await expect(c.initiate({ ...minimalInitiate, amount })).rejects.toThrow(TypeError);
    await expect(
      c.initiate({ ...minimalInitiate, amountBreakdown: [{ label: 'x', amount }] }),
    ).rejects.toThrow(TypeError);
    await expect(c.refund({ transactionId: 't', amount })).rejects.toThrow(TypeError);
    await expect(c.transactionStatus('t', amount)).rejects.toThrow(TypeError);
    expect(fake.requests).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  test('lookup posts {pidx} with Key auth and maps the result', async () => {
    fake.reply({ kind: 'json', body: lookupBody('Completed', { fee: 30 }) });
    const result = await makeClient().lookup(PIDX);
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/v2/epayment/lookup/');
    expect(req.headers.authorization).toBe(`Key ${SECRET}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.accept).toBe('application/json');
    expect(req.json).toStrictEqual({ pidx: PIDX });
    expect(result).toStrictEqual({
      pidx: PIDX,
      totalAmount: 1000,
      status: 'COMPLETED',
      rawStatus: 'Completed',
      transactionId: 'GFq9PFS7b2iYvL8Lir9oXe',
      fee: 30,
      refunded: false,
    });
  });

  test.each([
    ['Pending', 'PENDING'],
    ['Initiated', 'INITIATED'],
    ['Refunded', 'REFUNDED'],
    ['Partially Refunded', 'PARTIALLY_REFUNDED'],
    ['Partially refunded', 'PARTIALLY_REFUNDED'],
    ['Something New', 'UNKNOWN'],
  ])('lookup 200 %s -> %s, raw status kept', async (raw, mapped) => {
    fake.reply({ kind: 'json', body: lookupBody(raw) });
    const result = await makeClient().lookup(PIDX);
    expect(result.status).toBe(mapped);
    expect(result.rawStatus).toBe(raw);
  });

  test.each([
    ['Expired', 'EXPIRED'],
    ['User canceled', 'USER_CANCELED'],
  ])('lookup HTTP 400 %s is a result, not an error', async (raw, mapped) => {
    fake.reply({ kind: 'json', status: 400, body: lookupBody(raw) });
    const result = await makeClient().lookup(PIDX);
    expect(result).toMatchObject({ pidx: PIDX, status: mapped, rawStatus: raw, transactionId: null, totalAmount: 1000 });
    expect(fake.requests).toHaveLength(1); // a result is not retried
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ httpStatus: 400, attempt: 1 });
    expect(events[0]!.error).toBeUndefined();
  });

  test('a lookup answer about another pidx is never applied (bad_body)', async () => {
    fake.handle(() => ({ kind: 'json', body: lookupBody('Completed', { pidx: 'someone-else' }) }));
    await unavailable(makeClient({ retries: { max: 0 } }).lookup(PIDX), 'bad_body');
  });

  test.each([
    ['wallet full', {}, {}],
    ['wallet partial', { amount: 500 }, { amount: 500 }],
    ['bank full', { mobile: '9800000001' }, { mobile: '9800000001' }],
    ['bank partial', { mobile: '9800000001', amount: 700 }, { mobile: '9800000001', amount: 700 }],
  ])('refund %s: exact body, path without /v2', async (_label, input, wire) => {
    fake.reply({ kind: 'json', body: { detail: 'Transaction refund successful.' } });
    const result = await makeClient().refund({ transactionId: 'GFq9PFS7b2iYvL8Lir9oXe', ...input });
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/merchant-transaction/GFq9PFS7b2iYvL8Lir9oXe/refund/');
    expect(req.headers.authorization).toBe(`Key ${SECRET}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toStrictEqual(wire);
    expect(result).toStrictEqual({ detail: 'Transaction refund successful.' });
  });

  test('refund encodes the transaction id into one path segment', async () => {
    fake.reply({ kind: 'json', body: { detail: 'Transaction refund successful.' } });
    await makeClient().refund({ transactionId: '../../v2/x y?z' });
    expect(fake.requests[0]!.path).toBe('/api/merchant-transaction/..%2F..%2Fv2%2Fx%20y%3Fz/refund/');
  });

  test('banks: no Authorization header, follows 3 pages on our own origin, maps records', async () => {
    fake.handle((req) => {
      const page = Number(req.query.page ?? '1');
      return { kind: 'json', body: bankPage(page, 3, [bankRecord(page * 10 + 1), bankRecord(page * 10 + 2)]) };
    });
    const banks = await makeClient().banks('MOBILE_CHECKOUT');
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/api/v5/bank/?payment_type=mobilecheckout',
      '/api/v5/bank/?payment_type=mobilecheckout&page=2',
      '/api/v5/bank/?payment_type=mobilecheckout&page=3',
    ]);
    for (const req of fake.requests) {
      expect(req.method).toBe('GET');
      expect(req.headers).not.toHaveProperty('authorization');
      expect(req.body).toBe('');
    }
    expect(banks.map((b) => b.idx)).toEqual(['bank-11', 'bank-12', 'bank-21', 'bank-22', 'bank-31', 'bank-32']);
    expect(banks[1]).toStrictEqual({
      idx: 'bank-12',
      name: 'Bank 12',
      shortName: 'B12',
      logo: 'https://static.example/b12.png',
      swiftCode: 'SWIFT12',
      address: 'Kathmandu',
      ebankingUrl: null, // "" means not given
      hasEbanking: true,
      hasMobileCheckout: true,
      hasMobileBanking: false,
      hasCardPayment: false,
      hasDirectWithdraw: true,
      hasNchl: false,
      playStore: null,
      appStore: null,
    });
  });

  test('banks works without a secret key; ebanking maps to payment_type=ebanking', async () => {
    fake.reply({ kind: 'json', body: bankPage(1, 1, [bankRecord(1)]) });
    const banks = await makeClient({ secretKey: undefined }).banks('EBANKING');
    expect(banks).toHaveLength(1);
    expect(fake.requests[0]!.path).toBe('/api/v5/bank/?payment_type=ebanking');
    expect(fake.requests[0]!.headers).not.toHaveProperty('authorization');
  });

  test('banks: an empty list (0 pages) is an empty result', async () => {
    fake.reply({ kind: 'json', body: { ...bankPage(1, 0, []), current_page: 1 } });
    await expect(makeClient().banks('EBANKING')).resolves.toEqual([]);
  });

  test('banks refuses an envelope that does not advance (would loop) and caps the page count', async () => {
    fake.handle(() => ({ kind: 'json', body: bankPage(1, 3, [bankRecord(1)]) }));
    await unavailable(makeClient({ retries: { max: 0 } }).banks('EBANKING'), 'bad_body');
    expect(fake.requests).toHaveLength(2);

    fake.reset();
    fake.handle((req) => ({ kind: 'json', body: bankPage(Number(req.query.page ?? '1'), 10_000, [bankRecord(1)]) }));
    await unavailable(makeClient({ retries: { max: 0 } }).banks('EBANKING'), 'bad_body');
    expect(fake.requests).toHaveLength(50);
  });

  test('transactionStatus: GET with token and amount in the query, Key auth', async () => {
    fake.reply({ kind: 'json', body: { status: true, detail: 'Transaction complete.', state: 'Complete' } });
    const result = await makeClient().transactionStatus('XPPrDcwtHUg4UQbWEnxRzA', 1000);
    const req = fake.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.pathname).toBe('/api/v2/payment/status/');
    expect(req.query).toStrictEqual({ token: 'XPPrDcwtHUg4UQbWEnxRzA', amount: '1000' });
    expect(req.headers.authorization).toBe(`Key ${SECRET}`);
    expect(result).toStrictEqual({ status: true, state: 'Complete', detail: 'Transaction complete.' });
  });

  test('transactionStatus: a {status,state,detail} body under 404 is a result', async () => {
    fake.reply({ kind: 'json', status: 404, body: { status: false, state: 'Error', detail: 'Transaction not found' } });
    const result = await makeClient().transactionStatus('nope', 1000);
    expect(result).toStrictEqual({ status: false, state: 'Error', detail: 'Transaction not found' });
    expect(fake.requests).toHaveLength(1);
  });

  test('a base URL with a path prefix is kept; the hook reports the Khalti path', async () => {
    fake.reply({ kind: 'json', body: lookupBody('Pending') });
    await makeClient({ baseUrl: `${fake.origin}/sandbox/` }).lookup(PIDX);
    expect(fake.requests[0]!.path).toBe('/sandbox/api/v2/epayment/lookup/');
    expect(events[0]!.path).toBe('/api/v2/epayment/lookup/');
  });

  test('a call needing the secret key fails clearly, before any request, when none is configured', async () => {
    const c = makeClient({ secretKey: undefined });
    const err = await failure(c.lookup(PIDX));
    expect((err as Error).message).toMatch(/secretKey is not configured/);
    await expect(c.initiate(minimalInitiate)).rejects.toThrow(/secretKey/);
    await expect(c.refund({ transactionId: 't' })).rejects.toThrow(/secretKey/);
    await expect(c.transactionStatus('t', 1000)).rejects.toThrow(/secretKey/);
    expect(fake.requests).toHaveLength(0);
  });
});

test('after close() calls fail at once with a plain error, nothing is sent; close is idempotent', async () => {
  const c = makeClient();
  await c.close();
  await c.close();
  await expect(c.lookup(PIDX)).rejects.toThrow(/closed/);
  await expect(c.banks('EBANKING')).rejects.not.toBeInstanceOf(KhaltiError);
  expect(fake.requests).toHaveLength(0);
  expect(events).toHaveLength(0);
});

describe('documented error bodies -> typed errors', () => {
  test('validation: every field array verbatim, error_key dropped', async () => {
    const body = {
      return_url: ['This field may not be blank.'],
      website_url: ['Enter a valid URL.'],
      amount: ['Amount should be greater than Rs. 10, that is 1000 paisa.', 'Amount Breakdown mismatch.'],
      purchase_order_id: ['This field may not be blank.'],
      error_key: 'validation_error',
    };
    fake.reply({ kind: 'json', status: 400, body });
    const err = await failure(makeClient().initiate(minimalInitiate));
    expect(err).toBeInstanceOf(KhaltiValidationError);
    const v = err as KhaltiValidationError;
    expect(v.httpStatus).toBe(400);
    expect(v.operation).toBe('initiate');
    expect(v.fields).toStrictEqual({
      return_url: ['This field may not be blank.'],
      website_url: ['Enter a valid URL.'],
      amount: ['Amount should be greater than Rs. 10, that is 1000 paisa.', 'Amount Breakdown mismatch.'],
      purchase_order_id: ['This field may not be blank.'],
    });
    expect(v.message).toContain('Enter a valid URL.');
  });

  test.each([
    ['return_url', 'This field may not be blank.'],
    ['return_url', 'Enter a valid URL.'],
    ['website_url', 'This field may not be blank.'],
    ['website_url', 'Enter a valid URL.'],
    ['amount', 'Amount should be greater than Rs. 10, that is 1000 paisa.'],
    ['amount', 'Amount should be greater than Rs. 100, that is 10000 paisa.'],
    ['amount', 'A valid integer is required.'],
    ['purchase_order_id', 'This field may not be blank.'],
    ['purchase_order_name', 'This field may not be blank.'],
    ['amount', 'Amount Breakdown mismatch.'],
  ])('documented error body {%s: [%j]} -> KhaltiValidationError with exactly that field', async (field, message) => {
    fake.reply({ kind: 'json', status: 400, body: { [field]: [message], error_key: 'validation_error' } });
    const err = (await failure(makeClient().initiate(minimalInitiate))) as KhaltiValidationError;
    expect(err).toBeInstanceOf(KhaltiValidationError);
    expect(err.fields).toStrictEqual({ [field]: [message] });
  });

  test('validation: nested serializer errors are flattened to dotted paths', async () => {
    fake.reply({
      kind: 'json',
      status: 400,
      body: {
        customer_info: { phone: ['Enter a valid phone.'] },
        amount_breakdown: [{}, { amount: ['A valid integer is required.'] }],
        error_key: 'validation_error',
      },
    });
    const err = (await failure(makeClient().initiate(minimalInitiate))) as KhaltiValidationError;
    expect(err).toBeInstanceOf(KhaltiValidationError);
    expect(err.fields).toStrictEqual({
      'customer_info.phone': ['Enter a valid phone.'],
      'amount_breakdown.1.amount': ['A valid integer is required.'],
    });
  });

  test.each([
    ['Invalid token.'],
    ['Authentication credentials were not provided.'],
  ])('401 %s -> KhaltiAuthError with the detail', async (detail) => {
    fake.reply({ kind: 'json', status: 401, body: { detail, status_code: 401 } });
    const err = await failure(makeClient().lookup(PIDX));
    expect(err).toBeInstanceOf(KhaltiAuthError);
    expect((err as KhaltiAuthError).detail).toBe(detail);
    expect((err as KhaltiAuthError).httpStatus).toBe(401);
    expect(fake.requests).toHaveLength(1); // not retried
  });

  test('403 -> KhaltiAuthError', async () => {
    fake.reply({ kind: 'json', status: 403, body: { detail: 'You do not have permission to perform this action.' } });
    const err = await failure(makeClient().refund({ transactionId: 't' }));
    expect(err).toBeInstanceOf(KhaltiAuthError);
    expect((err as KhaltiAuthError).httpStatus).toBe(403);
  });

  test('404 Not found. -> KhaltiNotFoundError; the same detail under 400 too', async () => {
    fake.reply(
      { kind: 'json', status: 404, body: { detail: 'Not found.', error_key: 'validation_error' } },
      { kind: 'json', status: 400, body: { detail: 'Not found.', error_key: 'validation_error' } },
    );
    const c = makeClient();
    const a = await failure(c.lookup(PIDX));
    expect(a).toBeInstanceOf(KhaltiNotFoundError);
    expect((a as KhaltiNotFoundError).detail).toBe('Not found.');
    expect((a as KhaltiNotFoundError).httpStatus).toBe(404);
    const b = await failure(c.lookup(PIDX));
    expect(b).toBeInstanceOf(KhaltiNotFoundError);
    expect((b as KhaltiNotFoundError).httpStatus).toBe(400);
    expect(fake.requests).toHaveLength(2); // neither retried
  });

  test('a 4xx detail without field arrays -> KhaltiRejectedError', async () => {
    fake.reply({ kind: 'json', status: 400, body: { detail: 'Refund amount exceeds the refundable amount.', error_key: 'validation_error' } });
    const err = await failure(makeClient().refund({ transactionId: 't', amount: 999999 }));
    expect(err).toBeInstanceOf(KhaltiRejectedError);
    expect((err as KhaltiRejectedError).detail).toBe('Refund amount exceeds the refundable amount.');
    expect((err as KhaltiRejectedError).httpStatus).toBe(400);
  });

  test.each([
    [500, { detail: 'Internal error' }],
    [503, { detail: 'Service unavailable' }],
    [429, { detail: 'Request was throttled.' }],
  ])('%i -> Unavailable server_error with the status kept', async (status, body) => {
    fake.reply({ kind: 'json', status, body });
    const err = await unavailable(makeClient().initiate(minimalInitiate), 'server_error');
    expect(err.httpStatus).toBe(status);
  });

  test('HTML 502 -> server_error; the hook gets a short excerpt of the page', async () => {
    const page = `<html><body><h1>502 Bad Gateway</h1>${'x'.repeat(5000)}</body></html>`;
    fake.reply({ kind: 'text', status: 502, body: page });
    const err = await unavailable(makeClient().initiate(minimalInitiate), 'server_error');
    expect(err.httpStatus).toBe(502);
    const response = events[0]!.response as string;
    expect(typeof response).toBe('string');
    expect(response.startsWith('<html><body><h1>502 Bad Gateway</h1>')).toBe(true);
    expect(response.length).toBeLessThan(700);
  });

  test.each<[string, Reply]>([
    ['non-JSON 200', { kind: 'text', body: 'OK', contentType: 'text/plain' }],
    ['HTML 200', { kind: 'text', body: '<html>maintenance</html>' }],
    ['empty 200', { kind: 'text', body: '', contentType: 'application/json' }],
    ['truncated JSON', { kind: 'truncated', body: JSON.stringify(initiateOk) }],
    ['JSON array', { kind: 'json', body: [initiateOk] }],
    ['missing pidx', { kind: 'json', body: { ...initiateOk, pidx: undefined } }],
    ['expires_in as text', { kind: 'json', body: { ...initiateOk, expires_in: '1800' } }],
    ['expires_at not a timestamp', { kind: 'json', body: { ...initiateOk, expires_at: 'tomorrow' } }],
    ['expires_at without offset', { kind: 'json', body: { ...initiateOk, expires_at: '2023-05-25T16:26:16.471649' } }],
    ['HTML 404 (not Khalti)', { kind: 'text', status: 404, body: '<html>Not Found</html>' }],
    ['HTML 401 (not Khalti)', { kind: 'text', status: 401, body: '<html>Denied</html>' }],
    ['bytes that are not HTTP', { kind: 'garbage' }],
  ])('%s -> bad_body', async (_label, reply) => {
    fake.reply(reply);
    await unavailable(makeClient().initiate(minimalInitiate), 'bad_body');
    expect(fake.requests).toHaveLength(1);
  });

  test.each([
    ['total_amount missing', { total_amount: undefined }],
    ['total_amount fractional', { total_amount: 1000.5 }],
    ['status not a string', { status: 1 }],
    ['refunded not a boolean', { refunded: 'false' }],
    ['transaction_id missing', { transaction_id: undefined }],
  ])('lookup with %s -> bad_body (not guessed)', async (_label, patch) => {
    fake.handle(() => ({ kind: 'json', body: lookupBody('Completed', patch) }));
    await unavailable(makeClient({ retries: { max: 0 } }).lookup(PIDX), 'bad_body');
  });
});

describe('faults -> KhaltiUnavailableError within the configured timeouts', () => {
  async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
    const t0 = Date.now();
    const value = await fn();
    return [value, Date.now() - t0];
  }

  test('connection refused -> connect', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const c = makeClient({ baseUrl: `http://127.0.0.1:${port}`, retries: { max: 0 } });
    const err = await unavailable(c.lookup(PIDX), 'connect');
    expect(err.httpStatus).toBeUndefined();
    expect(err.cause).toBeDefined();
    expect(events[0]!.httpStatus).toBeUndefined();
  });

  test('socket destroyed before any answer -> reset', async () => {
    fake.reply({ kind: 'destroy' });
    const err = await unavailable(makeClient().initiate(minimalInitiate), 'reset');
    expect(err.cause).toBeDefined();
  });

  // undici's headers/body timers run on a clock that ticks every ~0.5 s: they fire between the
  // configured value and about two ticks later. A generous total deadline here makes sure it is
  // undici's timer that fires, which the error names (no upper bound on the time taken).
  const lenient = { ...TIMEOUTS, totalMs: 5000 };

  // initiate and refund are never cut by headersMs/bodyMs (only by the deadline, see
  // client.load.test.ts), so the phase timeouts are shown on a lookup, which is retried.
  test('headers held past headersMs -> timeout, promptly', async () => {
    fake.reply({ kind: 'hang' });
    const c = makeClient({ timeouts: lenient, retries: { max: 0 } });
    const [err, ms] = await timed(() => unavailable(c.lookup(PIDX), 'timeout'));
    // Not early; and the headers timer ended it, not the 5 s deadline.
    expect(ms).toBeGreaterThanOrEqual(TIMEOUTS.headersMs - 20);
    expect(err.message).toMatch(/UND_ERR_HEADERS_TIMEOUT/);
    expect(err.message).not.toMatch(/within 5000 ms/);
  });

  test('half a body, then silence -> timeout (body timeout), with the status kept', async () => {
    fake.reply({ kind: 'half-body', body: JSON.stringify(lookupBody('Completed')) });
    const c = makeClient({ timeouts: lenient, retries: { max: 0 } });
    const [err, ms] = await timed(() => unavailable(c.lookup(PIDX), 'timeout'));
    // Not early; and the body timer ended it, not the 5 s deadline.
    expect(ms).toBeGreaterThanOrEqual(TIMEOUTS.bodyMs - 20);
    expect(err.httpStatus).toBe(200);
    expect(err.message).toMatch(/UND_ERR_BODY_TIMEOUT/);
    expect(err.message).not.toMatch(/within 5000 ms/);
    expect(events[0]!.httpStatus).toBe(200);
  });

  test('a body dribbled slower than the total deadline -> timeout at totalMs', async () => {
    // Each byte arrives well within bodyMs, but the whole body would take ~2.5 s.
    fake.reply({ kind: 'dribble', body: JSON.stringify(initiateOk), chunkDelayMs: 15 });
    const [err, ms] = await timed(() => unavailable(makeClient().initiate(minimalInitiate), 'timeout'));
    expect(ms).toBeGreaterThanOrEqual(TIMEOUTS.totalMs - 20);
    expect(err.message).toMatch(/within 700 ms/);
    // Cut while the fake was still writing the body: the client did not wait for all of it.
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.answeredAt).toBeUndefined();
  });

  test('a hanging server is cut by the total deadline when it is the shortest timeout', async () => {
    fake.reply({ kind: 'hang' });
    const c = makeClient({ timeouts: { headersMs: 5000, bodyMs: 5000, totalMs: 300 } });
    const [err, ms] = await timed(() => unavailable(c.initiate(minimalInitiate), 'timeout'));
    // The deadline's error, not the 5 s headers timer's; and not early.
    expect(err.message).toMatch(/within 300 ms/);
    expect(err.message).not.toMatch(/UND_ERR_HEADERS_TIMEOUT/);
    expect(ms).toBeGreaterThanOrEqual(300 - 20);
  });

  test('the connection closes mid-body (Content-Length not met) -> bad_body, a truncated answer', async () => {
    fake.reply({ kind: 'half-body-close', body: JSON.stringify(initiateOk) });
    const err = await unavailable(makeClient().initiate(minimalInitiate), 'bad_body');
    expect(err.httpStatus).toBe(200);
    expect(err.message).toMatch(/body cut short/);
  });

  test('bodies are always consumed: one connection serves a run of large error answers without stalling', async () => {
    // Bodies larger than a stream buffer: one left unread would hold the only connection until
    // the body timeout (2 s here) killed it, and this run would take seconds instead of ms.
    const big = 'x'.repeat(256 * 1024);
    const c = makeClient({ connections: 1, timeouts: { ...TIMEOUTS, bodyMs: 2000, totalMs: 5000 } });
    fake.reply(
      { kind: 'json', status: 400, body: { amount: ['A valid integer is required.'], error_key: 'validation_error', pad: big } },
      { kind: 'text', status: 502, body: `<html>bad gateway${big}</html>` },
      { kind: 'json', status: 401, body: { detail: 'Invalid token.', status_code: 401, pad: big } },
      { kind: 'text', status: 200, body: `not json${big}` },
      { kind: 'json', status: 404, body: { detail: 'Not found.', pad: big } },
      { kind: 'json', body: initiateOk },
    );
    const errors = [];
    for (let i = 0; i < 5; i++) errors.push(await failure(c.initiate(minimalInitiate)));
    await expect(c.initiate(minimalInitiate)).resolves.toMatchObject({ pidx: initiateOk.pidx });
    // No answer was cut by the body timeout, and all six went over the one connection in turn: a
    // body left unread would have held it until the body timeout destroyed it, and the next
    // request would have come on a new one.
    expect(errors.filter((error) => /TIMEOUT|within/.test((error as Error).message))).toEqual([]);
    expect(fake.requests).toHaveLength(6);
    expect(new Set(fake.requests.map((request) => request.remotePort)).size).toBe(1);
  });
});

describe('retries', () => {
  test('lookup is retried up to max on Unavailable, then fails with the last error', async () => {
    fake.handle(() => ({ kind: 'json', status: 503, body: { detail: 'down' } }));
    const err = await unavailable(makeClient({ retries: { max: 2, baseDelayMs: 5 } }).lookup(PIDX), 'server_error');
    expect(err.httpStatus).toBe(503);
    expect(fake.requests).toHaveLength(3);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  test('lookup recovers on a later success', async () => {
    fake.reply({ kind: 'destroy' }, { kind: 'text', status: 502, body: '<html/>' }, { kind: 'json', body: lookupBody('Completed') });
    const result = await makeClient().lookup(PIDX);
    expect(result.status).toBe('COMPLETED');
    expect(fake.requests).toHaveLength(3);
    expect(events.map((e) => [e.attempt, e.httpStatus, e.error?.name])).toEqual([
      [1, undefined, 'KhaltiUnavailableError'],
      [2, 502, 'KhaltiUnavailableError'],
      [3, 200, undefined],
    ]);
  });

  test('banks: a failing page is retried, then pagination continues', async () => {
    fake.reply(
      { kind: 'json', body: bankPage(1, 2, [bankRecord(1)]) },
      { kind: 'destroy' },
      { kind: 'json', body: bankPage(2, 2, [bankRecord(2)]) },
    );
    const banks = await makeClient().banks('EBANKING');
    expect(banks.map((b) => b.idx)).toEqual(['bank-1', 'bank-2']);
    expect(fake.requests.map((r) => r.query.page)).toEqual([undefined, '2', '2']);
  });

  test('banks and transactionStatus give up after max retries', async () => {
    fake.handle(() => ({ kind: 'destroy' }));
    const c = makeClient({ retries: { max: 1, baseDelayMs: 5 } });
    await unavailable(c.banks('EBANKING'), 'reset');
    expect(fake.requests).toHaveLength(2);
    fake.requests.length = 0;
    await unavailable(c.transactionStatus('tok', 1000), 'reset');
    expect(fake.requests).toHaveLength(2);
  });

  test('retries: 0 means a single attempt', async () => {
    fake.handle(() => ({ kind: 'destroy' }));
    await unavailable(makeClient({ retries: { max: 0 } }).lookup(PIDX), 'reset');
    expect(fake.requests).toHaveLength(1);
  });

  test('typed Khalti refusals are not retried', async () => {
    fake.handle(() => ({ kind: 'json', status: 400, body: { pidx: ['This field may not be blank.'], error_key: 'validation_error' } }));
    await failure(makeClient().lookup('x'));
    expect(fake.requests).toHaveLength(1);
  });

  /**
   * After a call settles, a later call on the same client (answered from the queue, ahead of the
   * handler): the client sends in order, so a resend of the first, which would have been sent
   * before it settled, arrives before this one.
   */
  async function sentinelLookup(c: KhaltiClient): Promise<void> {
    fake.reply({ kind: 'json', body: lookupBody('Completed') });
    await expect(c.lookup(PIDX)).resolves.toMatchObject({ status: 'COMPLETED' });
  }

  test.each<[string, Reply, UnavailableReason]>([
    ['reset', { kind: 'destroy' }, 'reset'],
    ['503', { kind: 'json', status: 503, body: {} }, 'server_error'],
    ['headers timeout', { kind: 'hang' }, 'timeout'],
    ['bad body', { kind: 'text', body: '<html/>' }, 'bad_body'],
  ])('initiate is never retried (%s): the fake sees exactly one request', async (_l, reply, reason) => {
    fake.handle(() => reply);
    const c = makeClient({ retries: { max: 5, baseDelayMs: 1 } });
    await unavailable(c.initiate(minimalInitiate), reason);
    await sentinelLookup(c);
    expect(fake.requests.map((request) => request.pathname)).toEqual(['/api/v2/epayment/initiate/', '/api/v2/epayment/lookup/']);
    expect(events.map((event) => event.operation)).toEqual(['initiate', 'lookup']);
  });

  test.each<[string, Reply, UnavailableReason]>([
    ['reset', { kind: 'destroy' }, 'reset'],
    ['503', { kind: 'json', status: 503, body: {} }, 'server_error'],
    ['headers timeout', { kind: 'hang' }, 'timeout'],
    ['mid-body close', { kind: 'half-body-close', body: '{"detail":"Transaction refund successful."}' }, 'bad_body'],
  ])('refund is never retried (%s): the fake sees exactly one request', async (_l, reply, reason) => {
    fake.handle(() => reply);
    const c = makeClient({ retries: { max: 5, baseDelayMs: 1 } });
    await unavailable(c.refund({ transactionId: 't', amount: 100 }), reason);
    await sentinelLookup(c);
    expect(fake.requests.map((request) => request.pathname)).toEqual(['/api/merchant-transaction/t/refund/', '/api/v2/epayment/lookup/']);
  });
});

describe("Khalti's answers are not trusted further than their shape", () => {
  const HUGE_PIDX = 'A'.repeat(100_000);

  test.each([
    ['a javascript: payment_url', { payment_url: 'javascript:alert(document.cookie)' }, /payment_url/],
    ['a data: payment_url', { payment_url: 'data:text/html,<script>alert(1)</script>' }, /payment_url/],
    ['a relative payment_url', { payment_url: '/pay?pidx=x' }, /payment_url/],
    ['a tab hiding a javascript: payment_url', { payment_url: 'java\tscript:alert(1)' }, /payment_url/],
    ['a garbage payment_url', { payment_url: 'not a url' }, /payment_url/],
    ['a 100 kB pidx', { pidx: HUGE_PIDX }, /pidx/],
    ['a pidx with a slash', { pidx: '../../admin' }, /pidx/],
  ])('initiate answered with %s: bad_body, one reported attempt, the value not repeated whole', async (_l, patch, field) => {
    fake.reply({ kind: 'json', body: { ...initiateOk, ...patch } });
    const err = await unavailable(makeClient().initiate(minimalInitiate), 'bad_body');
    expect(err.message).toMatch(field);
    expect(err.message.length).toBeLessThan(300);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operation: 'initiate', httpStatus: 200, error: { name: 'KhaltiUnavailableError' } });
    // What the audit log would store: an excerpt, never the 100 kB value whole.
    expect(JSON.stringify(events[0]).length).toBeLessThan(3000);
  });

  test('an ordinary http(s) payment_url and a Khalti pidx are accepted as they are', async () => {
    fake.reply({ kind: 'json', body: { ...initiateOk, payment_url: 'http://127.0.0.1:4000/sandbox/pay?pidx=x' } });
    expect((await makeClient().initiate(minimalInitiate)).paymentUrl).toBe('http://127.0.0.1:4000/sandbox/pay?pidx=x');
  });

  test.each([
    ['200', 200],
    ['400 (a result status)', 400],
  ])('lookup answered %s with a 100 kB pidx: bad_body, the value not reported whole', async (_l, status) => {
    fake.handle(() => ({ kind: 'json', status, body: lookupBody('Expired', { pidx: HUGE_PIDX }) }));
    await unavailable(makeClient({ retries: { max: 0, baseDelayMs: 1 } }).lookup(PIDX), 'bad_body');
    expect(JSON.stringify(events).length).toBeLessThan(3000);
  });
});

describe('the onCall hook', () => {
  test('fires once per attempt with operation, path, ids, timing and redacted bodies', async () => {
    fake.reply({ kind: 'json', status: 502, body: { detail: 'bad gateway' } }, { kind: 'json', body: lookupBody('Completed') });
    const before = Date.now();
    await makeClient().lookup(PIDX);
    const after = Date.now();
    expect(events).toHaveLength(2);
    const [first, second] = events as [KhaltiCallEvent, KhaltiCallEvent];
    expect(first).toMatchObject({
      operation: 'lookup',
      method: 'POST',
      path: '/api/v2/epayment/lookup/',
      pidx: PIDX,
      attempt: 1,
      httpStatus: 502,
      request: { pidx: PIDX },
      response: { detail: 'bad gateway' },
      error: { name: 'KhaltiUnavailableError' },
    });
    expect(first.error!.message).toMatch(/server_error/);
    expect(second).toMatchObject({ attempt: 2, httpStatus: 200, transactionId: 'GFq9PFS7b2iYvL8Lir9oXe' });
    expect(second.response).toStrictEqual(lookupBody('Completed'));
    expect(second.error).toBeUndefined();
    for (const e of events) {
      expect(e.startedAt).toBeInstanceOf(Date);
      expect(e.startedAt.getTime()).toBeGreaterThanOrEqual(before - 5);
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
      // Within the call: each attempt ends before the call returned.
      expect(e.startedAt.getTime() + e.durationMs).toBeLessThanOrEqual(after + 5);
    }
    // The second attempt began after the first ended.
    expect(second.startedAt.getTime()).toBeGreaterThanOrEqual(first.startedAt.getTime() + Math.floor(first.durationMs) - 5);
  });

  test('initiate event carries the pidx Khalti returned; refund event the transaction id', async () => {
    fake.reply({ kind: 'json', body: initiateOk }, { kind: 'json', body: { detail: 'Transaction refund successful.' } });
    const c = makeClient();
    await c.initiate(minimalInitiate);
    await c.refund({ transactionId: 'TX1', mobile: '9800000001' });
    expect(events[0]).toMatchObject({ operation: 'initiate', pidx: initiateOk.pidx, httpStatus: 200 });
    expect(events[1]).toMatchObject({
      operation: 'refund',
      path: '/api/merchant-transaction/TX1/refund/',
      transactionId: 'TX1',
      request: { mobile: PERSONAL_DATA },
    });
    // Khalti itself got the number; only the reported copy (the audit log's) lost it.
    expect(fake.requests[1]!.json).toEqual({ mobile: '9800000001' });
  });

  test("the buyer's customer_info and a refund's mobile never reach the hook, even echoed back", async () => {
    const customer = { name: 'Sita Kumari Tamang', email: 'sita@example.com', phone: '9812345678' };
    fake.reply(
      { kind: 'json', body: { ...initiateOk, note: `hello ${customer.name}` } },
      { kind: 'json', status: 400, body: { detail: '9800000001 is not a Khalti account.' } },
    );
    const c = makeClient();
    await c.initiate({ ...minimalInitiate, customerInfo: customer });
    const rejected = await failure(c.refund({ transactionId: 'TX1', mobile: '9800000001' }));
    expect(fake.requests[0]!.json).toMatchObject({ customer_info: customer });
    expect(events[0]!.request).toMatchObject({ customer_info: PERSONAL_DATA, purchase_order_id: 'order-1' });
    expect(events[0]!.response).toMatchObject({ note: 'hello [PERSONAL DATA]' });
    expect(events[1]!.request).toStrictEqual({ mobile: PERSONAL_DATA });
    expect(events[1]!.response).toStrictEqual({ detail: '[PERSONAL DATA] is not a Khalti account.' });
    // The error (which the refund service records) is scrubbed of the request's own values.
    expect(rejected).toBeInstanceOf(KhaltiRejectedError);
    expect((rejected as Error).message).not.toContain('9800000001');
    const reported = JSON.stringify(events);
    for (const value of ['9800000001', customer.name, customer.email, customer.phone]) expect(reported).not.toContain(value);
  });

  test('GET events carry the path with query and the query parameters as request', async () => {
    fake.reply({ kind: 'json', body: { status: true, state: 'Complete', detail: 'Transaction complete.' } });
    await makeClient().transactionStatus('tok', 1000);
    expect(events[0]).toMatchObject({
      operation: 'transactionStatus',
      method: 'GET',
      path: '/api/v2/payment/status/?token=tok&amount=1000',
      request: { token: 'tok', amount: '1000' },
    });
  });

  test('the secret key never reaches the hook, even when sent as data or echoed back', async () => {
    // Khalti echoes merchant_* keys; a careless caller could put the key there.
    fake.handle((req) => ({
      kind: 'json',
      status: 400,
      body: { merchant_note: [`echo ${req.headers.authorization}`], secret_key: 'x', error_key: 'validation_error' },
    }));
    const err = await failure(
      makeClient().initiate({ ...minimalInitiate, merchantExtra: { note: SECRET, api_key: 'k-123' } }),
    );
    expect(fake.requests[0]!.json).toMatchObject({ merchant_note: SECRET }); // it did go on the wire
    const event = events[0]!;
    expect(event.request).toMatchObject({ merchant_note: '[REDACTED]', merchant_api_key: '[REDACTED]' });
    expect(event.response).toMatchObject({ merchant_note: ['echo Key [REDACTED]'], secret_key: '[REDACTED]' });
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(inspect(events, { depth: 20 })).not.toContain(SECRET);
    expect((err as KhaltiValidationError).fields.merchant_note).toEqual(['echo Key [REDACTED]']);
  });

  test('a throwing or rejecting hook does not change the outcome', async () => {
    fake.reply({ kind: 'json', body: lookupBody('Completed') }, { kind: 'json', status: 401, body: { detail: 'Invalid token.' } });
    let calls = 0;
    const c = makeClient({
      onCall: () => {
        calls++;
        if (calls === 1) throw new Error('audit down');
        return Promise.reject(new Error('async audit down')) as unknown as void;
      },
    });
    await expect(c.lookup(PIDX)).resolves.toMatchObject({ status: 'COMPLETED' });
    await expect(c.lookup(PIDX)).rejects.toBeInstanceOf(KhaltiAuthError);
    expect(calls).toBe(2);
  });
});

describe('the secret key never leaks through errors', () => {
  test('wrong-key and echo scenarios produce errors without the key', async () => {
    // Scripted answers that put the key where a careless server might.
    fake.reply(
      { kind: 'json', status: 401, body: { detail: `Invalid token: ${SECRET}`, status_code: 401 } },
      { kind: 'json', status: 400, body: { detail: `bad request for Key ${SECRET}` } },
      { kind: 'json', status: 404, body: { detail: `Not found. ${SECRET}` } },
    );
    const c = makeClient();
    const a = (await failure(c.lookup(PIDX))) as KhaltiAuthError;
    expect(a.detail).toBe('Invalid token: [REDACTED]');
    const b = (await failure(c.refund({ transactionId: 't' }))) as KhaltiRejectedError;
    expect(b.detail).toBe('bad request for Key [REDACTED]');
    await failure(c.lookup(PIDX));
  });

  test('a KhaltiError is JSON-serialisable and inspectable without the key', async () => {
    fake.reply({ kind: 'destroy' });
    const err = await failure(makeClient({ retries: { max: 0 } }).lookup(PIDX));
    expect(err).toBeInstanceOf(KhaltiError);
    expect(inspect(err, { depth: 20, showHidden: true })).toContain('KhaltiUnavailableError');
  });

  // Runs last in this file: every error produced by every test above.
  test('no error produced in this suite mentions the key (message, JSON, inspect with depth)', () => {
    expect(producedErrors.length).toBeGreaterThan(40);
    for (const err of producedErrors) {
      const e = err as Error;
      expect(e.message).not.toContain(SECRET);
      expect(String(e.stack)).not.toContain(SECRET);
      expect(JSON.stringify(err)).not.toContain(SECRET);
      expect(JSON.stringify({ ...(err as object), cause: String((err as { cause?: unknown }).cause) })).not.toContain(SECRET);
      expect(inspect(err, { depth: 20, showHidden: true })).not.toContain(SECRET);
    }
  });
});
