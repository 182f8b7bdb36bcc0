import { FakeClock, startHarness, type Harness } from './helpers';

const LOOKUP = '/api/v2/epayment/lookup/';
const clock = new FakeClock();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ now: clock.now });
});
afterAll(() => h.close());

it('an initiated payment: 200 Initiated, no transaction id, fee 0, not refunded', async () => {
  const p = await h.initiate({ amount: 1000 });
  const r = await h.lookup(p.pidx);
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ pidx: p.pidx, total_amount: 1000, status: 'Initiated', transaction_id: null, fee: 0, refunded: false });
});

it('a completed payment: 200 Completed with its transaction id', async () => {
  const p = await h.initiate({ amount: 2500 });
  const done = h.emulator.controls.complete(p.pidx);
  const r = await h.lookup(p.pidx);
  expect(r.status).toBe(200);
  expect(r.json).toEqual({
    pidx: p.pidx,
    total_amount: 2500,
    status: 'Completed',
    transaction_id: done.transactionId,
    fee: 0,
    refunded: false,
  });
  expect(done.transactionId).toMatch(/^[2-9A-HJ-NP-Za-km-z]{22}$/);
});

it('a pending payment: 200 Pending', async () => {
  const p = await h.initiate();
  h.emulator.controls.pending(p.pidx);
  const r = await h.lookup(p.pidx);
  expect(r.status).toBe(200);
  expect(r.json.status).toBe('Pending');
  expect(r.json.transaction_id).toBeNull();
});

it('a canceled payment: HTTP 400 with the usual body, status "User canceled"', async () => {
  const p = await h.initiate();
  h.emulator.controls.cancel(p.pidx);
  const r = await h.lookup(p.pidx);
  expect(r.status).toBe(400);
  expect(r.json).toEqual({ pidx: p.pidx, total_amount: 1300, status: 'User canceled', transaction_id: null, fee: 0, refunded: false });
});

it('expiry by clock: Initiated until expires_at, then HTTP 400 Expired', async () => {
  const p = await h.initiate({ ttl: 120 });
  clock.advance(119_000);
  expect((await h.lookup(p.pidx)).json.status).toBe('Initiated');
  clock.advance(1_000);
  const r = await h.lookup(p.pidx);
  expect(r.status).toBe(400);
  expect(r.json.status).toBe('Expired');
  expect(r.json.transaction_id).toBeNull();
});

it('expiry by clock applies to a Pending payment too, but never to a completed one', async () => {
  const pending = await h.initiate({ ttl: 10 });
  const paid = await h.initiate({ ttl: 10 });
  h.emulator.controls.pending(pending.pidx);
  h.emulator.controls.complete(paid.pidx);
  clock.advance(10_000);
  expect((await h.lookup(pending.pidx)).json.status).toBe('Expired');
  const r = await h.lookup(paid.pidx);
  expect(r.status).toBe(200);
  expect(r.json.status).toBe('Completed');
});

it('expiry by control: Expired at once, expires_at moved to now', async () => {
  const p = await h.initiate();
  const snap = h.emulator.controls.expire(p.pidx);
  expect(snap.expiresAt).toBe(clock.now().toISOString());
  const r = await h.lookup(p.pidx);
  expect(r.status).toBe(400);
  expect(r.json.status).toBe('Expired');
});

it('an unknown pidx: 404 Not found', async () => {
  const r = await h.lookup('NoSuchPidx2345678923456');
  expect(r.status).toBe(404);
  expect(r.json).toEqual({ detail: 'Not found.', error_key: 'validation_error' });
});

it('a missing or blank pidx: 400 field error', async () => {
  const missing = await h.post(LOOKUP, {});
  expect(missing.status).toBe(400);
  expect(missing.json).toEqual({ pidx: ['This field is required.'], error_key: 'validation_error' });
  expect((await h.post(LOOKUP, { pidx: '' })).json.pidx).toEqual(['This field may not be blank.']);
});

it('needs authorization, checked first', async () => {
  const p = await h.initiate();
  const r = await h.post(LOOKUP, { pidx: p.pidx }, { auth: null });
  expect(r.status).toBe(401);
  expect(r.json.detail).toBe('Authentication credentials were not provided.');
  expect((await h.post(LOOKUP, {}, { auth: 'Key wrong' })).json).toEqual({ detail: 'Invalid token.', status_code: 401 });
});

describe('lookup override', () => {
  it('merges forced fields into every later lookup until cleared', async () => {
    const p = await h.initiate({ amount: 5000 });
    h.emulator.controls.complete(p.pidx);
    h.emulator.controls.setLookupOverride(p.pidx, { total_amount: 100 });
    for (let i = 0; i < 2; i++) {
      const r = await h.lookup(p.pidx);
      expect(r.status).toBe(200);
      expect(r.json.total_amount).toBe(100);
      expect(r.json.status).toBe('Completed');
    }
    h.emulator.controls.clearLookupOverride(p.pidx);
    expect((await h.lookup(p.pidx)).json.total_amount).toBe(5000);
  });

  it('an unknown status is reported verbatim with 200; a 400 status gets 400 unless http_status says otherwise', async () => {
    const p = await h.initiate();
    h.emulator.controls.setLookupOverride(p.pidx, { status: 'Weird' });
    let r = await h.lookup(p.pidx);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('Weird');

    h.emulator.controls.setLookupOverride(p.pidx, { status: 'Expired' });
    expect((await h.lookup(p.pidx)).status).toBe(400);

    h.emulator.controls.setLookupOverride(p.pidx, { http_status: 200, transaction_id: 'forged', fee: 30, refunded: true });
    r = await h.lookup(p.pidx);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ pidx: p.pidx, total_amount: 1300, status: 'Expired', transaction_id: 'forged', fee: 30, refunded: true });
  });

  it('over HTTP: POST sets, DELETE clears, bad fields are refused', async () => {
    const p = await h.initiate();
    const set = await h.post(`/__control/payments/${p.pidx}/lookup-override`, { status: 'Completed', total_amount: 1 });
    expect(set.status).toBe(200);
    expect(set.json.lookupOverride).toEqual({ status: 'Completed', total_amount: 1 });
    expect((await h.lookup(p.pidx)).json).toMatchObject({ status: 'Completed', total_amount: 1 });

    expect((await h.post(`/__control/payments/${p.pidx}/lookup-override`, { amount: 1 })).status).toBe(400);
    expect((await h.post(`/__control/payments/${p.pidx}/lookup-override`, { total_amount: '1' })).status).toBe(400);

    const del = await h.call('DELETE', `/__control/payments/${p.pidx}/lookup-override`);
    expect(del.status).toBe(200);
    expect((await h.lookup(p.pidx)).json).toMatchObject({ status: 'Initiated', total_amount: 1300 });
  });
});
