/**
 * The claim on a purchaseOrderId while its payment is being created at Khalti (db/schema.ts
 * `initiations`), as a transition table: which evidence moves a claim where. It is what makes
 * "one Khalti payment per order" hold across requests and processes.
 */
export const INITIATION_STATES = ['IN_FLIGHT', 'DONE', 'FAILED', 'UNKNOWN'] as const;
export type InitiationState = (typeof INITIATION_STATES)[number];

export type InitiationEvent =
  /** A request takes the order to call Khalti for it. */
  | 'claim'
  /** A request takes over a claim whose lease ran out (its process died mid-call). */
  | 'take_over'
  /** Khalti created the payment and it is stored. */
  | 'stored'
  /** Khalti refused (validation, rejection): nothing exists there; the order may be tried again. */
  | 'khalti_refused'
  /**
   * No answer: Khalti may hold a payment nobody was told of. Its payment_url reached nobody, so
   * no buyer can pay it and it expires; the order may be tried again.
   */
  | 'no_answer';

/** `null` is "no claim yet". */
const NEXT: Record<InitiationState | 'NONE', Partial<Record<InitiationEvent, InitiationState>>> = {
  NONE: { claim: 'IN_FLIGHT' },
  IN_FLIGHT: { stored: 'DONE', khalti_refused: 'FAILED', no_answer: 'UNKNOWN', take_over: 'IN_FLIGHT' },
  FAILED: { claim: 'IN_FLIGHT' },
  UNKNOWN: { claim: 'IN_FLIGHT' },
  DONE: {},
};

export function nextInitiationState(from: InitiationState | null, event: InitiationEvent): InitiationState | null {
  return NEXT[from ?? 'NONE'][event] ?? null;
}

/** Claims in these states have ended: a new request may claim the order again. */
export const RECLAIMABLE_STATES: readonly InitiationState[] = INITIATION_STATES.filter((state) => nextInitiationState(state, 'claim') !== null);

/** A live claim in this state whose lease ran out may be taken over, to this state. */
export const TAKE_OVER_FROM: InitiationState = 'IN_FLIGHT';

/**
 * What a request may do about an order's claim now: take it (no claim, an ended attempt, or a
 * lease that ran out), or leave it to the live call that holds it.
 */
export function claimEvent(current: { state: InitiationState; leaseUntil: Date } | undefined, nowMs: number): InitiationEvent | null {
  // The same rule InitiationsRepository.claim's upsert applies, from the same two constants.
  if (!current) return 'claim';
  if (current.state === TAKE_OVER_FROM) return current.leaseUntil.getTime() > nowMs ? null : 'take_over';
  return RECLAIMABLE_STATES.includes(current.state) ? 'claim' : null;
}
