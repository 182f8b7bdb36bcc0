import { PAYMENT_STATUSES, type PaymentStatus } from '../../../src/payments/payment-status';
import { hasAmountMismatch, isFinal, isLateCompletion, isPaid, isRefundable, mayMove, needsLookup } from '../../../src/payments/status.rules';

describe('status rules', () => {
  const nothingRefunded = { refundedAmount: 0, refunded: false };

  it('pays out only on COMPLETED for exactly the amount initiated, with nothing refunded', () => {
    for (const status of PAYMENT_STATUSES) {
      expect(isPaid({ status, amount: 1000, totalAmount: 1000, ...nothingRefunded })).toBe(status === 'COMPLETED');
    }
    expect(isPaid({ status: 'COMPLETED', amount: 1000, totalAmount: 999, ...nothingRefunded })).toBe(false);
    expect(isPaid({ status: 'COMPLETED', amount: 1000, totalAmount: null, ...nothingRefunded })).toBe(false);
    // A refund that succeeded while Khalti's status still says Completed: no longer paid.
    expect(isPaid({ status: 'COMPLETED', amount: 1000, totalAmount: 1000, refundedAmount: 1, refunded: false })).toBe(false);
    expect(isPaid({ status: 'COMPLETED', amount: 1000, totalAmount: 1000, refundedAmount: 0, refunded: true })).toBe(false);
  });

  it('lets Khalti\'s Completed reach a payment the gateway had given up on, and flags it late', () => {
    for (const from of ['EXPIRED', 'USER_CANCELED', 'FAILED'] as const) {
      expect(mayMove(from, 'COMPLETED')).toBe(true);
      expect(isLateCompletion(from, 'COMPLETED')).toBe(true);
      expect(mayMove(from, 'PENDING')).toBe(false);
      expect(mayMove(from, 'INITIATED')).toBe(false);
    }
    expect(isLateCompletion('INITIATED', 'COMPLETED')).toBe(false);
    expect(isLateCompletion('COMPLETED', 'REFUNDED')).toBe(false);
  });

  it('treats an inferred EXPIRED as a guess: any later answer but Initiated replaces it, and reads look it up', () => {
    expect(mayMove('EXPIRED', 'PENDING', true)).toBe(true);
    expect(mayMove('EXPIRED', 'USER_CANCELED', true)).toBe(true);
    expect(mayMove('EXPIRED', 'INITIATED', true)).toBe(false);
    expect(needsLookup({ status: 'EXPIRED', expiryInferred: true })).toBe(true);
    expect(needsLookup({ status: 'EXPIRED', expiryInferred: false })).toBe(false);
    expect(needsLookup({ status: 'PENDING', expiryInferred: false })).toBe(true);
    expect(needsLookup({ status: 'COMPLETED', expiryInferred: true })).toBe(false);
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
      ['EXPIRED', 'PENDING', false],
      ['USER_CANCELED', 'INITIATED', false],
      ['UNKNOWN', 'COMPLETED', true],
      ['PENDING', 'INITIATED', false],
    ];
    for (const [from, to, allowed] of cases) expect([from, to, mayMove(from, to)]).toEqual([from, to, allowed]);
  });
});
