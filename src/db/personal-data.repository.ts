/**
 * Erasing a buyer's personal data for good: the payment's customer name, email and phone, its
 * refunds' mobile numbers, and the request fingerprints computed from them. SQLite-specific
 * work (checkpointing the WAL so old page images leave the -wal file) stays in this file.
 */
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { initiations, payments, refunds } from './schema';

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
  constructor(private readonly db: Db) {}

  /** What personal data a payment holds now; undefined for an unknown pidx. */
  held(pidx: string): PersonalDataHeld | undefined {
    const payment = this.db
      .select({
        name: payments.customerName,
        email: payments.customerEmail,
        phone: payments.customerPhone,
        erasedAt: payments.personalDataErasedAt,
      })
      .from(payments)
      .where(eq(payments.pidx, pidx))
      .get();
    if (!payment) return undefined;
    const mobiles = this.db
      .select({ id: refunds.id })
      .from(refunds)
      .where(and(eq(refunds.pidx, pidx), isNotNull(refunds.mobile)))
      .all();
    const customerFields = (['name', 'email', 'phone'] as const).filter((field) => payment[field] !== null);
    return { customerFields, refundMobiles: mobiles.length, erasedAt: payment.erasedAt };
  }

  /**
   * Removes the payment's personal data and its refunds' mobiles, in the caller's transaction.
   * With `secure_delete` on (connection.ts) the old cells are zeroed in the pages; `flush` then
   * moves those pages out of the WAL.
   */
  erase(pidx: string, at: Date): void {
    const payment = this.db.select({ purchaseOrderId: payments.purchaseOrderId, version: payments.version }).from(payments).where(eq(payments.pidx, pidx)).get();
    if (!payment) return;
    this.db
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
      .where(eq(payments.pidx, pidx))
      .run();
    this.db
      .update(initiations)
      .set({ requestFingerprint: ERASED_FINGERPRINT, updatedAt: at })
      .where(eq(initiations.purchaseOrderId, payment.purchaseOrderId))
      .run();
    this.db
      .update(refunds)
      .set({ mobile: null, requestFingerprint: ERASED_FINGERPRINT })
      .where(and(eq(refunds.pidx, pidx), isNotNull(refunds.mobile)))
      .run();
  }

  /**
   * Copies every page the WAL holds into the main file and truncates the WAL to zero bytes, so
   * the page images from before an erasure survive in neither. False when another connection's
   * read kept part of the WAL in use (the bytes leave at a later checkpoint).
   */
  flush(): boolean {
    const [result] = this.db.all<{ busy: number; log: number; checkpointed: number }>(sql`PRAGMA wal_checkpoint(TRUNCATE)`);
    return result !== undefined && result.busy === 0;
  }
}
