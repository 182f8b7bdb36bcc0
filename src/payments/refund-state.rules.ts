/**
 * How a refund's state may change, and on what evidence. Khalti's refund call is not idempotent
 * and its answer can be lost, so the table is strict about UNKNOWN: only proof that the money
 * moved (Khalti's own answer, or a lookup showing the payment refunded) or an admin who checked
 * Khalti's dashboard settles it. "Khalti's lookup says refunded: false" is no such proof: Khalti
 * may still apply a refund it received, and freeing the balance then would pay the buyer twice.
 */
export const REFUND_STATES = ['REQUESTED', 'SUCCEEDED', 'FAILED', 'UNKNOWN'] as const;
export type RefundState = (typeof REFUND_STATES)[number];

export type RefundEvidence =
  /** Khalti answered our refund call with success. */
  | 'khalti_accepted'
  /** Khalti answered our refund call with a refusal (validation, not found...). */
  | 'khalti_refused'
  /** No answer was heard: timeout, reset, 5xx, or the process died mid-call. */
  | 'no_answer'
  /** Refused before anything was sent (no free connection to Khalti): Khalti has no such refund. */
  | 'not_sent'
  /** A lookup shows the payment refunded (the refund applied). */
  | 'lookup_applied'
  /** An admin checked Khalti's dashboard (resolveRefund). */
  | 'admin_succeeded'
  | 'admin_failed';

const NEXT: Record<RefundState, Partial<Record<RefundEvidence, RefundState>>> = {
  REQUESTED: { khalti_accepted: 'SUCCEEDED', khalti_refused: 'FAILED', no_answer: 'UNKNOWN', not_sent: 'FAILED' },
  // A late answer to our own call is still Khalti's word about it (e.g. it was marked UNKNOWN as
  // abandoned while its process was alive but could not write).
  UNKNOWN: {
    khalti_accepted: 'SUCCEEDED',
    khalti_refused: 'FAILED',
    lookup_applied: 'SUCCEEDED',
    admin_succeeded: 'SUCCEEDED',
    admin_failed: 'FAILED',
  },
  SUCCEEDED: {},
  FAILED: {},
};

/** The state this evidence moves a refund to, or null when it may not move it. */
export function nextRefundState(from: RefundState, evidence: RefundEvidence): RefundState | null {
  return NEXT[from][evidence] ?? null;
}

/**
 * Open refunds: their money may still move, so one blocks another refund of the same payment
 * (the partial unique index refunds_one_open_per_payment holds the database to it).
 */
export const OPEN_REFUND_STATES: readonly RefundState[] = ['REQUESTED', 'UNKNOWN'];

export function isOpenRefund(state: RefundState): boolean {
  return OPEN_REFUND_STATES.includes(state);
}
