/**
 * A webhook delivery's states and how an attempt moves them. PENDING holds every delivery that
 * still has attempts to make; DELIVERED and FAILED are final (redeliverWebhooks makes a new
 * delivery of the same event rather than reopening one, so every attempt's history stays).
 */
export const WEBHOOK_DELIVERY_STATES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

export type AttemptOutcome =
  /** The endpoint answered 2xx. */
  | 'accepted'
  /** Anything else (non-2xx, timeout, refused, a redirect) with attempts left in the schedule. */
  | 'retryable'
  /** The schedule is spent, the endpoint answered 410 Gone, or it was disabled or deleted. */
  | 'given_up';

const NEXT: Record<WebhookDeliveryState, Partial<Record<AttemptOutcome, WebhookDeliveryState>>> = {
  PENDING: { accepted: 'DELIVERED', retryable: 'PENDING', given_up: 'FAILED' },
  DELIVERED: {},
  FAILED: {},
};

/** The state an attempt's outcome moves a delivery to, or null when it may not move it. */
export function nextDeliveryState(from: WebhookDeliveryState, outcome: AttemptOutcome): WebhookDeliveryState | null {
  return NEXT[from][outcome] ?? null;
}
