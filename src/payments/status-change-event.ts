/**
 * A status change as an event, rebuilt from its audit row: what the feed publishes for other
 * processes' changes and what a resumed subscription replays from the log. One definition, so a
 * replayed change and a live one are the same event.
 */
import type { AuditRow, PaymentRow } from '../db/schema';
import { auditOperation } from './audit-operation';
import type { PaymentStatusChangeEvent } from './payment-events';
import type { PaymentStatus } from './payment-status';

/** The event a status-change audit row records, with `payment` as given; null for any other row. */
export function statusChangeEventOf(row: AuditRow, payment: PaymentRow): PaymentStatusChangeEvent | null {
  if (row.kind !== 'status_change' || row.pidx !== payment.pidx) return null;
  const detail = JSON.parse(row.detail ?? '{}') as { from?: PaymentStatus | null; to?: PaymentStatus };
  const source = auditOperation.sourceOf(row.operation);
  if (!detail.to || !source) return null;
  return {
    pidx: payment.pidx,
    previousStatus: detail.from ?? null,
    status: detail.to,
    source,
    occurredAt: row.at,
    payment,
    auditId: row.id,
  };
}

