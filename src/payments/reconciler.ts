/**
 * Looks up, in the background, payments whose status may still change, so that subscribers learn
 * of payments whose buyer never came back. Each payment backs off from RECONCILE_INTERVAL_MS;
 * an INITIATED payment that a lookup past its expires_at still finds Initiated is recorded
 * EXPIRED (inferred), and then looked up on a slow tail in case Khalti completes it late.
 * Refunds whose outcome is unknown are settled here too (by lookup, never by resending).
 */
import { SINGLE_STATEMENT, StaleRowError, type Database } from '../db/database';
import type { PaymentRow } from '../db/schema';
import { runAs, SYSTEM_ACTOR } from './actor.context';
import type { PaymentStateService } from './payment-state.service';
import type { RefundService } from './refund.service';
import { isFinal } from './status.rules';

export interface ReconcilerOptions {
  intervalMs: number;
  /** Longest wait between two lookups of one payment. */
  maxBackoffMs?: number;
  /** How long after expires_at the last lookup happens (Khalti's clock and ours differ a little). */
  expiryGraceMs?: number;
  /** Most payments looked up per pass. */
  batchSize?: number;
  /** Lookups in flight at once within a pass (RECONCILE_CONCURRENCY). */
  concurrency?: number;
  /**
   * How long a claimed payment is kept from other passes (in any instance): longer than one
   * lookup and its bookkeeping can take. A pass claims `concurrency` payments at a time.
   */
  claimLeaseMs?: number;
  /** Looks after a refund for the status to follow it, before giving up. */
  maxRefundFollowUps?: number;
  /** Offsets from expires_at at which a payment the gateway inferred EXPIRED is looked up again. */
  lateCompletionChecksMs?: readonly number[];
  now?: () => Date;
  onError?: (error: unknown, pidx?: string) => void;
  /** After each finished pass (metrics: a reconciler that stops passing is stalled). */
  onPass?: (at: Date) => void;
}

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Set by stop(): a pass in progress finishes the payment it is on and goes no further. */
  private stopRequested = false;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
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
      this.running = runAs(SYSTEM_ACTOR, () => this.pass())
        .then(() => this.options.onPass?.(this.now()))
        .finally(() => {
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
    const limit = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    const concurrency = Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY);
    const leaseUntil = () => new Date(this.now().getTime() + (this.options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS));
    // Claimed a few at a time, so that a claim's lease only has to outlast the lookups in flight,
    // and other instances' passes take the rest of the backlog meanwhile.
    for (let done = 0; done < limit && !this.stopRequested; ) {
      const claimed = await this.db.transaction((tx) => tx.payments.claimDueForLookup(now, Math.min(concurrency, limit - done), leaseUntil()), SINGLE_STATEMENT);
      if (claimed.length === 0) break;
      await Promise.all(claimed.map((payment) => this.reconcile(payment)));
      done += claimed.length;
    }
    if (this.stopRequested) return;
    await this.refunds.markAbandonedUnknown();
    for (const refund of await this.refunds.dueForSettling(now)) {
      if (this.stopRequested) return;
      await this.refunds.settle(refund.id).catch((error) => this.options.onError?.(error, refund.pidx));
    }
  }

  private async reconcile(payment: PaymentRow): Promise<void> {
    const now = this.now();
    // Past expires_at a lookup that still says Initiated makes the payment EXPIRED; a lookup that
    // fails makes nothing (the next pass asks again). Never an inference without an answer.
    const pastExpiry = now.getTime() >= payment.expiresAt.getTime() + this.expiryGraceMs;
    try {
      await this.state.refresh(payment.pidx, 'RECONCILER', { inferExpiry: pastExpiry });
    } catch (error) {
      this.options.onError?.(error, payment.pidx);
    }
    // The schedule is decided from the row as it is now, under its lock: a status change that
    // landed meanwhile (a buyer's return) is what the next lookup is planned from.
    await this.db.transaction(async (tx) => {
      await tx.lockPayment(payment.pidx);
      const current = await tx.payments.byPidx(payment.pidx);
      if (!current) return;
      const attempts = current.lookupAttempts + 1;
      const written = await tx.payments.update(current.pidx, current.version, {
        lookupAttempts: attempts,
        nextLookupAt: this.nextLookup(current, attempts, this.now()),
      });
      if (!written) throw new StaleRowError(`payments ${current.pidx}`);
    });
  }

  private get expiryGraceMs(): number {
    return this.options.expiryGraceMs ?? 5000;
  }

  private nextLookup(payment: PaymentRow, attempts: number, now: Date): Date | null {
    const status = payment.status;
    if (status === 'EXPIRED' && payment.expiryInferred) return this.lateCompletionCheck(payment, now);
    const awaitingRefund = status === 'COMPLETED' && payment.refundedAmount > 0;
    if (isFinal(status) && !awaitingRefund) return null;
    if (awaitingRefund && attempts > (this.options.maxRefundFollowUps ?? 10)) return null;
    const backoff = Math.min(this.options.intervalMs * 2 ** Math.min(attempts, 20), this.options.maxBackoffMs ?? 10 * 60 * 1000);
    let next = now.getTime() + backoff;
    // Look once more right after expiry rather than sleeping through it.
    const expiryCheck = payment.expiresAt.getTime() + this.expiryGraceMs;
    if (status === 'INITIATED' && now.getTime() < expiryCheck) next = Math.min(next, expiryCheck);
    return new Date(next);
  }

  /**
   * The slow tail for a payment the gateway itself recorded EXPIRED: Khalti may still complete it
   * (clock skew, a slow bank), and its buyer may never come back to tell us, so it is looked up a
   * few more times at growing distances from expires_at, then left.
   */
  private lateCompletionCheck(payment: PaymentRow, now: Date): Date | null {
    const next = (this.options.lateCompletionChecksMs ?? LATE_COMPLETION_CHECKS_MS)
      .map((offset) => payment.expiresAt.getTime() + offset)
      .find((at) => at > now.getTime());
    return next === undefined ? null : new Date(next);
  }
}

const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_CLAIM_LEASE_MS = 60_000;

/** After the gateway inferred EXPIRED: look again 1 hour and 24 hours after expires_at. */
export const LATE_COMPLETION_CHECKS_MS: readonly number[] = [60 * 60 * 1000, 24 * 60 * 60 * 1000];
