import { and, eq, inArray, lte, or } from 'drizzle-orm';
import type { Executor } from './executor';
import { RECLAIMABLE_STATES, TAKE_OVER_FROM, type InitiationState } from '../payments/initiation-state.rules';
import type { InitiationRow } from './schema';

export class InitiationsRepository {
  constructor(private readonly x: Executor) {}

  async get(purchaseOrderId: string): Promise<InitiationRow | undefined> {
    const { initiations } = this.x.tables;
    const [row] = await this.x.db.select().from(initiations).where(eq(initiations.purchaseOrderId, purchaseOrderId)).limit(1);
    return row;
  }

  /**
   * Takes the claim on an order in one statement: inserted when there is none, replaced when the
   * one there has ended or its lease ran out (initiation-state.rules.ts), left alone otherwise.
   * True when the claim is now `row`'s. One atomic upsert, so two requests (in any processes, on
   * either engine) can never both take it, whatever their transactions see.
   */
  async claim(row: InitiationRow, now: Date): Promise<boolean> {
    const { initiations } = this.x.tables;
    const taken = await this.x.db
      .insert(initiations)
      .values(row)
      .onConflictDoUpdate({
        target: initiations.purchaseOrderId,
        set: { requestFingerprint: row.requestFingerprint, state: row.state, pidx: row.pidx, owner: row.owner, leaseUntil: row.leaseUntil, updatedAt: row.updatedAt },
        setWhere: or(
          inArray(initiations.state, [...RECLAIMABLE_STATES]),
          and(eq(initiations.state, TAKE_OVER_FROM), lte(initiations.leaseUntil, now)),
        ),
      })
      .returning({ owner: initiations.owner });
    return taken[0]?.owner === row.owner;
  }

  /** Ends a claim, but only the caller's own: a claim taken over by someone else is theirs now. */
  async finish(purchaseOrderId: string, owner: string, state: InitiationState, pidx: string | null, at: Date): Promise<boolean> {
    const { initiations } = this.x.tables;
    const ended = await this.x.db
      .update(initiations)
      .set({ state, pidx, updatedAt: at })
      .where(and(eq(initiations.purchaseOrderId, purchaseOrderId), eq(initiations.owner, owner)))
      .returning({ owner: initiations.owner });
    return ended.length === 1;
  }
}
