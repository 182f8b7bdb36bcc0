/**
 * Erasing a buyer's personal data for good: the payment's customer name, email and phone, its
 * refunds' mobile numbers, and the request fingerprints computed from them. What each engine must
 * do afterwards so that no file keeps the old values is Database.afterErasure (database.ts).
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Executor } from './executor';

/**
 * What replaces a request fingerprint computed from personal data. A sha256 of a 10-digit mobile
 * with a known pidx and amount is the mobile (it is found by trying them all), so it goes too;
 * no real fingerprint (64 hex digits) ever equals this, so a repeated request is then treated as
 * a different one (DUPLICATE_PURCHASE_ORDER, IDEMPOTENCY_KEY_REUSED) rather than matched.
 */
export const ERASED_FINGERPRINT = 'erased';

export interface PersonalDataHeld {
  /** Which of the payment's customer fields hold a value. */
  customerFields: ('name' | 'email' | 'phone')[];
  /** How many of its refunds hold a mobile number. */
  refundMobiles: number;
  erasedAt: Date | null;
}

export class PersonalDataRepository {
  constructor(private readonly x: Executor) {}

  /** What personal data a payment holds now; undefined for an unknown pidx. */
  async held(pidx: string): Promise<PersonalDataHeld | undefined> {
    const { payments, refunds } = this.x.tables;
    const [payment] = await this.x.db
      .select({
        name: payments.customerName,
        email: payments.customerEmail,
        phone: payments.customerPhone,
        erasedAt: payments.personalDataErasedAt,
      })
      .from(payments)
      .where(eq(payments.pidx, pidx))
      .limit(1);
    if (!payment) return undefined;
    const mobiles = await this.x.db
      .select({ id: refunds.id })
      .from(refunds)
      .where(and(eq(refunds.pidx, pidx), isNotNull(refunds.mobile)));
    const customerFields = (['name', 'email', 'phone'] as const).filter((field) => payment[field] !== null);
    return { customerFields, refundMobiles: mobiles.length, erasedAt: payment.erasedAt };
  }

  /**
   * Removes the payment's personal data and its refunds' mobiles, in the caller's transaction.
   * With SQLite's `secure_delete` on the old cells are zeroed in the pages; the database's
   * afterErasure then moves those pages out of the WAL.
   */
  async erase(pidx: string, at: Date): Promise<void> {
    const { payments, initiations, refunds } = this.x.tables;
    const [payment] = await this.x.db
      .select({ purchaseOrderId: payments.purchaseOrderId, version: payments.version })
      .from(payments)
      .where(eq(payments.pidx, pidx))
      .limit(1);
    if (!payment) return;
    await this.x.db
      .update(payments)
      .set({
        customerName: null,
        customerEmail: null,
        customerPhone: null,
        personalDataErasedAt: at,
        requestFingerprint: ERASED_FINGERPRINT,
        updatedAt: at,
        version: payment.version + 1,
      })
      .where(eq(payments.pidx, pidx));
    await this.x.db
      .update(initiations)
      .set({ requestFingerprint: ERASED_FINGERPRINT, updatedAt: at })
      .where(eq(initiations.purchaseOrderId, payment.purchaseOrderId));
    await this.x.db
      .update(refunds)
      .set({ mobile: null, requestFingerprint: ERASED_FINGERPRINT })
      .where(and(eq(refunds.pidx, pidx), isNotNull(refunds.mobile)));
  }
}
