import { FakeClock, startHarness, type Harness } from './helpers';

const clock = new FakeClock();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now });
});
afterAll(() => h.close());

const status = (token: string, amount: number | string, auth?: string | null) =>
  h.get(`/api/v2/payment/status/?token=${encodeURIComponent(token)}&amount=${amount}`, { auth });

it('Completed -> Complete, by transaction id (and by pidx)', async () => {
  const p = await h.initiate({ amount: 1000 });
  const txn = h.emulator.controls.complete(p.pidx).transactionId!;
  for (const token of [txn, p.pidx]) {
    const r = await status(token, 1000);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: true, state: 'Complete', detail: 'Transaction complete.' });
  }
});

it('Initiated -> Initiated, with Khalti\'s "Transaciton" spelling', async () => {
  const p = await h.initiate({ amount: 1000 });
  expect((await status(p.pidx, 1000)).json).toEqual({ status: true, state: 'Initiated', detail: 'Transaciton initiated.' });
});

it('Pending -> Confirmed ("Transaciton not verified.")', async () => {
  const p = await h.initiate({ amount: 1000 });
  h.emulator.controls.pending(p.pidx);
  expect((await status(p.pidx, 1000)).json).toEqual({ status: true, state: 'Confirmed', detail: 'Transaciton not verified.' });
});

it('Partially refunded, then Refunded', async () => {
  const p = await h.initiate({ amount: 4000 });
  const txn = h.emulator.controls.complete(p.pidx).transactionId!;
  await h.post(`/api/merchant-transaction/${txn}/refund/`, { amount: 1000 });
  expect((await status(txn, 4000)).json).toEqual({
    status: false,
    state: 'Partially refunded',
    detail: 'Transaction partially refunded.',
  });
  await h.post(`/api/merchant-transaction/${txn}/refund/`, {});
  expect((await status(txn, 4000)).json).toEqual({ status: false, state: 'Refunded', detail: 'Transaciton refunded.' });
});

it('a lookup override with status "Failed" forces Failed; expired and canceled payments read as Failed', async () => {
  const p = await h.initiate({ amount: 1000 });
  h.emulator.controls.complete(p.pidx);
  h.emulator.controls.setLookupOverride(p.pidx, { status: 'Failed' });
  expect((await status(p.pidx, 1000)).json).toEqual({ status: false, state: 'Failed', detail: 'Transaction failed.' });

  const expired = await h.initiate({ amount: 1000, ttl: 5 });
  clock.advance(5000);
  expect((await status(expired.pidx, 1000)).json.state).toBe('Failed');
});

it('wrong amount or unknown token: 404 {status:false, state:"Error", detail:"Transaction not found"}', async () => {
  const p = await h.initiate({ amount: 1000 });
  const txn = h.emulator.controls.complete(p.pidx).transactionId!;
  for (const [token, amount] of [
    [txn, 1001],
    ['NoSuchToken', 1000],
  ] as const) {
    const r = await status(token, amount);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ status: false, state: 'Error', detail: 'Transaction not found' });
  }
});

it('missing or bad parameters: 400 field errors', async () => {
  const r = await h.get('/api/v2/payment/status/');
  expect(r.status).toBe(400);
  expect(r.json).toEqual({
    token: ['This field is required.'],
    amount: ['This field is required.'],
    error_key: 'validation_error',
  });
  expect((await status('x', 'ten')).json.amount).toEqual(['A valid integer is required.']);
});

it('needs authorization', async () => {
  const p = await h.initiate({ amount: 1000 });
  expect((await status(p.pidx, 1000, null)).status).toBe(401);
  expect((await status(p.pidx, 1000, 'Key wrong')).json).toEqual({ detail: 'Invalid token.', status_code: 401 });
});
