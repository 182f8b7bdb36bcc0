/**
 * Refunds. The refund is recorded (REQUESTED) before Khalti is called, never exceeds what is
 * left, and only one refund of a payment is in flight at a time, so concurrent requests cause one
 * upstream call. Khalti's refund is not idempotent: an outcome we did not hear (timeout, reset,
 * 5xx) is settled by lookup, never by sending it again.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/connection';
import type { PaymentsRepository } from '../db/payments.repository';
import type { RefundsRepository } from '../db/refunds.repository';
import type { PaymentRow, RefundRow } from '../db/schema';
import { immediately } from '../db/transaction';
import type { KhaltiClient } from '../khalti/khalti.client';
import { KhaltiError, KhaltiUnavailableError } from '../khalti/khalti.errors';
import type { AuditService } from './audit.service';
import { fingerprint } from './fingerprint';
import { statusOf, type PaymentStateService } from './payment-state.service';
import { isRefundable } from './status.rules';
import { userError, type UserError } from './user-error';

export type RefundState = 'REQUESTED' | 'SUCCEEDED' | 'FAILED' | 'UNKNOWN';

export interface RefundCommand {
  pidx: string;
  /** paisa; undefined = everything that is left */
  amount?: number;
  mobile?: string;
  idempotencyKey?: string;
}

export interface RefundOutcome {
  refund: RefundRow | null;
  payment: PaymentRow | null;
  userErrors: UserError[];
}

export interface RefundServiceOptions {
  /**
   * A refund still REQUESTED this long after it was recorded cannot have a call to Khalti in
   * flight any more (longer than the client's total timeout): its process died or lost track.
   */
  abandonAfterMs: number;
  now?: () => Date;
}

/** Refunds in these states block another refund of the same payment. */
const OPEN_STATES = ['REQUESTED', 'UNKNOWN'];
const MOBILE = /^\d{10}$/;

export class RefundService {
  constructor(
    private readonly db: Db,
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsRepository,
    private readonly khalti: Pick<KhaltiClient, 'refund' | 'lookup'>,
    private readonly state: PaymentStateService,
    private readonly audit: AuditService,
    private readonly options: RefundServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  private readonly now: () => Date;

  forPayment(pidx: string): RefundRow[] {
    return this.refunds.forPayment(pidx);
  }

  async refund(command: RefundCommand, actor: string | null): Promise<RefundOutcome> {
    const inputErrors = validate(command);
    if (inputErrors.length) return { refund: null, payment: null, userErrors: inputErrors };
    const requestFingerprint = fingerprint({ pidx: command.pidx, amount: command.amount ?? null, mobile: command.mobile ?? null });

    const reserved = immediately(this.db, () => this.reserve(command, requestFingerprint, actor));
    if ('outcome' in reserved) return reserved.outcome;
    const { refund, payment } = reserved;

    // Khalti's "full refund" is `{}`; once part has been refunded, "the rest" must be an amount.
    const sendAmount = refund.full && payment.refundedAmount === 0 ? undefined : refund.amount;
    try {
      const result = await this.khalti.refund({
        transactionId: payment.transactionId!,
        pidx: payment.pidx,
        amount: sendAmount,
        mobile: refund.mobile ?? undefined,
      });
      this.markSucceeded(refund, result.detail);
    } catch (error) {
      if (error instanceof KhaltiUnavailableError) {
        this.markUnknown(refund, error.message);
        await this.settle(refund.id).catch(() => undefined);
      } else if (error instanceof KhaltiError) {
        this.finish(refund, 'FAILED', error.message, 'refund_failed');
        if (error.kind === 'auth') throw error;
        const settled = this.refunds.byId(refund.id)!;
        return {
          refund: settled,
          payment: this.payments.byPidx(payment.pidx)!,
          userErrors: [userError(null, 'KHALTI_REJECTED', error.message)],
        };
      } else {
        // Not a Khalti answer at all (a bug, a crash in our code): we cannot know what happened.
        this.markUnknown(refund, error instanceof Error ? error.message : String(error));
        throw error;
      }
    }
    // The status follows from a lookup, as every status does; if Khalti cannot answer now the
    // reconciler will (markSucceeded asked it to look again).
    await this.state.refresh(payment.pidx, 'REFUND').catch(() => undefined);
    return { refund: this.refunds.byId(refund.id)!, payment: this.payments.byPidx(payment.pidx)!, userErrors: [] };
  }

  /**
   * Settles a refund whose outcome we did not hear, from what Khalti's lookup says about the
   * payment. Never resends. Leaves it UNKNOWN when the lookup cannot tell (and says why).
   */
  async settle(refundId: string): Promise<RefundRow> {
    const refund = this.refunds.byId(refundId);
    if (!refund || refund.state !== 'UNKNOWN') return refund!;
    const before = this.payments.byPidx(refund.pidx)!;
    const lookupStartedAt = this.now().getTime();
    const lookup = await this.khalti.lookup(refund.pidx);
    this.state.apply(refund.pidx, lookup, 'REFUND');
    const paid = before.totalAmount ?? before.amount;

    if (lookup.status === 'REFUNDED') {
      this.markSucceeded(refund, 'Settled by lookup: Khalti reports the payment refunded.', paid - before.refundedAmount);
    } else if (lookup.status === 'PARTIALLY_REFUNDED' && before.refundedAmount === 0) {
      this.markSucceeded(refund, 'Settled by lookup: Khalti reports the payment partially refunded.');
    } else if (lookup.status === 'COMPLETED' && !lookup.refunded) {
      // "No refund" is conclusive only from a lookup that started after our call to Khalti could
      // still have been running; an earlier (or stale) answer must not free the balance for a
      // second refund while the first may yet have moved the money.
      const conclusiveFrom = refund.createdAt.getTime() + this.options.abandonAfterMs;
      if (lookupStartedAt >= conclusiveFrom) {
        this.finish(refund, 'FAILED', 'Settled by lookup: Khalti reports no refund of this payment.', 'refund_settled_failed');
      } else {
        this.finish(
          refund,
          'UNKNOWN',
          `Khalti reports no refund yet; not concluded failed before ${new Date(conclusiveFrom).toISOString()}, when our call can no longer be in progress.`,
          'refund_still_unknown',
        );
      }
    } else {
      this.finish(
        refund,
        'UNKNOWN',
        `Khalti reports "${lookup.rawStatus}", which cannot tell whether this refund applied; check the Khalti dashboard.`,
        'refund_still_unknown',
      );
    }
    return this.refunds.byId(refund.id)!;
  }

  /** Refunds whose outcome is unknown and that nobody has tried to settle since `before`. */
  unsettled(before: Date): RefundRow[] {
    return this.refunds.inStates(['UNKNOWN']).filter((refund) => refund.updatedAt.getTime() <= before.getTime());
  }

  /**
   * A refund left REQUESTED past abandonAfterMs belongs to a call that can no longer be running
   * (the process died, or our own write after Khalti's answer failed): its outcome is unknown,
   * and it is settled by lookup like any other. Run at start-up and by the reconciler; a refund
   * another live process is still sending is younger than that and left alone.
   */
  markAbandonedUnknown(): number {
    const before = this.now().getTime() - this.options.abandonAfterMs;
    const abandoned = this.refunds.inStates(['REQUESTED']).filter((refund) => refund.updatedAt.getTime() <= before);
    for (const refund of abandoned) this.markUnknown(refund, 'No answer from Khalti was recorded for this refund (the gateway stopped or failed mid-call).');
    return abandoned.length;
  }

  private reserve(
    command: RefundCommand,
    requestFingerprint: string,
    actor: string | null,
  ): { outcome: RefundOutcome } | { refund: RefundRow; payment: PaymentRow } {
    const refuse = (error: UserError, payment: PaymentRow | null = null) => ({ outcome: { refund: null, payment, userErrors: [error] } });

    if (command.idempotencyKey) {
      const earlier = this.refunds.byIdempotencyKey(command.idempotencyKey);
      if (earlier) {
        if (earlier.requestFingerprint !== requestFingerprint) {
          return refuse(userError(['input', 'idempotencyKey'], 'IDEMPOTENCY_KEY_REUSED', 'This idempotencyKey was used for a refund with different fields.'));
        }
        return { outcome: { refund: earlier, payment: this.payments.byPidx(earlier.pidx) ?? null, userErrors: [] } };
      }
    }

    const payment = this.payments.byPidx(command.pidx);
    if (!payment) return refuse(userError(['input', 'pidx'], 'NOT_REFUNDABLE', 'No payment with this pidx was initiated through this gateway.'));
    if (!isRefundable(statusOf(payment)) || !payment.transactionId) {
      return refuse(userError(['input', 'pidx'], 'NOT_REFUNDABLE', `A ${payment.status} payment cannot be refunded.`), payment);
    }
    if (this.refunds.inStates(OPEN_STATES, payment.pidx).length > 0) {
      return refuse(userError(['input', 'pidx'], 'NOT_REFUNDABLE', 'Another refund of this payment is in progress or being settled.'), payment);
    }
    const remaining = (payment.totalAmount ?? payment.amount) - payment.refundedAmount;
    if (remaining <= 0) return refuse(userError(['input', 'pidx'], 'NOT_REFUNDABLE', 'Nothing is left to refund.'), payment);
    const amount = command.amount ?? remaining;
    if (amount > remaining) {
      return refuse(userError(['input', 'amount'], 'REFUND_EXCEEDS_BALANCE', `Only ${remaining} paisa is left to refund; asked for ${amount}.`), payment);
    }
    if (payment.bankPayment && !command.mobile) {
      return refuse(userError(['input', 'mobile'], 'BLANK', 'Refunds of bank payments need the payer\'s mobile number.'), payment);
    }

    const now = this.now();
    const refund: RefundRow = {
      id: randomUUID(),
      pidx: payment.pidx,
      amount,
      full: command.amount === undefined,
      mobile: command.mobile ?? null,
      state: 'REQUESTED',
      detail: null,
      idempotencyKey: command.idempotencyKey ?? null,
      requestFingerprint,
      actor,
      createdAt: now,
      updatedAt: now,
      nextSettleAt: null,
      settleAttempts: 0,
    };
    this.refunds.insert(refund);
    this.audit.refundStep({ pidx: payment.pidx, operation: 'refund_requested', detail: { refundId: refund.id, amount, full: refund.full, remaining } });
    return { refund, payment };
  }

  /**
   * Khalti says the money moved: that is recorded whatever the refund's state (even FAILED, should
   * a stale lookup have settled it wrongly first), but only once.
   */
  private markSucceeded(refund: RefundRow, detail: string, amount = refund.amount): void {
    immediately(this.db, () => {
      const current = this.refunds.byId(refund.id)!;
      if (current.state === 'SUCCEEDED') return;
      const payment = this.payments.byPidx(refund.pidx)!;
      this.refunds.update(refund.id, { state: 'SUCCEEDED', amount, detail, updatedAt: this.now() });
      // Ask the reconciler to look the payment up again: its status must follow from a lookup.
      this.payments.update(payment.pidx, payment.version, {
        refundedAmount: payment.refundedAmount + amount,
        nextLookupAt: this.now(),
        updatedAt: this.now(),
      });
      this.audit.refundStep({ pidx: refund.pidx, operation: 'refund_succeeded', detail: { refundId: refund.id, amount, detail } });
    });
  }

  private markUnknown(refund: RefundRow, detail: string): void {
    this.finish(refund, 'UNKNOWN', detail, 'refund_outcome_unknown');
  }

  /**
   * Records a refund as FAILED or UNKNOWN, but only while its outcome is still open: a refund
   * already SUCCEEDED (or FAILED) is never moved back by a later, possibly staler, answer.
   */
  private finish(refund: RefundRow, state: RefundState, detail: string, operation: string): void {
    immediately(this.db, () => {
      const current = this.refunds.byId(refund.id)!;
      if (!OPEN_STATES.includes(current.state)) return;
      this.refunds.update(refund.id, { state, detail, updatedAt: this.now() });
      this.audit.refundStep({ pidx: refund.pidx, operation, detail: { refundId: refund.id, amount: refund.amount, detail } });
    });
  }
}

function validate(command: RefundCommand): UserError[] {
  const errors: UserError[] = [];
  if (!command.pidx.trim()) errors.push(userError(['input', 'pidx'], 'BLANK', 'pidx may not be blank.'));
  if (command.amount !== undefined && (!Number.isSafeInteger(command.amount) || command.amount <= 0)) {
    errors.push(userError(['input', 'amount'], 'INVALID_AMOUNT', 'amount must be a positive whole number of paisa; omit it to refund everything left.'));
  }
  if (command.mobile !== undefined && !MOBILE.test(command.mobile)) {
    errors.push(userError(['input', 'mobile'], 'INVALID_VALUE', 'mobile must be the payer\'s 10-digit Khalti mobile number.'));
  }
  if (command.idempotencyKey !== undefined && (command.idempotencyKey.length < 1 || command.idempotencyKey.length > 255)) {
    errors.push(userError(['input', 'idempotencyKey'], 'INVALID_VALUE', 'idempotencyKey must be 1 to 255 characters.'));
  }
  return errors;
}
