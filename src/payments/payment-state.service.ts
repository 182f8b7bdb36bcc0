/**
 * The one place a payment's status changes: Khalti's lookup is asked, and what it says is applied
 * in one transaction that re-reads the row, so concurrent lookups, callbacks and reconciler passes
 * produce one status change, one audit row and one event between them.
 */
import { immediately } from '../db/transaction';
import type { Db } from '../db/connection';
import type { PaymentsRepository } from '../db/payments.repository';
import type { PaymentRow } from '../db/schema';
import type { KhaltiClient } from '../khalti/khalti.client';
import type { LookupResult, PaymentStatus } from '../khalti/khalti.types';
import type { AuditService } from './audit.service';
import type { PaymentEvents, PaymentStatusChangeEvent, StatusSource } from './payment-events';
import { isFinal, mayMove } from './status.rules';

export function statusOf(row: PaymentRow): PaymentStatus {
  return row.status as PaymentStatus;
}

export interface RefreshOutcome {
  payment: PaymentRow;
  change: PaymentStatusChangeEvent | null;
}

export class PaymentStateService {
  constructor(
    private readonly db: Db,
    private readonly payments: PaymentsRepository,
    private readonly khalti: Pick<KhaltiClient, 'lookup'>,
    private readonly audit: AuditService,
    private readonly events: PaymentEvents,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(pidx: string): PaymentRow | undefined {
    return this.payments.byPidx(pidx);
  }

  /**
   * Looks the payment up at Khalti and applies the answer. Null when this gateway never initiated
   * the pidx (and then Khalti is not called). Upstream errors propagate unchanged; nothing is written
   * but the audit row of the call.
   *
   * Every caller gets its own fresh lookup: joining one already in flight could hand a buyer
   * returning from the payment page an answer Khalti gave before they paid.
   */
  async refresh(pidx: string, source: StatusSource): Promise<RefreshOutcome | null> {
    if (!this.payments.byPidx(pidx)) return null;
    const lookup = await this.khalti.lookup(pidx);
    return this.apply(pidx, lookup, source);
  }

  /** Applies a lookup result. Exposed for the reconciler's expiry rule and for tests. */
  apply(
    pidx: string,
    lookup: LookupResult,
    source: StatusSource,
    options: { forceStatus?: PaymentStatus; detail?: Record<string, unknown> } = {},
  ): RefreshOutcome {
    const at = this.now();
    const outcome = immediately(this.db, (): RefreshOutcome => {
      const current = this.payments.byPidx(pidx);
      if (!current) throw new Error(`payment ${pidx} vanished`);
      const previous = statusOf(current);
      const reported = options.forceStatus ?? lookup.status;
      const moves = reported !== previous && mayMove(previous, reported);
      // An answer that would walk the payment backwards is an older view of it: none of its
      // fields are applied (the audit row of the call keeps what it said).
      if (reported !== previous && !moves) return { payment: current, change: null };
      const status = moves ? reported : previous;

      const changes = {
        totalAmount: lookup.totalAmount,
        transactionId: lookup.transactionId ?? current.transactionId,
        fee: lookup.fee,
        refunded: lookup.refunded,
        status,
      };
      const same =
        current.totalAmount === changes.totalAmount &&
        current.transactionId === changes.transactionId &&
        current.fee === changes.fee &&
        current.refunded === changes.refunded &&
        current.status === changes.status;
      if (same) return { payment: current, change: null };

      const written = this.payments.update(pidx, current.version, {
        ...changes,
        updatedAt: at,
        nextLookupAt: isFinal(status) ? null : current.nextLookupAt,
      });
      if (!written) throw new Error(`payment ${pidx} changed under an immediate transaction`);
      const payment = this.payments.byPidx(pidx)!;
      if (!moves) return { payment, change: null };

      const auditId = this.audit.statusChange({
        pidx,
        previousStatus: previous,
        status,
        source,
        at,
        detail: { reported: lookup.rawStatus, totalAmount: lookup.totalAmount, ...options.detail },
      });
      return { payment, change: { pidx, previousStatus: previous, status, source, occurredAt: at, payment, auditId } };
    });
    // Published only once the change is committed.
    if (outcome.change) this.events.publish(outcome.change);
    return outcome;
  }

  /**
   * Stores a freshly initiated payment with the audit row of the status it starts in, in the
   * caller's transaction (so neither exists without the other). Returns the event to publish once
   * that transaction has committed.
   */
  insertInitiated(payment: PaymentRow): PaymentStatusChangeEvent {
    const at = payment.createdAt;
    this.payments.insert(payment);
    const auditId = this.audit.statusChange({ pidx: payment.pidx, previousStatus: null, status: 'INITIATED', source: 'INITIATE', at });
    return { pidx: payment.pidx, previousStatus: null, status: 'INITIATED', source: 'INITIATE', occurredAt: at, payment, auditId };
  }

  publish(event: PaymentStatusChangeEvent): void {
    this.events.publish(event);
  }
}
