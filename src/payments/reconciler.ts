/**
 * Looks up, in the background, payments whose status may still change, so that subscribers learn
 * of payments whose buyer never came back. Each payment backs off from RECONCILE_INTERVAL_MS;
 * an INITIATED payment still unpaid after its expires_at is recorded EXPIRED after a last lookup.
 * Refunds whose outcome is unknown are settled here too (by lookup, never by resending).
 */
import type { PaymentsRepository } from '../db/payments.repository';
import type { PaymentRow } from '../db/schema';
import { runAs, SYSTEM_ACTOR } from './actor.context';
import { statusOf, type PaymentStateService } from './payment-state.service';
import type { RefundService } from './refund.service';
import { isFinal } from './status.rules';

export interface ReconcilerOptions {
  intervalMs: number;
  /** Longest wait between two lookups of one payment. */
  maxBackoffMs?: number;
  /** How long after expires_at the last lookup happens (Khalti's clock and ours differ a little). */
  expiryGraceMs?: number;
  /** Payments looked up per pass. */
  batchSize?: number;
  /** Looks after a refund for the status to follow it, before giving up. */
  maxRefundFollowUps?: number;
  now?: () => Date;
  onError?: (error: unknown, pidx?: string) => void;
}

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Set by stop(): a pass in progress finishes the payment it is on and goes no further. */
  private stopRequested = false;
  private readonly now: () => Date;

  constructor(
    private readonly payments: PaymentsRepository,
    private readonly state: PaymentStateService,
    private readonly refunds: RefundService,
    private readonly options: ReconcilerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopRequested = false;
    this.schedule();
  }

  /** Stops scheduling and waits for a pass in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass over what is due. Public so tests and operators can run a pass now. */
  runOnce(): Promise<void> {
    if (!this.running) {
      this.running = runAs(SYSTEM_ACTOR, () => this.pass()).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const now = this.now();
    const due = this.payments.dueForLookup(now, this.options.batchSize ?? 50);
    for (const payment of due) {
      if (this.stopRequested) return;
      await this.reconcile(payment);
    }
    this.refunds.markAbandonedUnknown();
    const settleBefore = new Date(now.getTime() - this.options.intervalMs);
    for (const refund of this.refunds.unsettled(settleBefore)) {
      if (this.stopRequested) return;
      await this.refunds.settle(refund.id).catch((error) => this.options.onError?.(error, refund.pidx));
    }
  }

  private async reconcile(payment: PaymentRow): Promise<void> {
    let current = payment;
    try {
      const outcome = await this.state.refresh(payment.pidx, 'RECONCILER');
      if (outcome) current = outcome.payment;
    } catch (error) {
      this.options.onError?.(error, payment.pidx);
    }
    const now = this.now();
    const status = statusOf(current);
    const attempts = current.lookupAttempts + 1;
    const pastExpiry = now.getTime() >= current.expiresAt.getTime() + (this.options.expiryGraceMs ?? 5000);

    if (status === 'INITIATED' && pastExpiry) {
      // The last lookup after expires_at still says Initiated: the buyer never paid and cannot now.
      this.state.apply(
        current.pidx,
        { pidx: current.pidx, totalAmount: current.totalAmount ?? current.amount, status: 'INITIATED', rawStatus: 'Initiated', transactionId: current.transactionId, fee: current.fee ?? 0, refunded: current.refunded },
        'RECONCILER',
        { forceStatus: 'EXPIRED', detail: { reason: 'still Initiated at Khalti after expires_at' } },
      );
      current = this.state.get(current.pidx)!;
    }

    this.payments.update(current.pidx, current.version, {
      lookupAttempts: attempts,
      nextLookupAt: this.nextLookup(current, attempts, now),
    });
  }

  private nextLookup(payment: PaymentRow, attempts: number, now: Date): Date | null {
    const status = statusOf(payment);
    const awaitingRefund = status === 'COMPLETED' && payment.refundedAmount > 0;
    if (isFinal(status) && !awaitingRefund) return null;
    if (awaitingRefund && attempts > (this.options.maxRefundFollowUps ?? 10)) return null;
    const backoff = Math.min(this.options.intervalMs * 2 ** Math.min(attempts, 20), this.options.maxBackoffMs ?? 10 * 60 * 1000);
    let next = now.getTime() + backoff;
    // Look once more right after expiry rather than sleeping through it.
    const expiryCheck = payment.expiresAt.getTime() + (this.options.expiryGraceMs ?? 5000);
    if (status === 'INITIATED' && now.getTime() < expiryCheck) next = Math.min(next, expiryCheck);
    return new Date(next);
  }
}
