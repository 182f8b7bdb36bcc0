/**
 * A status change as an event, rebuilt from its audit row: what the feed publishes for other
 * processes' changes and what a resumed subscription replays from the log. One definition, so a
 * replayed change and a live one are the same event.
 */
import type { AuditRow, PaymentRow } from '../db/schema';
import { auditOperation } from './audit-operation';
import type { PaymentStatusChangeEvent } from './payment-events';
import type { PaymentStatus } from './payment-status';

interface StatusChangeDetail {
  from?: PaymentStatus | null;
  to?: PaymentStatus;
}

const detailOf = (row: AuditRow): StatusChangeDetail => JSON.parse(row.detail ?? '{}') as StatusChangeDetail;

/** The event a status-change audit row records, with `payment` as given; null for any other row. */
export function statusChangeEventOf(row: AuditRow, payment: PaymentRow): PaymentStatusChangeEvent | null {
  if (row.kind !== 'status_change' || row.pidx !== payment.pidx) return null;
  const detail = detailOf(row);
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


/**
 * Payment.statusCursor: the change of `changes` (one payment's, oldest first) that set the status a
 * reader saw. The newest change to that status: a change made after the read (the row and the log
 * are read apart) lies after it, so a subscriber passing it as `after` is sent that change too.
 * When none matches, the oldest change: a longer replay, never a gap. Null when there is none.
 */
export function statusCursorChange(changes: readonly AuditRow[], status: PaymentStatus): number | null {
  for (let i = changes.length - 1; i >= 0; i--) if (detailOf(changes[i]!).to === status) return changes[i]!.id;
  return changes[0]?.id ?? null;
}
