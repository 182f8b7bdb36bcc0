import { mapKhaltiStatus } from '../../../src/khalti/khalti.status';
import { PAYMENT_STATUSES } from '../../../src/payments/payment-status';

describe('mapKhaltiStatus', () => {
  test.each([
    ['Completed', 'COMPLETED'],
    ['Pending', 'PENDING'],
    ['Initiated', 'INITIATED'],
    ['Refunded', 'REFUNDED'],
    ['Partially Refunded', 'PARTIALLY_REFUNDED'],
    ['Partially refunded', 'PARTIALLY_REFUNDED'],
    ['partially  REFUNDED', 'PARTIALLY_REFUNDED'],
    ['Expired', 'EXPIRED'],
    ['User canceled', 'USER_CANCELED'],
    ['User Canceled', 'USER_CANCELED'],
    ['Failed', 'FAILED'],
    ['COMPLETED', 'COMPLETED'],
    [' completed ', 'COMPLETED'],
  ])('%j -> %s', (raw, expected) => {
    expect(mapKhaltiStatus(raw)).toBe(expected);
  });

  test.each([
    ['Complete'], // the legacy API's word, not lookup's
    ['Success'],
    ['User cancelled'], // British spelling is not what Khalti sends
    ['Canceled'],
    ['Confirmed'],
    [''],
    [null],
    [undefined],
    [1],
    [{ status: 'Completed' }],
  ])('%j -> UNKNOWN (held, never success)', (raw) => {
    expect(mapKhaltiStatus(raw)).toBe('UNKNOWN');
  });

  test('every mapped value is a PaymentStatus', () => {
    for (const raw of ['Completed', 'Pending', 'Initiated', 'Refunded', 'Partially refunded', 'Expired', 'User canceled', 'x']) {
      expect(PAYMENT_STATUSES).toContain(mapKhaltiStatus(raw));
    }
  });
});
