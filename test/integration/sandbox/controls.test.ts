import { EmulatorControlError } from '../../../src/sandbox/emulator';
import { AUTH, KEY, startHarness, validInitiate, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.controls.reset());

it('GET /__control/payments lists every payment; GET /__control/payments/:pidx shows one', async () => {
  const a = await h.initiate({ purchase_order_id: 'A' });
  const b = await h.initiate({ purchase_order_id: 'B' });
  const list = await h.get('/__control/payments', { auth: null });
  expect(list.status).toBe(200);
  expect(list.json.map((p: { pidx: string }) => p.pidx)).toEqual([a.pidx, b.pidx]);

  const one = await h.get(`/__control/payments/${a.pidx}`, { auth: null });
  expect(one.json).toMatchObject({
    pidx: a.pidx,
    status: 'Initiated',
    storedStatus: 'Initiated',
    amount: 1300,
    purchaseOrderId: 'A',
    paymentUrl: a.payment_url,
    transactionId: null,
    refundedAmount: 0,
    locked: false,
  });
  expect(one.json.request.purchase_order_id).toBe('A');
  const missing = await h.get('/__control/payments/nope', { auth: null });
  expect(missing.status).toBe(404);
  expect(missing.json.detail).toContain('nope');
});

it('complete (with or without mobile), cancel, pending and expire over HTTP move lookup accordingly', async () => {
  const cases: [string, unknown, number, string][] = [
    ['complete', { mobile: '9800000003' }, 200, 'Completed'],
    ['complete', undefined, 200, 'Completed'],
    ['cancel', undefined, 400, 'User canceled'],
    ['pending', undefined, 200, 'Pending'],
    ['expire', undefined, 400, 'Expired'],
  ];
  for (const [action, body, lookupStatus, status] of cases) {
    const p = await h.initiate();
    const r = await h.post(`/__control/payments/${p.pidx}/${action}`, body, { auth: null });
    expect(r.status).toBe(200);
    expect(r.json.status).toBe(status);
    const l = await h.lookup(p.pidx);
    expect([l.status, l.json.status]).toEqual([lookupStatus, status]);
    if (action === 'complete') {
      expect(l.json.transaction_id).toBe(r.json.transactionId);
      expect(r.json.mobile).toBe(body ? '9800000003' : '9800000000');
    }
  }
  const p = await h.initiate();
  expect((await h.post(`/__control/payments/${p.pidx}/complete`, { mobile: 'abc' }, { auth: null })).status).toBe(400);
  expect((await h.post('/__control/payments/nope/cancel', {}, { auth: null })).status).toBe(404);
});

it('in-process controls and HTTP controls are the same operations on the same state', async () => {
  const p = await h.initiate();
  const snap = h.emulator.controls.complete(p.pidx, { mobile: '9800000002' });
  const overHttp = await h.get(`/__control/payments/${p.pidx}`, { auth: null });
  expect(overHttp.json).toEqual(snap);
  expect(() => h.emulator.controls.cancel('nope')).toThrow(EmulatorControlError);
  expect(h.emulator.controls.payment('nope')).toBeUndefined();
  // Snapshots are copies: editing one changes nothing.
  snap.amount = 1;
  expect(h.emulator.controls.payment(p.pidx)!.amount).toBe(1300);
});

it('the request log records every API request, never the Authorization value', async () => {
  const p = await h.initiate();
  await h.lookup(p.pidx);
  await h.post('/api/v2/epayment/lookup/', { pidx: p.pidx }, { auth: null });
  await h.post('/api/v2/epayment/lookup/', { pidx: p.pidx }, { auth: 'Key secret_but_wrong' });
  await h.get('/api/v5/bank/?payment_type=ebanking', { auth: null });
  await h.get('/pay?pidx=' + p.pidx, { auth: null }); // not an API request

  const r = await h.get('/__control/requests', { auth: null });
  expect(r.status).toBe(200);
  expect(r.json.map((e: Record<string, unknown>) => [e.route, e.method, e.path, e.hasAuthorization, e.authorized, e.status])).toEqual([
    ['initiate', 'POST', '/api/v2/epayment/initiate/', true, true, 200],
    ['lookup', 'POST', '/api/v2/epayment/lookup/', true, true, 200],
    ['lookup', 'POST', '/api/v2/epayment/lookup/', false, false, 401],
    ['lookup', 'POST', '/api/v2/epayment/lookup/', true, false, 401],
    ['banks', 'GET', '/api/v5/bank/', false, null, 200],
  ]);
  for (const e of r.json) {
    expect(Object.keys(e)).toEqual(expect.arrayContaining(['at', 'method', 'path', 'route', 'hasAuthorization', 'authorized']));
    expect(Number.isNaN(Date.parse(e.at))).toBe(false);
  }
  expect(r.json[1].body).toEqual({ pidx: p.pidx });
  expect(r.text).not.toContain(KEY);
  expect(r.text).not.toContain(AUTH);
  expect(r.text).not.toContain('secret_but_wrong');
});

it('POST /__control/reset forgets payments, the request log and faults', async () => {
  const p = await h.initiate();
  await h.post('/__control/faults', { route: 'lookup', kind: 'status' }, { auth: null });
  expect((await h.post('/__control/reset', undefined, { auth: null })).status).toBe(204);
  expect((await h.get('/__control/payments', { auth: null })).json).toEqual([]);
  expect((await h.lookup(p.pidx)).status).toBe(404); // no fault left to answer first
  expect(h.emulator.controls.requests()).toHaveLength(1);
  expect(h.emulator.controls.faults()).toEqual([]);
});

describe('fault registry over HTTP', () => {
  it('POST returns {id}; GET lists; DELETE clears', async () => {
    const a = await h.post('/__control/faults', { route: 'refund', kind: 'reset', phase: 'after' }, { auth: null });
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ id: expect.any(String) });
    const b = await h.post('/__control/faults', { route: '*', kind: 'latency', ms: 5, count: 3 }, { auth: null });
    expect(b.json.id).not.toBe(a.json.id);
    const list = await h.get('/__control/faults', { auth: null });
    expect(list.json).toEqual([
      expect.objectContaining({ id: a.json.id, route: 'refund', kind: 'reset', phase: 'after', remaining: 1 }),
      expect.objectContaining({ id: b.json.id, route: '*', kind: 'latency', phase: 'before', remaining: 3, ms: 5 }),
    ]);
    expect((await h.call('DELETE', '/__control/faults', { auth: null })).status).toBe(204);
    expect((await h.get('/__control/faults', { auth: null })).json).toEqual([]);
  });

  it('refuses bad specs with a message', async () => {
    const bad = [
      { route: 'nowhere', kind: 'status' },
      { route: 'lookup', kind: 'explode' },
      { route: 'lookup', kind: 'status', count: 0 },
      { route: 'lookup', kind: 'status', status: 99 },
      { route: 'lookup', kind: 'latency', ms: -1 },
      { route: 'lookup', kind: 'status', phase: 'during' },
      { route: 'lookup', kind: 'status', colour: 'red' },
    ];
    for (const spec of bad) {
      const r = await h.post('/__control/faults', spec, { auth: null });
      expect(r.status).toBe(400);
      expect(typeof r.json.detail).toBe('string');
    }
    const notJson = await h.call('POST', '/__control/faults', { raw: { contentType: 'application/json', text: '{' }, auth: null });
    expect(notJson.status).toBe(400);
    expect(() => h.emulator.controls.addFault({ route: 'lookup', kind: 'nope' as 'status' })).toThrow(EmulatorControlError);
  });
});

it('an unknown control path is a JSON 404', async () => {
  const r = await h.get('/__control/nothing', { auth: null });
  expect(r.status).toBe(404);
  expect(r.json).toEqual({ detail: 'No such control.' });
});

it('initiate keeps working after controls were used (sanity of shared state)', async () => {
  const r = await h.post('/api/v2/epayment/initiate/', validInitiate());
  expect(r.status).toBe(200);
  expect(h.emulator.controls.payments()).toHaveLength(1);
});
