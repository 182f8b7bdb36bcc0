/**
 * The emulator's state: payments and page sessions, in memory. Every change to a payment goes
 * through a method here, so the rules (expiry by clock, refund arithmetic) live in one place and
 * the API, the payment page and the test controls cannot disagree about them; and so that, given
 * an EmulatorState, each change is also written to disk before the answer that reports it is sent.
 */
import { khaltiId, sessionToken } from './emulator.ids';
import type { EmulatorState } from './emulator.state';
import type { ValidInitiate } from './emulator.validation';
import type { LookupOverride, PageSession, PaymentRecord, StoredStatus } from './emulator.types';

/** A page session lives as long as an OTP screen plausibly stays open. */
const SESSION_TTL_MS = 15 * 60_000;

export class EmulatorStore {
  private readonly payments = new Map<string, PaymentRecord>();
  private readonly byTransactionId = new Map<string, PaymentRecord>();
  private readonly sessions = new Map<string, PageSession>();

  /** `state`: payments kept on disk; the ones it holds are known from the start. Null: memory only. */
  constructor(
    readonly now: () => Date,
    private readonly state: EmulatorState | null = null,
  ) {
    for (const record of state?.loaded ?? []) {
      this.payments.set(record.pidx, record);
      if (record.transactionId !== null) this.byTransactionId.set(record.transactionId, record);
    }
  }

  create(input: ValidInitiate, request: Record<string, unknown>, ttlSeconds: number): PaymentRecord {
    const createdAt = this.now();
    const record: PaymentRecord = {
      pidx: this.unusedId(),
      request,
      returnUrl: input.returnUrl,
      websiteUrl: input.websiteUrl,
      amount: input.amount,
      purchaseOrderId: input.purchaseOrderId,
      purchaseOrderName: input.purchaseOrderName,
      modes: input.modes,
      bank: input.bank,
      merchantExtra: input.merchantExtra,
      status: 'Initiated',
      createdAt,
      expiresAt: new Date(createdAt.getTime() + ttlSeconds * 1000),
      transactionId: null,
      mobile: null,
      completedAt: null,
      canceledAt: null,
      fee: 0,
      refunds: [],
      refundedAmount: 0,
      mpinFailures: 0,
      locked: false,
      lookupOverride: null,
    };
    this.payments.set(record.pidx, record);
    this.changed(record);
    return record;
  }

  get(pidx: string): PaymentRecord | undefined {
    return this.payments.get(pidx);
  }

  all(): PaymentRecord[] {
    return [...this.payments.values()];
  }

  byTransaction(transactionId: string): PaymentRecord | undefined {
    return this.byTransactionId.get(transactionId);
  }

  /**
   * What the payment's status is now. Khalti's links expire: a payment nobody finished (still
   * Initiated, or Pending) reports Expired once expires_at has passed, without anyone acting.
   */
  effectiveStatus(record: PaymentRecord): StoredStatus {
    if ((record.status === 'Initiated' || record.status === 'Pending') && this.now() >= record.expiresAt) {
      return 'Expired';
    }
    return record.status;
  }

  /** Paid: a transaction id appears (kept if the payment already had one, e.g. completed twice by control). */
  complete(record: PaymentRecord, mobile: string): void {
    record.status = 'Completed';
    record.transactionId ??= this.unusedId();
    this.byTransactionId.set(record.transactionId, record);
    record.mobile = mobile;
    record.completedAt = this.now();
    record.locked = false;
    this.changed(record);
  }

  cancel(record: PaymentRecord): void {
    record.status = 'User canceled';
    record.canceledAt = this.now();
    this.changed(record);
  }

  markPending(record: PaymentRecord): void {
    record.status = 'Pending';
    this.changed(record);
  }

  /** Expire now: both the status and the deadline, so clock-based and stored views agree. */
  expire(record: PaymentRecord): void {
    record.status = 'Expired';
    record.expiresAt = this.now();
    this.changed(record);
  }

  remaining(record: PaymentRecord): number {
    return record.amount - record.refundedAmount;
  }

  refund(record: PaymentRecord, amount: number, mobile: string | null): void {
    record.refunds.push({ amount, mobile, at: this.now() });
    record.refundedAmount += amount;
    record.status = this.remaining(record) <= 0 ? 'Refunded' : 'Partially Refunded';
    this.changed(record);
  }

  /** Counts a wrong MPIN; returns the attempts left (0 means the payment is now locked). */
  wrongMpin(record: PaymentRecord, limit: number): number {
    record.mpinFailures += 1;
    const left = Math.max(0, limit - record.mpinFailures);
    if (left === 0) record.locked = true;
    this.changed(record);
    return left;
  }

  /** A correct MPIN: only consecutive failures lock, so the count starts again. */
  rightMpin(record: PaymentRecord): void {
    if (record.mpinFailures === 0) return;
    record.mpinFailures = 0;
    this.changed(record);
  }

  /** What every later lookup of this payment is forced to say (null: the truth again). */
  setLookupOverride(record: PaymentRecord, override: LookupOverride | null): void {
    record.lookupOverride = override;
    this.changed(record);
  }

  openSession(pidx: string, mobile: string): PageSession {
    this.dropStaleSessions();
    const session: PageSession = { token: sessionToken(), pidx, mobile, createdAt: this.now() };
    this.sessions.set(session.token, session);
    return session;
  }

  /** The session for this token, only if it belongs to this payment and is still fresh. */
  session(token: string, pidx: string): PageSession | undefined {
    this.dropStaleSessions();
    const session = this.sessions.get(token);
    return session && session.pidx === pidx ? session : undefined;
  }

  /** A payment's sessions end with it: a finished payment's OTP form must not work again. */
  closeSessions(pidx: string): void {
    for (const [token, session] of this.sessions) if (session.pidx === pidx) this.sessions.delete(token);
  }

  reset(): void {
    this.payments.clear();
    this.byTransactionId.clear();
    this.sessions.clear();
    this.state?.clear();
  }

  /** Writes the payment to disk (when there is a state), before the caller answers anyone. */
  private changed(record: PaymentRecord): void {
    this.state?.save(record);
  }

  private dropStaleSessions(): void {
    const cutoff = this.now().getTime() - SESSION_TTL_MS;
    for (const [token, session] of this.sessions) if (session.createdAt.getTime() < cutoff) this.sessions.delete(token);
  }

  /** pidx and transaction ids share one namespace in the emulator, so refunds can find either. */
  private unusedId(): string {
    for (;;) {
      const id = khaltiId();
      if (!this.payments.has(id) && !this.byTransactionId.has(id)) return id;
    }
  }
}
