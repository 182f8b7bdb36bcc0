/**
 * A buyer's personal data (name, email and phone from customerInfo, and the mobile of a bank
 * refund) lives in the payment and refund rows only; audit rows carry it redacted. This service
 * removes it for good on an admin's request and leaves one audit row saying so.
 */
import type { PrivacyOperation } from './audit-operation';
import type { Database } from '../db/database';
import type { PaymentRow } from '../db/schema';
import type { AuditService } from './audit.service';
import { containsNul } from './text.rules';

export const PERSONAL_DATA_ERASED: PrivacyOperation = 'personal_data_erased';

export class PersonalDataService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Erases the payment's personal data and its refunds' mobiles; null for a pidx this gateway
   * never initiated. The erasure and its audit row commit together; then the database's write-ahead
   * log is checkpointed so the old values survive in no file.
   *
   * Repeating it is harmless: a payment already erased with nothing personal added since (a bank
   * refund records a mobile) is returned as it is, with no write and no second audit row, and its
   * `personalDataErasedAt` keeps the first erasure's time. Anything added since is erased, with an
   * audit row of its own.
   */
  async erase(pidx: string): Promise<PaymentRow | null> {
    if (containsNul(pidx)) return null;
    const erased = await this.db.transaction(async (tx): Promise<boolean | null> => {
      await tx.lockPayment(pidx);
      const held = await tx.personalData.held(pidx);
      if (!held) return null;
      const nothingLeft = held.customerFields.length === 0 && held.refundMobiles === 0;
      if (held.erasedAt !== null && nothingLeft) return false;
      const at = this.now();
      await tx.personalData.erase(pidx, at);
      // Which fields went and how many refund mobiles, never their values.
      await this.audit.privacyStep(tx, {
        pidx,
        operation: PERSONAL_DATA_ERASED,
        at,
        detail: {
          customerFields: held.customerFields,
          refundMobiles: held.refundMobiles,
          ...(held.erasedAt ? { previouslyErasedAt: held.erasedAt.toISOString() } : {}),
        },
      });
      return true;
    });
    if (erased === null) return null;
    // After the commit: a checkpoint inside the transaction could not include it. When another
    // connection's read holds part of the log, the rest leaves at a later checkpoint.
    if (erased) await this.db.afterErasure();
    return (await this.db.read.payments.byPidx(pidx)) ?? null;
  }

  /** When the payment's personal data was erased; null if never (or unknown pidx). */
  async erasedAt(pidx: string): Promise<Date | null> {
    if (containsNul(pidx)) return null;
    return (await this.db.read.payments.byPidx(pidx))?.personalDataErasedAt ?? null;
  }
}
