/**
 * The rules about payment statuses that everything else leans on. A status only ever changes
 * through a lookup (see payment-state.service.ts); these rules say which changes a lookup may make.
 */
import type { PaymentStatus } from '../khalti/khalti.types';

/** Statuses the reconciler stops watching and payment(pidx) stops refreshing. */
const FINAL: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  'COMPLETED',
  'REFUNDED',
  'PARTIALLY_REFUNDED',
  'EXPIRED',
  'USER_CANCELED',
  'FAILED',
]);

export function isFinal(status: PaymentStatus): boolean {
  return FINAL.has(status);
}

/** Only a completed payment that has something left can be refunded. */
export function isRefundable(status: PaymentStatus): boolean {
  return status === 'COMPLETED' || status === 'PARTIALLY_REFUNDED';
}

/**
 * Which status may follow which. Lookups answered out of order (a slow lookup started before the
 * buyer paid, answered after a faster one saw Completed) must not walk a payment backwards, so a
 * lookup reporting an earlier status is recorded in the audit log but changes nothing.
 */
const NEXT: Record<PaymentStatus, ReadonlySet<PaymentStatus>> = {
  INITIATED: new Set(['PENDING', 'COMPLETED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'EXPIRED', 'USER_CANCELED', 'FAILED', 'UNKNOWN']),
  PENDING: new Set(['COMPLETED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'EXPIRED', 'USER_CANCELED', 'FAILED', 'UNKNOWN']),
  UNKNOWN: new Set(['INITIATED', 'PENDING', 'COMPLETED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'EXPIRED', 'USER_CANCELED', 'FAILED']),
  COMPLETED: new Set(['REFUNDED', 'PARTIALLY_REFUNDED']),
  PARTIALLY_REFUNDED: new Set(['REFUNDED']),
  REFUNDED: new Set(),
  EXPIRED: new Set(),
  USER_CANCELED: new Set(),
  FAILED: new Set(),
};

export function mayMove(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].has(to);
}

/** The only "deliver the goods" signal: completed, for exactly the amount initiated. */
export function isPaid(payment: { status: PaymentStatus; amount: number; totalAmount: number | null }): boolean {
  return payment.status === 'COMPLETED' && payment.totalAmount === payment.amount;
}

/** Khalti's lookup reported a total different from what we initiated. */
export function hasAmountMismatch(payment: { amount: number; totalAmount: number | null }): boolean {
  return payment.totalAmount !== null && payment.totalAmount !== payment.amount;
}
