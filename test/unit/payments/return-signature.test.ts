/**
 * The return redirect's signature (DESIGN section 9): the recipe, and that every value a buyer
 * could change, a stale ts and another secret all fail verification.
 */
import { createHmac } from 'node:crypto';
import { signReturn, signedText, verifyReturn, type ReturnValues } from '../../../src/payments/return-signature';

const SECRET = 'merchant-secret-0123456789abcdef-0123';
const NOW = new Date('2026-12-01T10:00:00Z');
const TS = String(NOW.getTime() / 1000);
const VALUES: ReturnValues = { pidx: 'HT6o6PEZRWFJ5ygavzHWd5', purchase_order_id: 'order-5001', status: 'INITIATED', paid: 'false', amount: '500000' };

const signedQuery = (values = VALUES, ts = TS, secret = SECRET) =>
  new URLSearchParams({ ...values, ts, signature: signReturn(secret, ts, values) });

describe('return signature', () => {
  it('is lowercase hex HMAC-SHA256 of ts.pidx.purchase_order_id.status.paid.amount', () => {
    const text = `${TS}.HT6o6PEZRWFJ5ygavzHWd5.order-5001.INITIATED.false.500000`;
    expect(signedText(TS, VALUES)).toBe(text);
    expect(signReturn(SECRET, TS, VALUES)).toBe(createHmac('sha256', SECRET).update(text).digest('hex'));
    expect(signReturn(SECRET, TS, VALUES)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies what it signed, within the max age', () => {
    expect(verifyReturn(SECRET, signedQuery(), { now: NOW })).toEqual({ valid: true });
    expect(verifyReturn(SECRET, signedQuery(), { now: new Date(NOW.getTime() + 299_000) })).toEqual({ valid: true });
  });

  it.each([
    ['a flipped paid', { paid: 'true' }],
    ['a changed amount', { amount: '1000' }],
    ['another status', { status: 'COMPLETED' }],
    ['another order', { purchase_order_id: 'order-5002' }],
    ['another pidx', { pidx: 'HT6o6PEZRWFJ5ygavzHWd6' }],
  ])('fails on %s', (_name, change) => {
    const query = signedQuery();
    for (const [key, value] of Object.entries(change)) query.set(key, value);
    expect(verifyReturn(SECRET, query, { now: NOW })).toEqual({ valid: false, reason: 'signature' });
  });

  it('fails on a stale ts, or one far in the future, even with a correct signature', () => {
    const old = String(Number(TS) - 301);
    expect(verifyReturn(SECRET, signedQuery(VALUES, old), { now: NOW })).toEqual({ valid: false, reason: 'stale' });
    const ahead = String(Number(TS) + 3600);
    expect(verifyReturn(SECRET, signedQuery(VALUES, ahead), { now: NOW })).toEqual({ valid: false, reason: 'stale' });
    expect(verifyReturn(SECRET, signedQuery(VALUES, old), { now: NOW, maxAgeSeconds: 600 })).toEqual({ valid: true });
  });

  it('fails on a changed ts (the ts is signed too)', () => {
    const query = signedQuery();
    query.set('ts', String(Number(TS) - 1));
    expect(verifyReturn(SECRET, query, { now: NOW })).toEqual({ valid: false, reason: 'signature' });
  });

  it('fails with another secret', () => {
    expect(verifyReturn(`${SECRET}x`, signedQuery(), { now: NOW })).toEqual({ valid: false, reason: 'signature' });
  });

  it('fails on missing, repeated or malformed parts', () => {
    const without = (key: string) => {
      const query = signedQuery();
      query.delete(key);
      return query;
    };
    for (const key of ['ts', 'signature', 'pidx', 'purchase_order_id', 'status', 'paid', 'amount']) {
      expect(verifyReturn(SECRET, without(key), { now: NOW })).toEqual({ valid: false, reason: 'missing' });
    }
    const repeated = signedQuery();
    repeated.append('paid', 'true');
    expect(verifyReturn(SECRET, repeated, { now: NOW }).valid).toBe(false);
    const upper = signedQuery();
    upper.set('signature', upper.get('signature')!.toUpperCase());
    expect(verifyReturn(SECRET, upper, { now: NOW })).toEqual({ valid: false, reason: 'signature' });
    const short = signedQuery();
    short.set('signature', 'abcd');
    expect(verifyReturn(SECRET, short, { now: NOW })).toEqual({ valid: false, reason: 'signature' });
    const notNumber = signedQuery(VALUES, '1e9');
    expect(verifyReturn(SECRET, notNumber, { now: NOW })).toEqual({ valid: false, reason: 'missing' });
  });
});
