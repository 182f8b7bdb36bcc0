/** Domain rows -> GraphQL objects. The derived fields (paid, amountMismatch) come from status.rules. */
import type { AuditRow, PaymentRow, RefundRow, WebhookEndpointRow } from '../db/schema';
import { auditOperation } from '../payments/audit-operation';
import type { Bank as DomainBank } from '../khalti/khalti.types';
import type { PaymentStatusChangeEvent } from '../payments/payment-events';
import { encodeStatusChangeCursor } from './status-change-cursor';
import { hasAmountMismatch, isPaid } from '../payments/status.rules';
import type { UserError as DomainUserError } from '../payments/user-error';
import { endpointEvents } from '../webhooks/endpoint-events';
import { AuditEntry, Bank, Payment, PaymentStatusChange, Refund, UserError, WebhookEndpoint } from './types';

export function toPayment(row: PaymentRow): Payment {
  const status = row.status;
  return Object.assign(new Payment(), {
    pidx: row.pidx,
    purchaseOrderId: row.purchaseOrderId,
    purchaseOrderName: row.purchaseOrderName,
    amount: row.amount,
    totalAmount: row.totalAmount,
    status,
    paid: isPaid({ ...row, status }),
    lateCompletion: row.lateCompletion,
    amountMismatch: hasAmountMismatch(row),
    transactionId: row.transactionId,
    fee: row.fee,
    refunded: row.refunded,
    refundedAmount: row.refundedAmount,
    paymentUrl: row.paymentUrl,
    returnUrl: row.returnUrl,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
}

export function toRefund(row: RefundRow): Refund {
  return Object.assign(new Refund(), {
    id: row.id,
    amount: row.amount,
    mobile: row.mobile,
    state: row.state,
    detail: row.detail,
    createdAt: row.createdAt,
  });
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return Object.assign(new AuditEntry(), {
    id: String(row.id),
    at: row.at,
    kind: row.kind,
    operation: auditOperation.read(row.kind, row.operation),
    pidx: row.pidx,
    actor: row.actor,
    httpStatus: row.httpStatus,
    durationMs: row.durationMs,
    detail: row.detail,
    detailJson: row.detail === null ? null : (JSON.parse(row.detail) as unknown),
  });
}

export function toBank(bank: DomainBank): Bank {
  return Object.assign(new Bank(), {
    idx: bank.idx,
    name: bank.name,
    shortName: bank.shortName,
    logo: bank.logo,
    swiftCode: bank.swiftCode,
    hasEbanking: bank.hasEbanking,
    hasMobileCheckout: bank.hasMobileCheckout,
    hasMobileBanking: bank.hasMobileBanking,
    hasCardPayment: bank.hasCardPayment,
  });
}

export function toUserErrors(errors: DomainUserError[]): UserError[] {
  return errors.map((error) => Object.assign(new UserError(), { field: error.field, message: error.message, code: error.code }));
}

export function toStatusChange(event: PaymentStatusChangeEvent): PaymentStatusChange {
  return Object.assign(new PaymentStatusChange(), {
    pidx: event.pidx,
    previousStatus: event.previousStatus,
    status: event.status,
    source: event.source,
    occurredAt: event.occurredAt,
    payment: toPayment(event.payment),
    cursor: encodeStatusChangeCursor(event.auditId),
  });
}

/** Never the secret: it is not stored, and the generation that derives it is not exposed. */
export function toWebhookEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return Object.assign(new WebhookEndpoint(), {
    id: row.id,
    url: row.url,
    events: endpointEvents(row),
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    createdAt: row.createdAt,
  });
}
