import { eq } from 'drizzle-orm';
import type { Db } from './connection';
import type { InitiationState } from '../payments/initiation-state.rules';
import { initiations, type InitiationRow } from './schema';

export class InitiationsRepository {
  constructor(private readonly db: Db) {}

  get(purchaseOrderId: string): InitiationRow | undefined {
    return this.db.select().from(initiations).where(eq(initiations.purchaseOrderId, purchaseOrderId)).get();
  }

  /** Inserts or replaces the claim for an order (call inside an immediate transaction). */
  claim(row: InitiationRow): void {
    this.db
      .insert(initiations)
      .values(row)
      .onConflictDoUpdate({
        target: initiations.purchaseOrderId,
        set: { requestFingerprint: row.requestFingerprint, state: row.state, pidx: row.pidx, owner: row.owner, leaseUntil: row.leaseUntil, updatedAt: row.updatedAt },
      })
      .run();
  }

  /** Ends a claim, but only the caller's own: a claim taken over by someone else is theirs now. */
  finish(purchaseOrderId: string, owner: string, state: InitiationState, pidx: string | null, at: Date): boolean {
    const current = this.get(purchaseOrderId);
    if (!current || current.owner !== owner) return false;
    this.db.update(initiations).set({ state, pidx, updatedAt: at }).where(eq(initiations.purchaseOrderId, purchaseOrderId)).run();
    return true;
  }
}
