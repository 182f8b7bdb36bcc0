/**
 * Refunds. The refund is recorded (REQUESTED) before Khalti is called, never exceeds what is
 * left, and only one refund of a payment is in flight at a time, so concurrent requests cause one
 * upstream call. Khalti's refund is not idempotent: an outcome we did not hear (timeout, reset,
 * 5xx) is UNKNOWN until a lookup shows the money moved or an admin settles it (resolveRefund),
 * never sent again, and it blocks further refunds of the payment meanwhile (refund-state.rules.ts).
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../db/constraint-error';
import { StaleRowError, type Database, type Tx } from '../db/database';
import type { PaymentRow, RefundRow } from '../db/schema';
import type { KhaltiClient } from '../khalti/khalti.client';
import { KhaltiError, KhaltiUnavailableError } from '../khalti/khalti.errors';
import type { LookupResult } from '../khalti/khalti.types';
import type { AuditService } from './audit.service';
import type { RefundOperation } from './audit-operation';
import { fingerprint } from './fingerprint';
import type { PaymentStateService } from './payment-state.service';
import { isOpenRefund, nextRefundState, OPEN_REFUND_STATES, type RefundEvidence, type RefundState } from './refund-state.rules';
import { isRefundable } from './status.rules';
import { groupBy } from './group-by';
import { containsNul } from './text.rules';
import { userError, type UserError } from './user-error';
import type { LogFields } from '../logger';
import type { WebhookOutbox } from '../webhooks/webhook-outbox';
import { refundEventType } from './webhook-event-type';

export type { RefundState } from './refund-state.rules';

export interface RefundCommand {
  pidx: string;
  /** paisa; undefined = everything that is left */
  amount?: number;
  mobile?: string;
  idempotencyKey?: string;
}

export interface ResolveRefundCommand {
  refundId: string;
  /** SUCCEEDED or FAILED: what the admin saw on Khalti's dashboard */
  state: RefundState;
  note: string;
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
  /** First wait before an UNKNOWN refund is looked up again; it doubles from there. */
  settleBaseDelayMs?: number;
  /** Longest wait between two settling lookups of one UNKNOWN refund. */
  settleMaxDelayMs?: number;
  now?: () => Date;
  /** Lines an operator must see: a refund left UNKNOWN, a follow-up lookup that failed. */
  warn?: (line: string, fields?: LogFields) => void;
  /** Webhook events of refund outcomes (SUCCEEDED, FAILED, UNKNOWN), recorded in the unit that records the outcome. */
  outbox?: Pick<WebhookOutbox, 'record' | 'wakeIfQueued'>;
}

const MOBILE = /^\d{10}$/;
export const MAX_RESOLVE_NOTE_LENGTH = 1000;
const DEFAULT_SETTLE_BASE_DELAY_MS = 15_000;
const DEFAULT_SETTLE_MAX_DELAY_MS = 6 * 60 * 60 * 1000;

export class RefundService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly khalti: Pick<KhaltiClient, 'refund' | 'lookup'>,
    private readonly state: PaymentStateService,
    private readonly audit: AuditService,
    private readonly options: RefundServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  forPayment(pidx: string): Promise<RefundRow[]> {
    return this.db.read.refunds.forPayment(pidx);
  }

  /** Refunds of several payments at once (one query), by pidx; a payment without refunds maps to []. */
  async forPayments(pidxs: readonly string[]): Promise<Map<string, RefundRow[]>> {
    return groupBy(pidxs, await this.db.read.refunds.forPayments(pidxs), (row) => row.pidx);
  }

  async refund(command: RefundCommand, actor: string | null): Promise<RefundOutcome> {
    const inputErrors = validate(command);
    if (inputErrors.length) return { refund: null, payment: null, userErrors: inputErrors };
    const requestFingerprint = fingerprint({ pidx: command.pidx, amount: command.amount ?? null, mobile: command.mobile ?? null });

    const reserved = await this.reserveOnce(command, requestFingerprint, actor);
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
      await this.markSucceeded(refund.id, 'khalti_accepted', result.detail);
    } catch (error) {
      if (error instanceof KhaltiUnavailableError && error.nothingSent) {
        // Refused before anything was sent: Khalti has no refund, the balance is free again, and
        // the idempotency key too (a retry with it is a new attempt, not this failed one).
        await this.move(refund.id, 'not_sent', { detail: `Nothing was sent to Khalti: ${error.message}`, operation: 'refund_failed', releaseKey: true });
        throw error;
      }
      if (error instanceof KhaltiUnavailableError) {
        await this.markUnknown(refund.id, error.message);
        await this.settle(refund.id).catch((error: unknown) => this.followUpFailed('settling lookup', refund.pidx, error));
      } else if (error instanceof KhaltiError) {
        await this.move(refund.id, 'khalti_refused', { detail: error.message, operation: 'refund_failed' });
        if (error.kind === 'auth') throw error;
        return { ...(await this.current(refund.id)), userErrors: [userError(null, 'KHALTI_REJECTED', error.message)] };
      } else {
        // Not a Khalti answer at all (a bug, a crash in our code): we cannot know what happened.
        await this.markUnknown(refund.id, error instanceof Error ? error.message : String(error));
        throw error;
      }
    }
    // The status follows from a lookup, as every status does; if Khalti cannot answer now the
    // reconciler will (markSucceeded asked it to look again).
    await this.state.refresh(payment.pidx, 'REFUND').catch((error: unknown) => this.followUpFailed('lookup after the refund', payment.pidx, error));
    return { ...(await this.current(refund.id)), userErrors: [] };
  }

  /** The refund and its payment as committed now. */
  private async current(refundId: string): Promise<{ refund: RefundRow; payment: PaymentRow }> {
    const refund = (await this.db.read.refunds.byId(refundId))!;
    return { refund, payment: (await this.db.read.payments.byPidx(refund.pidx))! };
  }

  /**
   * Reserves the refund (reserve, in one unit of work). A unique index that refuses the insert
   * (an idempotency key, or the one open refund per payment, taken by a concurrent request the
   * payment's lock did not order) means another request won: the unit is run once more, and sees it.
   */
  private async reserveOnce(command: RefundCommand, requestFingerprint: string, actor: string | null): Promise<Reserved> {
    try {
      return await this.db.transaction((tx) => this.reserve(tx, command, requestFingerprint, actor));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return this.db.transaction((tx) => this.reserve(tx, command, requestFingerprint, actor));
    }
  }

  /**
   * Looks the payment of an UNKNOWN refund up and settles the refund if the lookup shows the
   * money moved. Never resends, and never concludes FAILED: "not refunded (yet)" is what Khalti
   * also says before it applies a refund it received. Otherwise the refund stays UNKNOWN and its
   * next look is pushed back (doubling, up to settleMaxDelayMs).
   */
  async settle(refundId: string): Promise<RefundRow | undefined> {
    const refund = await this.db.read.refunds.byId(refundId);
    if (!refund || refund.state !== 'UNKNOWN') return refund;
    const before = (await this.db.read.payments.byPidx(refund.pidx))!;
    let lookup: LookupResult;
    try {
      lookup = await this.khalti.lookup(refund.pidx);
    } catch (error) {
      await this.postpone(refund.id, `Khalti could not be asked (${error instanceof Error ? error.message : String(error)}); still unknown.`);
      throw error;
    }
    await this.state.apply(refund.pidx, lookup, 'REFUND');
    const paid = before.totalAmount ?? before.amount;

    if (lookup.status === 'REFUNDED') {
      await this.markSucceeded(refund.id, 'lookup_applied', 'Settled by lookup: Khalti reports the payment refunded.', paid - before.refundedAmount);
    } else if ((lookup.status === 'PARTIALLY_REFUNDED' || lookup.refunded) && before.refundedAmount === 0) {
      await this.markSucceeded(refund.id, 'lookup_applied', 'Settled by lookup: Khalti reports the payment partially refunded.');
    } else {
      await this.postpone(
        refund.id,
        `Khalti reports "${lookup.rawStatus}" (refunded: ${lookup.refunded}), which does not show this refund applied; it may still be. ` +
          'Check the Khalti dashboard and settle it with resolveRefund.',
      );
    }
    return this.db.read.refunds.byId(refund.id);
  }

  /**
   * An admin settles an UNKNOWN refund after checking Khalti's dashboard. SUCCEEDED counts the
   * amount as refunded; FAILED frees the balance for another refund. One audit row, with the
   * admin's key id (the actor) and note.
   */
  async resolve(command: ResolveRefundCommand): Promise<RefundOutcome> {
    const errors = validateResolve(command);
    if (errors.length) return { refund: null, payment: null, userErrors: errors };
    const evidence: RefundEvidence = command.state === 'SUCCEEDED' ? 'admin_succeeded' : 'admin_failed';
    const note = command.note.trim();
    const refund = await this.db.read.refunds.byId(command.refundId);
    if (!refund) return { refund: null, payment: null, userErrors: [userError(['input', 'refundId'], 'INVALID_VALUE', 'No refund with this id.')] };
    const detail = `Resolved ${command.state} by an admin: ${note}`;
    // The transition is re-checked inside the write's transaction: of two admins (or an admin and
    // a settling lookup) racing, one moves the refund and the other is told it is no longer UNKNOWN.
    const moved =
      evidence === 'admin_succeeded'
        ? await this.markSucceeded(refund.id, evidence, detail, refund.amount, 'refund_resolved', { note })
        : await this.move(refund.id, evidence, { detail, operation: 'refund_resolved', audit: { note } });
    if (!moved) {
      const now = (await this.db.read.refunds.byId(refund.id))!;
      return {
        refund: null,
        payment: (await this.db.read.payments.byPidx(refund.pidx)) ?? null,
        userErrors: [userError(['input', 'refundId'], 'INVALID_VALUE', `Only a refund whose outcome is UNKNOWN can be resolved; this one is ${now.state}.`)],
      };
    }
    if (command.state === 'SUCCEEDED') {
      await this.state.refresh(refund.pidx, 'REFUND').catch((error: unknown) => this.followUpFailed('lookup after resolveRefund', refund.pidx, error));
    }
    return { ...(await this.current(refund.id)), userErrors: [] };
  }

  /** UNKNOWN refunds whose next settling lookup is due. */
  async dueForSettling(now: Date): Promise<RefundRow[]> {
    return (await this.db.read.refunds.inStates(['UNKNOWN'])).filter((refund) => refund.nextSettleAt === null || refund.nextSettleAt.getTime() <= now.getTime());
  }

  /**
   * A refund left REQUESTED past abandonAfterMs belongs to a call that can no longer be running
   * (the process died, or our own write after Khalti's answer failed): its outcome is unknown,
   * and it is settled by lookup like any other. Run at start-up and by the reconciler; a refund
   * another live process is still sending is younger than that and left alone.
   */
  async markAbandonedUnknown(): Promise<number> {
    const before = this.now().getTime() - this.options.abandonAfterMs;
    const abandoned = (await this.db.read.refunds.inStates(['REQUESTED'])).filter((refund) => refund.updatedAt.getTime() <= before);
    for (const refund of abandoned) {
      await this.markUnknown(refund.id, 'No answer from Khalti was recorded for this refund (the gateway stopped or failed mid-call).');
    }
    return abandoned.length;
  }

  /**
   * Decides and records the refund in the caller's unit of work, with the payment's row locked so
   * that concurrent refunds of it are decided one after another (the partial unique index
   * refunds_one_open_per_payment holds the rule even without the lock).
   */
  private async reserve(tx: Tx, command: RefundCommand, requestFingerprint: string, actor: string | null): Promise<Reserved> {
    const refuse = (error: UserError, payment: PaymentRow | null = null) => ({ outcome: { refund: null, payment, userErrors: [error] } });

    await tx.lockPayment(command.pidx);
    if (command.idempotencyKey) {
      const earlier = await tx.refunds.byIdempotencyKey(command.idempotencyKey);
      if (earlier) {
        if (earlier.requestFingerprint !== requestFingerprint) {
          return refuse(userError(['input', 'idempotencyKey'], 'IDEMPOTENCY_KEY_REUSED', 'This idempotencyKey was used for a refund with different fields.'));
        }
        return { outcome: { refund: earlier, payment: (await tx.payments.byPidx(earlier.pidx)) ?? null, userErrors: [] } };
      }
    }

    const payment = await tx.payments.byPidx(command.pidx);
    if (!payment) return refuse(userError(['input', 'pidx'], 'NOT_REFUNDABLE', 'No payment with this pidx was initiated through this gateway.'));
    if (!isRefundable(payment.status) || !payment.transactionId) {
      return refuse(userError(['input', 'pidx'], 'NOT_REFUNDABLE', `A ${payment.status} payment cannot be refunded.`), payment);
    }
    const open = (await tx.refunds.inStates(OPEN_REFUND_STATES, payment.pidx)).filter((refund) => isOpenRefund(refund.state));
    if (open.some((refund) => refund.state === 'UNKNOWN')) {
      return refuse(
        userError(
          ['input', 'pidx'],
          'REFUND_OUTCOME_UNKNOWN',
          'An earlier refund of this payment has an unknown outcome; it must be settled (by lookup, or resolveRefund after checking the Khalti dashboard) before another.',
        ),
        payment,
      );
    }
    if (open.length > 0) return refuse(userError(['input', 'pidx'], 'NOT_REFUNDABLE', 'Another refund of this payment is in progress.'), payment);
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
    await tx.refunds.insert(refund);
    await this.audit.refundStep(tx, { pidx: payment.pidx, operation: 'refund_requested', detail: { refundId: refund.id, amount, full: refund.full, remaining } });
    return { refund, payment };
  }

  /**
   * The money moved: recorded once, counting the amount as refunded and asking the reconciler to
   * look the payment up again (its status must follow from a lookup).
   */
  private markSucceeded(
    refundId: string,
    evidence: RefundEvidence,
    detail: string,
    amount?: number,
    operation: RefundOperation = 'refund_succeeded',
    audit: Record<string, unknown> = {},
  ): Promise<boolean> {
    return this.afterCommit(async (tx) => {
      const pidx = (await tx.refunds.byId(refundId))!.pidx;
      // The payment first, as every unit that decides from it does (one lock order: no deadlock).
      await tx.lockPayment(pidx);
      const current = (await tx.refunds.byId(refundId))!;
      if (nextRefundState(current.state, evidence) !== 'SUCCEEDED') return { moved: false, queued: 0 };
      const refunded = amount ?? current.amount;
      const payment = (await tx.payments.byPidx(current.pidx))!;
      const at = this.now();
      await tx.refunds.update(refundId, { state: 'SUCCEEDED', amount: refunded, detail, updatedAt: at, nextSettleAt: null });
      const written = await tx.payments.update(payment.pidx, payment.version, {
        refundedAmount: payment.refundedAmount + refunded,
        nextLookupAt: at,
        updatedAt: at,
      });
      if (!written) throw new StaleRowError(`payments ${payment.pidx}`);
      const auditId = await this.audit.refundStep(tx, { pidx: current.pidx, operation, detail: { refundId, state: 'SUCCEEDED', amount: refunded, detail, ...audit } });
      return { moved: true, queued: await this.recordOutcome(tx, refundId, auditId, at, written) };
    });
  }

  /** A lookup that only brings the status up to date failed: the reconciler retries; the operator hears of it. */
  private followUpFailed(what: string, pidx: string, error: unknown): void {
    this.options.warn?.(`warning: refund: ${what} of ${pidx} failed (the reconciler looks again): ${error instanceof Error ? error.message : String(error)}`, {
      level: 'warn',
      pidx,
      err: error,
    });
  }

  private async markUnknown(refundId: string, detail: string): Promise<void> {
    if (!(await this.move(refundId, 'no_answer', { detail, operation: 'refund_outcome_unknown' }))) return;
    const pidx = (await this.db.read.refunds.byId(refundId))?.pidx;
    this.options.warn?.(`warning: refund ${refundId} of ${pidx ?? '-'} is UNKNOWN (settled by lookup, or by resolveRefund): ${detail}`, {
      level: 'warn',
      ...(pidx ? { pidx } : {}),
      refundId,
    });
  }

  /**
   * Moves a refund to FAILED or UNKNOWN as the transition table allows for this evidence; a
   * refund the evidence may not move (already settled, say) is left as it is.
   */
  private move(
    refundId: string,
    evidence: RefundEvidence,
    step: { detail: string; operation: RefundOperation; audit?: Record<string, unknown>; releaseKey?: boolean },
  ): Promise<boolean> {
    return this.afterCommit(async (tx) => {
      await tx.lockPayment((await tx.refunds.byId(refundId))!.pidx);
      const current = (await tx.refunds.byId(refundId))!;
      const next = nextRefundState(current.state, evidence);
      if (next === null || next === 'SUCCEEDED') return { moved: false, queued: 0 };
      const at = this.now();
      await tx.refunds.update(refundId, {
        state: next,
        detail: step.detail,
        updatedAt: at,
        nextSettleAt: next === 'UNKNOWN' ? at : null,
        ...(step.releaseKey ? { idempotencyKey: null } : {}),
      });
      const auditId = await this.audit.refundStep(tx, {
        pidx: current.pidx,
        operation: step.operation,
        detail: { refundId, state: next, amount: current.amount, detail: step.detail, ...step.audit },
      });
      return { moved: true, queued: await this.recordOutcome(tx, refundId, auditId, at) };
    });
  }

  /**
   * The webhook event of the outcome `tx` just recorded for the refund (none for REQUESTED), with
   * the payment as this unit leaves it; returns the deliveries queued.
   */
  private async recordOutcome(tx: Tx, refundId: string, auditId: number, at: Date, payment?: PaymentRow): Promise<number> {
    if (!this.options.outbox) return 0;
    const refund = (await tx.refunds.byId(refundId))!;
    const type = refundEventType(refund.state);
    if (!type) return 0;
    return this.options.outbox.record(tx, { type, payment: payment ?? (await tx.payments.byPidx(refund.pidx))!, refund, auditId, at });
  }

  /** Runs a unit that moves a refund, then wakes the delivery worker if the move queued webhook deliveries. */
  private async afterCommit(work: (tx: Tx) => Promise<{ moved: boolean; queued: number }>): Promise<boolean> {
    const { moved, queued } = await this.db.transaction(work);
    this.options.outbox?.wakeIfQueued(queued);
    return moved;
  }

  /**
   * Still UNKNOWN after a look: the next one backs off. No audit row (the lookup itself has one,
   * and a refund that stays unknown for days must not write one every pass).
   */
  private async postpone(refundId: string, detail: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.lockPayment((await tx.refunds.byId(refundId))!.pidx);
      const current = (await tx.refunds.byId(refundId))!;
      if (current.state !== 'UNKNOWN') return;
      const attempts = current.settleAttempts + 1;
      const base = this.options.settleBaseDelayMs ?? DEFAULT_SETTLE_BASE_DELAY_MS;
      const delay = Math.min(base * 2 ** Math.min(attempts - 1, 30), this.options.settleMaxDelayMs ?? DEFAULT_SETTLE_MAX_DELAY_MS);
      const at = this.now();
      await tx.refunds.update(refundId, { detail, settleAttempts: attempts, nextSettleAt: new Date(at.getTime() + delay), updatedAt: at });
    });
  }
}

type Reserved = { outcome: RefundOutcome } | { refund: RefundRow; payment: PaymentRow };

function validate(command: RefundCommand): UserError[] {
  const errors: UserError[] = [];
  if (!command.pidx.trim()) errors.push(userError(['input', 'pidx'], 'BLANK', 'pidx may not be blank.'));
  else if (containsNul(command.pidx)) errors.push(userError(['input', 'pidx'], 'NOT_REFUNDABLE', 'No payment with this pidx was initiated through this gateway.'));
  if (command.amount !== undefined && (!Number.isSafeInteger(command.amount) || command.amount <= 0)) {
    errors.push(userError(['input', 'amount'], 'INVALID_AMOUNT', 'amount must be a positive whole number of paisa; omit it to refund everything left.'));
  }
  if (command.mobile !== undefined && !MOBILE.test(command.mobile)) {
    errors.push(userError(['input', 'mobile'], 'INVALID_VALUE', 'mobile must be the payer\'s 10-digit Khalti mobile number.'));
  }
  if (command.idempotencyKey !== undefined && (command.idempotencyKey.length < 1 || command.idempotencyKey.length > 255 || containsNul(command.idempotencyKey))) {
    errors.push(userError(['input', 'idempotencyKey'], 'INVALID_VALUE', 'idempotencyKey must be 1 to 255 characters, without NUL.'));
  }
  return errors;
}

function validateResolve(command: ResolveRefundCommand): UserError[] {
  const errors: UserError[] = [];
  if (!command.refundId.trim()) errors.push(userError(['input', 'refundId'], 'BLANK', 'refundId may not be blank.'));
  else if (containsNul(command.refundId)) errors.push(userError(['input', 'refundId'], 'INVALID_VALUE', 'No refund with this id.'));
  if (command.state !== 'SUCCEEDED' && command.state !== 'FAILED') {
    errors.push(userError(['input', 'state'], 'INVALID_VALUE', 'state must be SUCCEEDED or FAILED: what the Khalti dashboard shows for this refund.'));
  }
  if (!command.note.trim()) errors.push(userError(['input', 'note'], 'BLANK', 'note may not be blank: say what you checked.'));
  else if (containsNul(command.note)) errors.push(userError(['input', 'note'], 'INVALID_VALUE', 'note may not contain the NUL character (U+0000).'));
  else if (command.note.length > MAX_RESOLVE_NOTE_LENGTH) {
    errors.push(userError(['input', 'note'], 'INVALID_VALUE', `note must be at most ${MAX_RESOLVE_NOTE_LENGTH} characters.`));
  }
  return errors;
}
