import { SHORTUUID_ALPHABET } from '../../../src/sandbox/emulator.ids';
import { AUTH, FakeClock, KEY, startHarness, validInitiate, type Harness } from './helpers';

const INITIATE = '/api/v2/epayment/initiate/';
const clock = new FakeClock();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ now: clock.now });
});
afterAll(() => h.close());

describe('authorization', () => {
  it('refuses a request without an Authorization header, before validating anything', async () => {
    const r = await h.post(INITIATE, {}, { auth: null });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ detail: 'Authentication credentials were not provided.', status_code: 401 });
    expect(r.headers['www-authenticate']).toBe('Key');
  });

  it('refuses another scheme (Bearer) or a bare key as "not provided"', async () => {
    for (const auth of [`Bearer ${KEY}`, KEY]) {
      const r = await h.post(INITIATE, validInitiate(), { auth });
      expect(r.status).toBe(401);
      expect(r.json.detail).toBe('Authentication credentials were not provided.');
    }
  });

  it('refuses a wrong key with "Invalid token."', async () => {
    const r = await h.post(INITIATE, {}, { auth: 'Key not_the_key' });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ detail: 'Invalid token.', status_code: 401 });
  });

  it('compares the scheme case-insensitively, as Khalti\'s own curl sample uses "key"', async () => {
    const r = await h.post(INITIATE, validInitiate(), { auth: `key ${KEY}` });
    expect(r.status).toBe(200);
  });

  it('keeps DRF\'s messages for malformed Key headers', async () => {
    expect((await h.post(INITIATE, {}, { auth: 'Key' })).json.detail).toBe('Invalid token header. No credentials provided.');
    expect((await h.post(INITIATE, {}, { auth: `Key ${KEY} extra` })).json.detail).toBe(
      'Invalid token header. Token string should not contain spaces.',
    );
  });
});

describe('success', () => {
  it('answers pidx, payment_url, expires_at in Nepal time and expires_in = default TTL', async () => {
    const r = await h.post(INITIATE, validInitiate());
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['expires_at', 'expires_in', 'payment_url', 'pidx']);
    expect(r.json.pidx).toMatch(new RegExp(`^[${SHORTUUID_ALPHABET}]{22}$`));
    expect(r.json.payment_url).toBe(`${h.root}/pay?pidx=${r.json.pidx}`);
    expect(r.json.expires_in).toBe(1800);
    // clock: 2025-01-15T06:00:00Z + 1800 s = 06:30 UTC = 12:15 in Nepal (+05:45)
    expect(r.json.expires_at).toBe('2025-01-15T12:15:00.000000+05:45');
    expect(Date.parse(r.json.expires_at)).toBe(clock.now().getTime() + 1800_000);
  });

  it('uses ttl for expires_in and expires_at', async () => {
    const r = await h.post(INITIATE, validInitiate({ ttl: 60 }));
    expect(r.json.expires_in).toBe(60);
    expect(Date.parse(r.json.expires_at)).toBe(clock.now().getTime() + 60_000);
  });

  it('accepts amounts as integer strings, as Khalti\'s own samples send them', async () => {
    const r = await h.post(INITIATE, validInitiate({ amount: '1000', amount_breakdown: [{ label: 'x', amount: '1000' }] }));
    expect(r.status).toBe(200);
    expect(h.emulator.controls.payment(r.json.pidx)?.amount).toBe(1000);
  });

  it('keeps merchant_* keys, customer_info, product_details, modes and bank', async () => {
    const body = validInitiate({
      amount: 10000,
      merchant_username: 'shop',
      merchant_extra: 'x=1',
      customer_info: { name: 'Khalti Bahadur', email: 'example@gmail.com', phone: '9800000123' },
      product_details: [{ identity: '1', name: 'logo', total_price: 10000, quantity: 1, unit_price: 10000 }],
      modes: ['MOBILE_BANKING'],
      bank: 'ayCEFuEpkmkjBj3WVWRh32',
    });
    const r = await h.post(INITIATE, body);
    expect(r.status).toBe(200);
    const p = h.emulator.controls.payment(r.json.pidx)!;
    expect(p.merchantExtra).toEqual({ merchant_username: 'shop', merchant_extra: 'x=1' });
    expect(p.modes).toEqual(['MOBILE_BANKING']);
    expect(p.bank).toBe('ayCEFuEpkmkjBj3WVWRh32');
    expect(p.request).toEqual(body);
  });

  it('accepts localhost and IP return URLs, as Django\'s URLValidator does', async () => {
    for (const url of ['http://localhost:4000/khalti/return', 'http://127.0.0.1:3000/r', 'http://[::1]:8080/']) {
      expect((await h.post(INITIATE, validInitiate({ return_url: url }))).status).toBe(200);
    }
  });

  it('accepts a form-encoded body too (DRF parses both)', async () => {
    const form = Object.fromEntries(Object.entries(validInitiate()).map(([k, v]) => [k, String(v)]));
    expect((await h.call('POST', INITIATE, { form })).status).toBe(200);
  });
});

describe('validation (Khalti\'s messages, verbatim)', () => {
  async function errors(overrides: Record<string, unknown>, remove: string[] = []) {
    const body = validInitiate(overrides);
    for (const key of remove) delete body[key];
    const r = await h.post(INITIATE, body);
    expect(r.status).toBe(400);
    expect(r.json.error_key).toBe('validation_error');
    return r.json;
  }

  it('reports every missing field at once', async () => {
    const r = await h.post(INITIATE, {});
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      return_url: ['This field is required.'],
      website_url: ['This field is required.'],
      amount: ['This field is required.'],
      purchase_order_id: ['This field is required.'],
      purchase_order_name: ['This field is required.'],
      error_key: 'validation_error',
    });
  });

  it('blank fields', async () => {
    const e = await errors({ return_url: '', website_url: '  ', purchase_order_id: '', purchase_order_name: '' });
    for (const f of ['return_url', 'website_url', 'purchase_order_id', 'purchase_order_name']) {
      expect(e[f]).toEqual(['This field may not be blank.']);
    }
  });

  it('invalid URLs', async () => {
    for (const bad of ['example.com', 'ftp://example.com/', 'http://my host/', 'http://myhost/', 'javascript:alert(1)']) {
      const e = await errors({ return_url: bad, website_url: bad });
      expect(e.return_url).toEqual(['Enter a valid URL.']);
      expect(e.website_url).toEqual(['Enter a valid URL.']);
    }
  });

  it('amount that is not an integer', async () => {
    for (const bad of [10.5, 'abc', true, '', '12e3', [1000], { a: 1 }]) {
      expect((await errors({ amount: bad })).amount).toEqual(['A valid integer is required.']);
    }
  });

  it('amount below Rs. 10', async () => {
    for (const small of [999, 0, -5000, '500']) {
      expect((await errors({ amount: small })).amount).toEqual([
        'Amount should be greater than Rs. 10, that is 1000 paisa.',
      ]);
    }
    expect((await h.post(INITIATE, validInitiate({ amount: 1000 }))).status).toBe(200);
  });

  it('banking modes or a bank need at least Rs. 100', async () => {
    const msg = ['Amount should be greater than Rs. 100, that is 10000 paisa.'];
    for (const mode of ['EBANKING', 'MOBILE_BANKING', 'CONNECT_IPS', 'SCT']) {
      expect((await errors({ amount: 9999, modes: ['KHALTI', mode] })).amount).toEqual(msg);
    }
    expect((await errors({ amount: 500, bank: 'UZmPqTDkdhKmukdZe2gVWZ' })).amount).toEqual(msg);
    expect((await h.post(INITIATE, validInitiate({ amount: 9999, modes: ['KHALTI'] }))).status).toBe(200);
    expect((await h.post(INITIATE, validInitiate({ amount: 10000, modes: ['EBANKING'] }))).status).toBe(200);
  });

  it('amount_breakdown that does not add up', async () => {
    const e = await errors({ amount: 1300, amount_breakdown: [{ label: 'Mark Price', amount: 1000 }, { label: 'VAT', amount: 200 }] });
    expect(e.amount).toEqual(['Amount Breakdown mismatch.']);
    const ok = await h.post(INITIATE, validInitiate({ amount: 1300, amount_breakdown: [{ label: 'Mark Price', amount: 1000 }, { label: 'VAT', amount: 300 }] }));
    expect(ok.status).toBe(200);
  });

  it('reports field errors of several fields together, including the breakdown check', async () => {
    const e = await errors({ purchase_order_name: '', amount: 1300, amount_breakdown: [{ label: 'a', amount: 1 }] });
    expect(e.purchase_order_name).toEqual(['This field may not be blank.']);
    expect(e.amount).toEqual(['Amount Breakdown mismatch.']);
  });

  it('undocumented: invalid modes, unknown bank, bad ttl', async () => {
    const e = await errors({ modes: ['KHALTI', 'FOO'], bank: 'nope', ttl: 0 });
    expect(e.modes).toEqual(['"FOO" is not a valid choice.']);
    expect(e.bank).toEqual(['Object with idx=nope does not exist.']);
    expect(e.ttl).toEqual(['Ensure this value is greater than or equal to 1.']);
    expect((await errors({ modes: 'KHALTI' })).modes).toEqual(['Expected a list of items but got type "str".']);
    expect((await errors({ ttl: 'soon' })).ttl).toEqual(['A valid integer is required.']);
    expect((await errors({ ttl: 30 * 24 * 3600 + 1 })).ttl).toEqual(['Ensure this value is less than or equal to 2592000.']);
  });

  it('undocumented: malformed customer_info, amount_breakdown and product_details (DRF nested errors)', async () => {
    expect((await errors({ customer_info: 'Ram' })).customer_info).toEqual({
      non_field_errors: ['Invalid data. Expected a dictionary, but got str.'],
    });
    expect((await errors({ customer_info: { email: 'not-an-email', name: ['x'] } })).customer_info).toEqual({
      email: ['Enter a valid email address.'],
      name: ['Not a valid string.'],
    });
    expect((await errors({ amount_breakdown: { label: 'x' } })).amount_breakdown).toEqual({
      non_field_errors: ['Expected a list of items but got type "dict".'],
    });
    expect((await errors({ amount_breakdown: [{ label: 'a', amount: 1300 }, { amount: 'x' }] })).amount_breakdown).toEqual([
      {},
      { label: ['This field is required.'], amount: ['A valid integer is required.'] },
    ]);
    expect((await errors({ product_details: [{ identity: '1', name: '', total_price: 1, quantity: 1.5 }] })).product_details).toEqual([
      { name: ['This field may not be blank.'], quantity: ['A valid integer is required.'], unit_price: ['This field is required.'] },
    ]);
  });

  it('null and non-string values in string fields', async () => {
    const e = await errors({ purchase_order_id: null, purchase_order_name: true });
    expect(e.purchase_order_id).toEqual(['This field may not be null.']);
    expect(e.purchase_order_name).toEqual(['Not a valid string.']);
  });

  it('a body that is not an object', async () => {
    const r = await h.post(INITIATE, [1, 2]);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      non_field_errors: ['Invalid data. Expected a dictionary, but got list.'],
      error_key: 'validation_error',
    });
  });

  it('a body that is not JSON', async () => {
    const r = await h.call('POST', INITIATE, { raw: { contentType: 'application/json', text: '{"amount": ' } });
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/^JSON parse error - /);
    expect(r.json.error_key).toBe('validation_error');
  });

  it('an unsupported content type', async () => {
    const r = await h.call('POST', INITIATE, { raw: { contentType: 'text/plain', text: 'hello' } });
    expect(r.status).toBe(415);
    expect(r.json.detail).toBe('Unsupported media type "text/plain" in request.');
  });
});

describe('paths and methods', () => {
  it('redirects the path without its trailing slash, as Django does', async () => {
    const before = h.emulator.controls.payments().length;
    const r = await h.post('/api/v2/epayment/initiate', validInitiate());
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/sandbox/api/v2/epayment/initiate/');
    expect(h.emulator.controls.payments().length).toBe(before); // not processed
  });

  it('answers 405 for the wrong method (after authentication)', async () => {
    const r = await h.get(INITIATE);
    expect(r.status).toBe(405);
    expect(r.json.detail).toBe('Method "GET" not allowed.');
    expect((await h.get(INITIATE, { auth: null })).status).toBe(401);
  });

  it('answers an unknown API path with Django\'s HTML 404', async () => {
    const r = await h.post('/api/v2/epayment/nothing/', {});
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.text).toContain('Not Found');
  });

  it('works mounted at "/" too (standalone)', async () => {
    const standalone = await startHarness({ mount: '/' });
    try {
      const p = await standalone.initiate();
      expect(p.payment_url).toBe(`${standalone.origin}/pay?pidx=${p.pidx}`);
      expect((await standalone.lookup(p.pidx)).status).toBe(200);
    } finally {
      await standalone.close();
    }
  });
});

it('the Authorization value never appears in the request log', async () => {
  await h.post(INITIATE, validInitiate(), { auth: AUTH });
  await h.post(INITIATE, validInitiate(), { auth: 'Key wrong_key_value' });
  const log = h.emulator.controls.requests();
  const text = JSON.stringify(log);
  expect(text).not.toContain(KEY);
  expect(text).not.toContain('wrong_key_value');
  const last = log.slice(-2);
  expect(last.map((e) => [e.hasAuthorization, e.authorized])).toEqual([
    [true, true],
    [true, false],
  ]);
});
