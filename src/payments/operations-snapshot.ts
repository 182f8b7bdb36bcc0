/**
 * Counts an operator watches (the gauges on /metrics read them on every scrape): payments per
 * status, refunds whose outcome is unknown, payments the reconciler should already have looked up.
 */
import type { PaymentsRepository } from '../db/payments.repository';
import type { RefundsRepository } from '../db/refunds.repository';
import { PAYMENT_STATUSES, type PaymentStatus } from './payment-status';

export class OperationsSnapshot {
  constructor(
    private readonly payments: Pick<PaymentsRepository, 'countByStatus' | 'countDueForLookup'>,
    private readonly refunds: Pick<RefundsRepository, 'countInState'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Every status the gateway knows, 0 where there are none (so a series never disappears). */
  async paymentsByStatus(): Promise<Record<PaymentStatus, number>> {
    const counts = Object.fromEntries(PAYMENT_STATUSES.map((status) => [status, 0])) as Record<PaymentStatus, number>;
    for (const { status, n } of await this.payments.countByStatus()) {
      if (status in counts) counts[status] = n;
    }
    return counts;
  }

  refundsUnknown(): Promise<number> {
    return this.refunds.countInState('UNKNOWN');
  }

  reconcilerDue(): Promise<number> {
    return this.payments.countDueForLookup(this.now());
  }
}
