/**
 * The rules about payment statuses that everything else leans on. A status only ever changes
 * through a lookup (see payment-state.service.ts); these rules say which changes a lookup may make.
 */
import type { PaymentStatus } from './payment-status';

/** Statuses that may still move at Khalti: the reconciler watches them and payment(pidx) refreshes them. */
const STILL_MOVING: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>(['INITIATED', 'PENDING', 'UNKNOWN']);

/** Every other status is final: the reconciler stops watching it and payment(pidx) stops refreshing it. */
export function isFinal(status: PaymentStatus): boolean {
  return !STILL_MOVING.has(status);
}

/** What a payment record says about itself beyond its status. */
export interface PaymentFacts {
  status: PaymentStatus;
  /** EXPIRED was the gateway's inference (Khalti still said Initiated after expires_at), not Khalti's answer. */
  expiryInferred: boolean;
}

/**
 * Whether reading the payment should ask Khalti again. A final status is Khalti's last word,
 * except an EXPIRED the gateway inferred itself: the buyer may have paid just after expires_at
 * (clock skew, a slow bank), and only a lookup can say so.
 */
export function needsLookup(payment: PaymentFacts): boolean {
  return !isFinal(payment.status) || (payment.status === 'EXPIRED' && payment.expiryInferred);
}

/** Only a completed payment that has something left can be refunded. */
export function isRefundable(status: PaymentStatus): boolean {
  return status === 'COMPLETED' || status === 'PARTIALLY_REFUNDED';
}

/** Khalti's answers that mean the buyer's money moved: they always reach the record. */
const MONEY_MOVED: readonly PaymentStatus[] = ['COMPLETED', 'REFUNDED', 'PARTIALLY_REFUNDED'];

export function isMoneyMoved(status: PaymentStatus): boolean {
  return MONEY_MOVED.includes(status);
}

/**
 * Which status may follow which. Lookups answered out of order (a slow lookup started before the
 * buyer paid, answered after a faster one saw Completed) must not walk a payment backwards, so a
 * lookup reporting an earlier status is recorded in the audit log but changes nothing.
 *
 * The unsuccessful final statuses still give way to Khalti's Completed (and what follows it):
 * Khalti never says Completed unless the money moved, so that answer is never stale, and a payment
 * the buyer paid must not stay EXPIRED for good (a "late completion").
 */
const NEXT: Record<PaymentStatus, ReadonlySet<PaymentStatus>> = {
  INITIATED: new Set(['PENDING', 'COMPLETED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'EXPIRED', 'USER_CANCELED', 'FAILED', 'UNKNOWN']),
  PENDING: new Set(['COMPLETED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'EXPIRED', 'USER_CANCELED', 'FAILED', 'UNKNOWN']),
  UNKNOWN: new Set(['INITIATED', 'PENDING', 'COMPLETED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'EXPIRED', 'USER_CANCELED', 'FAILED']),
  COMPLETED: new Set(['REFUNDED', 'PARTIALLY_REFUNDED']),
  PARTIALLY_REFUNDED: new Set(['REFUNDED']),
  REFUNDED: new Set(),
  EXPIRED: new Set(MONEY_MOVED),
  USER_CANCELED: new Set(MONEY_MOVED),
  FAILED: new Set(MONEY_MOVED),
};

/**
 * An EXPIRED the gateway inferred is a guess, not Khalti's word: whatever Khalti reports next
 * (other than the Initiated the guess was made from) replaces it, Pending included.
 */
const NEXT_FROM_INFERRED_EXPIRY: ReadonlySet<PaymentStatus> = new Set([
  'PENDING',
  'COMPLETED',
  'REFUNDED',
  'PARTIALLY_REFUNDED',
  'USER_CANCELED',
  'FAILED',
]);

export function mayMove(from: PaymentStatus, to: PaymentStatus, fromInferredExpiry = false): boolean {
  if (fromInferredExpiry && from === 'EXPIRED') return NEXT_FROM_INFERRED_EXPIRY.has(to);
  return NEXT[from].has(to);
}

/** A move into "the money moved" from a status that had given up on the payment. */
export function isLateCompletion(from: PaymentStatus, to: PaymentStatus): boolean {
  return (from === 'EXPIRED' || from === 'USER_CANCELED' || from === 'FAILED') && MONEY_MOVED.includes(to);
}

/**
 * The only "deliver the goods" signal: completed, for exactly the amount initiated, and nothing
 * refunded (by a refund that succeeded through this gateway, or by Khalti's own report), even
 * while Khalti's status has not caught up with the refund yet.
 */
export function isPaid(payment: {
  status: PaymentStatus;
  amount: number;
  totalAmount: number | null;
  refundedAmount: number;
  refunded: boolean;
}): boolean {
  return payment.status === 'COMPLETED' && payment.totalAmount === payment.amount && payment.refundedAmount === 0 && !payment.refunded;
}

/** Khalti's lookup reported a total different from what we initiated. */
export function hasAmountMismatch(payment: { amount: number; totalAmount: number | null }): boolean {
  return payment.totalAmount !== null && payment.totalAmount !== payment.amount;
}
