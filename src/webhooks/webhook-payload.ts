/**
 * The body of a webhook event (DESIGN section 7): `{"type", "timestamp", "data"}`, built once when
 * the event is recorded and sent byte for byte on every attempt (it is what is signed). `data` is
 * the payment as the merchant's backend acts on it, amounts in integer paisa, and for refund events
 * the refund. Never the buyer's personal data (customerInfo, a refund's mobile) nor anything secret.
 */
import type { PaymentRow, RefundRow } from '../db/schema';
import { isPaid } from '../payments/status.rules';
import { wireEventType, type WebhookEventType } from '../payments/webhook-event-type';

export interface WebhookPaymentData {
  pidx: string;
  purchaseOrderId: string;
  /** paisa, as initiated */
  amount: number;
  /** paisa, as Khalti's last lookup reported it */
  totalAmount: number | null;
  status: PaymentRow['status'];
  /** The one "deliver the goods" signal, by the rule Payment.paid follows. */
  paid: boolean;
  /** paisa refunded by refunds that succeeded */
  refundedAmount: number;
  transactionId: string | null;
  lateCompletion: boolean;
}

export interface WebhookRefundData {
  id: string;
  /** paisa */
  amount: number;
  /** Asked for everything that was left (no amount given). */
  full: boolean;
  state: RefundRow['state'];
  detail: string | null;
  createdAt: string;
}

export interface WebhookBody {
  type: string;
  timestamp: string;
  data: WebhookPaymentData & { refund?: WebhookRefundData };
}

export function webhookBody(type: WebhookEventType, at: Date, payment: PaymentRow, refund?: RefundRow): WebhookBody {
  return {
    type: wireEventType(type),
    timestamp: at.toISOString(),
    data: { ...paymentData(payment), ...(refund ? { refund: refundData(refund) } : {}) },
  };
}

function paymentData(payment: PaymentRow): WebhookPaymentData {
  return {
    pidx: payment.pidx,
    purchaseOrderId: payment.purchaseOrderId,
    amount: payment.amount,
    totalAmount: payment.totalAmount,
    status: payment.status,
    paid: isPaid(payment),
    refundedAmount: payment.refundedAmount,
    transactionId: payment.transactionId,
    lateCompletion: payment.lateCompletion,
  };
}

/** Listed field by field (not spread from the row): a column added to refunds must not reach merchants unseen. */
function refundData(refund: RefundRow): WebhookRefundData {
  return {
    id: refund.id,
    amount: refund.amount,
    full: refund.full,
    state: refund.state,
    detail: refund.detail,
    createdAt: refund.createdAt.toISOString(),
  };
}
