/**
 * The webhook events the gateway sends (DESIGN section 7): the GraphQL enum names, registered from
 * this list, and the wire `type` each is sent as. One definition for the schema, the outbox and the
 * endpoint subscriptions (stored as wire types).
 */
import type { PaymentStatus } from './payment-status';
import type { RefundState } from './refund-state.rules';

export const WEBHOOK_EVENT_TYPES = [
  'PAYMENT_COMPLETED',
  'PAYMENT_PENDING',
  'PAYMENT_FAILED',
  'PAYMENT_EXPIRED',
  'PAYMENT_CANCELED',
  'PAYMENT_REFUNDED',
  'PAYMENT_PARTIALLY_REFUNDED',
  'PAYMENT_AMOUNT_MISMATCH',
  'REFUND_SUCCEEDED',
  'REFUND_FAILED',
  'REFUND_UNKNOWN',
  /** Only ever sent by sendTestWebhook (wire type `webhook.test`), whatever the endpoint subscribed to. */
  'WEBHOOK_TEST',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The wire type: `PAYMENT_PARTIALLY_REFUNDED` is sent as `payment.partially_refunded`. */
export function wireEventType(type: WebhookEventType): string {
  const [group, ...rest] = type.toLowerCase().split('_');
  return `${group}.${rest.join('_')}`;
}

const FROM_WIRE = new Map(WEBHOOK_EVENT_TYPES.map((type) => [wireEventType(type), type]));

/** The event type a wire type names, or null for one this gateway does not send. */
export function eventTypeFromWire(wire: string): WebhookEventType | null {
  return FROM_WIRE.get(wire) ?? null;
}

/**
 * The event a payment's new status is announced as, or null for statuses no merchant acts on
 * (INITIATED is where every payment starts; UNKNOWN is the gateway not knowing yet).
 */
const STATUS_EVENT: Record<PaymentStatus, WebhookEventType | null> = {
  INITIATED: null,
  PENDING: 'PAYMENT_PENDING',
  COMPLETED: 'PAYMENT_COMPLETED',
  REFUNDED: 'PAYMENT_REFUNDED',
  PARTIALLY_REFUNDED: 'PAYMENT_PARTIALLY_REFUNDED',
  EXPIRED: 'PAYMENT_EXPIRED',
  USER_CANCELED: 'PAYMENT_CANCELED',
  FAILED: 'PAYMENT_FAILED',
  UNKNOWN: null,
};

export function statusEventType(status: PaymentStatus): WebhookEventType | null {
  return STATUS_EVENT[status];
}

/** The event a refund's outcome is announced as; REQUESTED is not an outcome. */
const REFUND_EVENT: Record<RefundState, WebhookEventType | null> = {
  REQUESTED: null,
  SUCCEEDED: 'REFUND_SUCCEEDED',
  FAILED: 'REFUND_FAILED',
  UNKNOWN: 'REFUND_UNKNOWN',
};

export function refundEventType(state: RefundState): WebhookEventType | null {
  return REFUND_EVENT[state];
}
