/**
 * The one place a payment's status changes: Khalti's lookup is asked, and what it says is applied
 * in one transaction that re-reads the row, so concurrent lookups, callbacks and reconciler passes
 * produce one status change, one audit row and one event between them.
 */
import { StaleRowError, type Database, type Tx } from '../db/database';
import type { PaymentRow } from '../db/schema';
import type { KhaltiClient } from '../khalti/khalti.client';
import type { LookupResult } from '../khalti/khalti.types';
import type { LogFields } from '../logger';
import type { PaymentStatus } from './payment-status';
import type { AuditService } from './audit.service';
import type { PaymentEvents, PaymentStatusChangeEvent } from './payment-events';
import type { StatusSource } from './status-source';
import { containsNul } from './text.rules';
import { hasAmountMismatch, isLateCompletion, isMoneyMoved, mayMove, needsLookup } from './status.rules';
import { statusEventType, type WebhookEventType } from './webhook-event-type';
import type { WebhookOutbox } from '../webhooks/webhook-outbox';

export interface RefreshOutcome {
  payment: PaymentRow;
  change: PaymentStatusChangeEvent | null;
  /** This change is a late completion (Khalti paid a payment the gateway had given up on). */
  late?: boolean;
}

export interface ApplyOptions {
  /**
   * The reconciler's last lookup past expires_at: if Khalti still says Initiated, record EXPIRED
   * (flagged as inferred). Only ever from a lookup made in the same pass, never without one.
   */
  inferExpiry?: boolean;
  detail?: Record<string, unknown>;
}

export interface PaymentStateOptions {
  now?: () => Date;
  /** Warnings an operator must see (a late completion, an amount mismatch). */
  warn?: (line: string, fields?: LogFields) => void;
  /** Every committed status change this process made, with what an operator counts (metrics). */
  onChange?: (change: PaymentStatusChangeEvent, facts: ChangeFacts) => void;
  /** Webhook events of each status change, recorded in the unit that commits it. */
  outbox?: Pick<WebhookOutbox, 'record' | 'wakeIfQueued'>;
}

export interface ChangeFacts {
  late: boolean;
  /** The payment just became paid-for at Khalti with a total_amount other than its amount. */
  amountMismatch: boolean;
}

export class PaymentStateService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly khalti: Pick<KhaltiClient, 'lookup'>,
    private readonly audit: AuditService,
    private readonly events: PaymentEvents,
    private readonly options: PaymentStateOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async get(pidx: string): Promise<PaymentRow | undefined> {
    // No stored pidx holds a NUL (text.rules.ts), and PostgreSQL would refuse to compare one.
    if (containsNul(pidx)) return undefined;
    return this.db.read.payments.byPidx(pidx);
  }

  /**
   * Looks the payment up at Khalti and applies the answer. Null when this gateway never initiated
   * the pidx (and then Khalti is not called). Upstream errors propagate unchanged; nothing is written
   * but the audit row of the call.
   *
   * Every caller gets its own fresh lookup: joining one already in flight could hand a buyer
   * returning from the payment page an answer Khalti gave before they paid.
   */
  async refresh(pidx: string, source: StatusSource, options: ApplyOptions = {}): Promise<RefreshOutcome | null> {
    if (!(await this.get(pidx))) return null;
    const lookup = await this.khalti.lookup(pidx);
    return this.apply(pidx, lookup, source, options);
  }

  /** Applies a lookup result (what Khalti said, never a made-up one). Exposed for refunds and tests. */
  async apply(pidx: string, lookup: LookupResult, source: StatusSource, options: ApplyOptions = {}): Promise<RefreshOutcome> {
    const at = this.now();
    if (lookup.status === 'UNKNOWN') {
      // Khalti said something the gateway has no word for: the payment is recorded UNKNOWN until it says more.
      this.options.warn?.(`warning: Khalti reports ${pidx} with a status the gateway does not know: ${JSON.stringify(String(lookup.rawStatus).slice(0, 40))}`, {
        level: 'warn',
        pidx,
      });
    }
    // Most lookups change nothing (a pending payment polled, a final one verified again): decided
    // from a plain read first, they cost no unit of work. Anything else is decided again under
    // the row's lock, from the row as it is then.
    const seen = await this.db.read.payments.byPidx(pidx);
    if (seen && decide(seen, lookup, options).kind === 'none') return { payment: seen, change: null };

    const outcome = await this.db.transaction(async (tx): Promise<Applied> => {
      await tx.lockPayment(pidx);
      const current = await tx.payments.byPidx(pidx);
      if (!current) throw new Error(`payment ${pidx} vanished`);
      const decision = decide(current, lookup, options);
      if (decision.kind === 'none') return { payment: current, change: null, amountMismatch: false, queued: 0 };
      const { changes, moves, late, inferring } = decision;
      const previous = current.status;
      const status = changes.status;

      const payment = await tx.payments.update(pidx, current.version, {
        ...changes,
        updatedAt: at,
        nextLookupAt: needsLookup(changes) ? current.nextLookupAt : null,
      });
      // The row is locked for this unit: nobody can have written it since it was read.
      if (!payment) throw new StaleRowError(`payments ${pidx}`);
      if (!moves) return { payment, change: null, amountMismatch: false, queued: 0 };

      const auditId = await this.audit.statusChange(tx, {
        pidx,
        previousStatus: previous,
        status,
        source,
        at,
        detail: {
          reported: lookup.rawStatus,
          totalAmount: lookup.totalAmount,
          ...(inferring ? { reason: 'still Initiated at Khalti after expires_at', inferred: true } : {}),
          ...(late ? { lateCompletion: true } : {}),
          ...options.detail,
        },
      });
      // Decided here, not after the commit: its webhook event belongs to this unit.
      const amountMismatch = isMoneyMoved(status) && !isMoneyMoved(previous) && hasAmountMismatch(payment);
      let queued = 0;
      if (this.options.outbox) {
        const types: (WebhookEventType | null)[] = [statusEventType(status), amountMismatch ? 'PAYMENT_AMOUNT_MISMATCH' : null];
        for (const type of types) if (type) queued += await this.options.outbox.record(tx, { type, payment, auditId, at });
      }
      return { payment, late, amountMismatch, queued, change: { pidx, previousStatus: previous, status, source, occurredAt: at, payment, auditId } };
    });
    this.options.outbox?.wakeIfQueued(outcome.queued);
    // Published only once the change is committed.
    if (outcome.change) {
      const { change } = outcome;
      if (outcome.late) {
        this.options.warn?.(
          `warning: late completion: Khalti reports ${pidx} ${change.status} after the gateway had recorded it ${change.previousStatus}; ` +
            'the record now follows Khalti (lateCompletion: true). Check whether the order was cancelled or re-sold.',
          { level: 'warn', pidx },
        );
      }
      const { amountMismatch } = outcome;
      if (amountMismatch) {
        this.options.warn?.(
          `warning: amount mismatch: Khalti reports ${pidx} ${change.status} with total_amount ${change.payment.totalAmount} for an amount of ${change.payment.amount} paisa; ` +
            'it is not paid (amountMismatch: true). Check the payment at Khalti before fulfilling or refunding.',
          { level: 'warn', pidx },
        );
      }
      this.options.onChange?.(change, { late: outcome.late === true, amountMismatch });
      this.events.publish(change);
    }
    return { payment: outcome.payment, change: outcome.change, ...(outcome.late !== undefined ? { late: outcome.late } : {}) };
  }

  /**
   * Stores a freshly initiated payment with the audit row of the status it starts in, in the
   * caller's transaction (so neither exists without the other). Returns the event to publish once
   * that transaction has committed.
   */
  async insertInitiated(tx: Tx, payment: PaymentRow): Promise<PaymentStatusChangeEvent> {
    const at = payment.createdAt;
    await tx.payments.insert(payment);
    const auditId = await this.audit.statusChange(tx, { pidx: payment.pidx, previousStatus: null, status: 'INITIATED', source: 'INITIATE', at });
    return { pidx: payment.pidx, previousStatus: null, status: 'INITIATED', source: 'INITIATE', occurredAt: at, payment, auditId };
  }

  publish(event: PaymentStatusChangeEvent): void {
    this.events.publish(event);
  }
}

/** A unit's outcome, with what is acted on after its commit. */
type Applied = RefreshOutcome & { amountMismatch: boolean; queued: number };

type Decision =
  | { kind: 'none' }
  | {
      kind: 'write';
      changes: Pick<PaymentRow, 'totalAmount' | 'transactionId' | 'fee' | 'refunded' | 'status' | 'expiryInferred' | 'lateCompletion'>;
      /** The status moves (an audit row and an event); otherwise only the other fields change. */
      moves: boolean;
      late: boolean;
      inferring: boolean;
    };

/** What a lookup's answer does to the payment as it is: nothing, or these changes. */
function decide(current: PaymentRow, lookup: LookupResult, options: ApplyOptions): Decision {
  const previous = current.status;
  const inferring = options.inferExpiry === true && previous === 'INITIATED' && lookup.status === 'INITIATED';
  const reported: PaymentStatus = inferring ? 'EXPIRED' : lookup.status;
  const moves = reported !== previous && mayMove(previous, reported, current.expiryInferred);
  // An answer that would walk the payment backwards is an older view of it: none of its
  // fields are applied (the audit row of the call keeps what it said).
  if (reported !== previous && !moves) return { kind: 'none' };
  const status = moves ? reported : previous;
  const late = moves && isMoneyMoved(status) && !isMoneyMoved(previous) && (isLateCompletion(previous, status) || current.expiryInferred);
  const changes = {
    totalAmount: lookup.totalAmount,
    transactionId: lookup.transactionId ?? current.transactionId,
    fee: lookup.fee,
    refunded: lookup.refunded,
    status,
    // Khalti saying Expired itself replaces the gateway's guess with Khalti's word; otherwise
    // the flag stays as history (a later Completed is then a late completion).
    expiryInferred: inferring || (current.expiryInferred && !(status === 'EXPIRED' && lookup.status === 'EXPIRED')),
    lateCompletion: current.lateCompletion || late,
  };
  const same = (Object.keys(changes) as (keyof typeof changes)[]).every((key) => current[key] === changes[key]);
  return same ? { kind: 'none' } : { kind: 'write', changes, moves, late, inferring };
}
