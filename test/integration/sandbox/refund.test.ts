import { startHarness, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const refundPath = (txn: string) => `/api/merchant-transaction/${txn}/refund/`;
const OK = { detail: 'Transaction refund successful.' };

async function paid(overrides: Record<string, unknown> = {}) {
  const p = await h.initiate(overrides);
  const snap = h.emulator.controls.complete(p.pidx);
  return { pidx: p.pidx, txn: snap.transactionId! };
}

describe('wallet payments', () => {
  it('{} refunds in full: lookup then says Refunded, refunded true, total_amount unchanged', async () => {
    const { pidx, txn } = await paid({ amount: 5000 });
    const r = await h.post(refundPath(txn), {});
    expect(r.status).toBe(200);
    expect(r.json).toEqual(OK);
    const l = await h.lookup(pidx);
    expect(l.status).toBe(200);
    expect(l.json).toEqual({ pidx, total_amount: 5000, status: 'Refunded', transaction_id: txn, fee: 0, refunded: true });
  });

  it('an empty body (no content type) is a full refund too', async () => {
    const { pidx, txn } = await paid();
    expect((await h.call('POST', refundPath(txn))).status).toBe(200);
    expect((await h.lookup(pidx)).json.status).toBe('Refunded');
  });

  it('{amount} refunds partially: Partially Refunded, then the rest makes it Refunded', async () => {
    const { pidx, txn } = await paid({ amount: 5000 });
    expect((await h.post(refundPath(txn), { amount: 2000 })).json).toEqual(OK);
    let l = await h.lookup(pidx);
    expect(l.json).toMatchObject({ status: 'Partially Refunded', refunded: true, total_amount: 5000 });

    // More than is left is refused, and changes nothing.
    const over = await h.post(refundPath(txn), { amount: 3001 });
    expect(over.status).toBe(400);
    expect(over.json).toEqual({ detail: 'Refund amount exceeds the refundable amount of 3000 paisa.', error_key: 'validation_error' });
    expect(h.emulator.controls.payment(pidx)!.refundedAmount).toBe(2000);

    // {} refunds what is left.
    expect((await h.post(refundPath(txn), {})).status).toBe(200);
    l = await h.lookup(pidx);
    expect(l.json).toMatchObject({ status: 'Refunded', refunded: true, total_amount: 5000 });
    expect(h.emulator.controls.payment(pidx)!.refunds.map((x) => x.amount)).toEqual([2000, 3000]);
  });

  it('is not idempotent: a second full refund is refused because nothing is left', async () => {
    const { txn } = await paid();
    expect((await h.post(refundPath(txn), {})).status).toBe(200);
    const again = await h.post(refundPath(txn), {});
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ detail: 'Transaction has already been fully refunded.', error_key: 'validation_error' });
  });

  it('refuses amounts that are zero, negative or not integers', async () => {
    const { pidx, txn } = await paid();
    for (const amount of [0, -100]) {
      const r = await h.post(refundPath(txn), { amount });
      expect(r.status).toBe(400);
      expect(r.json.amount).toEqual(['Ensure this value is greater than or equal to 1.']);
    }
    for (const amount of [10.5, 'abc', true]) {
      const r = await h.post(refundPath(txn), { amount });
      expect(r.status).toBe(400);
      expect(r.json.amount).toEqual(['A valid integer is required.']);
    }
    expect(h.emulator.controls.payment(pidx)!.refundedAmount).toBe(0);
  });
});

describe('bank payments', () => {
  it('need mobile; {mobile} refunds in full, {mobile, amount} partially', async () => {
    const full = await paid({ amount: 20000, modes: ['EBANKING'] });
    const missing = await h.post(refundPath(full.txn), {});
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ mobile: ['This field is required.'], error_key: 'validation_error' });
    expect((await h.post(refundPath(full.txn), { mobile: '98-bad' })).json.mobile).toEqual(['Enter a valid mobile number.']);
    expect((await h.post(refundPath(full.txn), { mobile: '9800000001' })).json).toEqual(OK);
    expect((await h.lookup(full.pidx)).json.status).toBe('Refunded');
    expect(h.emulator.controls.payment(full.pidx)!.refunds).toEqual([
      expect.objectContaining({ amount: 20000, mobile: '9800000001' }),
    ]);

    const part = await paid({ amount: 20000, bank: 'UZmPqTDkdhKmukdZe2gVWZ' });
    expect((await h.post(refundPath(part.txn), { mobile: '9800000001', amount: 5000 })).status).toBe(200);
    expect((await h.lookup(part.pidx)).json).toMatchObject({ status: 'Partially Refunded', refunded: true });
  });

  it('a payment that also allowed the wallet is a wallet payment (no mobile needed)', async () => {
    const { txn } = await paid({ amount: 20000, modes: ['KHALTI', 'EBANKING'] });
    expect((await h.post(refundPath(txn), {})).status).toBe(200);
  });
});

describe('refusals', () => {
  it('an unpaid payment cannot be refunded (addressed by pidx, as it has no transaction id)', async () => {
    const p = await h.initiate();
    const r = await h.post(refundPath(p.pidx), {});
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ detail: 'Only completed transactions can be refunded.', error_key: 'validation_error' });
    h.emulator.controls.cancel(p.pidx);
    expect((await h.post(refundPath(p.pidx), {})).status).toBe(400);
  });

  it('an unknown transaction id: 404 Not found', async () => {
    const r = await h.post(refundPath('UnknownTxn23456789ABCD'), {});
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ detail: 'Not found.', error_key: 'validation_error' });
  });

  it('needs authorization, checked before anything else', async () => {
    const { pidx, txn } = await paid();
    expect((await h.post(refundPath(txn), {}, { auth: null })).status).toBe(401);
    expect((await h.post(refundPath(txn), {}, { auth: 'Key nope' })).json.detail).toBe('Invalid token.');
    expect((await h.lookup(pidx)).json.status).toBe('Completed');
  });

  it('lives at /api/merchant-transaction/ (no /v2)', async () => {
    const { txn } = await paid();
    expect((await h.post(`/api/v2/merchant-transaction/${txn}/refund/`, {})).status).toBe(404);
  });
});
