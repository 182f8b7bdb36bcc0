import { PAYMENT_STATUSES, type PaymentStatus } from '../../../src/khalti/khalti.types';
import { hasAmountMismatch, isFinal, isPaid, isRefundable, mayMove } from '../../../src/payments/status.rules';

describe('status rules', () => {
  it('pays out only on COMPLETED for exactly the amount initiated', () => {
    for (const status of PAYMENT_STATUSES) {
      expect(isPaid({ status, amount: 1000, totalAmount: 1000 })).toBe(status === 'COMPLETED');
    }
    expect(isPaid({ status: 'COMPLETED', amount: 1000, totalAmount: 999 })).toBe(false);
    expect(isPaid({ status: 'COMPLETED', amount: 1000, totalAmount: null })).toBe(false);
  });

  it('flags a lookup total that differs from the amount initiated', () => {
    expect(hasAmountMismatch({ amount: 1000, totalAmount: 1000 })).toBe(false);
    expect(hasAmountMismatch({ amount: 1000, totalAmount: null })).toBe(false);
    expect(hasAmountMismatch({ amount: 1000, totalAmount: 100 })).toBe(true);
  });

  it('keeps watching only INITIATED, PENDING and UNKNOWN', () => {
    expect(PAYMENT_STATUSES.filter((status) => !isFinal(status))).toEqual(['INITIATED', 'PENDING', 'UNKNOWN']);
  });

  it('refunds only completed or partly refunded payments', () => {
    expect(PAYMENT_STATUSES.filter(isRefundable)).toEqual(['COMPLETED', 'PARTIALLY_REFUNDED']);
  });

  it('never walks a payment backwards', () => {
    const cases: [PaymentStatus, PaymentStatus, boolean][] = [
      ['INITIATED', 'COMPLETED', true],
      ['PENDING', 'COMPLETED', true],
      ['COMPLETED', 'INITIATED', false],
      ['COMPLETED', 'PENDING', false],
      ['COMPLETED', 'UNKNOWN', false],
      ['COMPLETED', 'PARTIALLY_REFUNDED', true],
      ['PARTIALLY_REFUNDED', 'REFUNDED', true],
      ['REFUNDED', 'PARTIALLY_REFUNDED', false],
      ['EXPIRED', 'COMPLETED', false],
      ['USER_CANCELED', 'INITIATED', false],
      ['UNKNOWN', 'COMPLETED', true],
      ['PENDING', 'INITIATED', false],
    ];
    for (const [from, to, allowed] of cases) expect([from, to, mayMove(from, to)]).toEqual([from, to, allowed]);
  });
});
