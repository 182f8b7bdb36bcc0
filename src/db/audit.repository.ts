import { and, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { auditLog, type AuditRow, type NewAuditRow } from './schema';

/** Append-only access to the audit log: insert and read, nothing else (the table's triggers agree). */
export class AuditRepository {
  // Prepared once: the audit insert runs on every upstream call and status change.
  private readonly insertStatement;

  constructor(private readonly db: Db) {
    this.insertStatement = db
      .insert(auditLog)
      .values({
        at: sql.placeholder('at'),
        kind: sql.placeholder('kind'),
        operation: sql.placeholder('operation'),
        pidx: sql.placeholder('pidx'),
        actor: sql.placeholder('actor'),
        httpStatus: sql.placeholder('httpStatus'),
        durationMs: sql.placeholder('durationMs'),
        detail: sql.placeholder('detail'),
      })
      .prepare();
  }

  /** Appends a row and returns its id. */
  insert(row: Omit<NewAuditRow, 'id'>): number {
    const result = this.insertStatement.run({
      at: row.at,
      kind: row.kind,
      operation: row.operation,
      pidx: row.pidx ?? null,
      actor: row.actor ?? null,
      httpStatus: row.httpStatus ?? null,
      durationMs: row.durationMs ?? null,
      detail: row.detail ?? null,
    });
    return Number(result.lastInsertRowid);
  }

  /** Status changes recorded after a given row id, oldest first (for other processes' events). */
  statusChangesAfter(id: number, limit: number): AuditRow[] {
    return this.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.kind, 'status_change'), gt(auditLog.id, id)))
      .orderBy(auditLog.id)
      .limit(limit)
      .all();
  }

  lastId(): number {
    return this.db.select({ id: sql<number>`coalesce(max(${auditLog.id}), 0)` }).from(auditLog).get()?.id ?? 0;
  }

  /** Newest first, keyset-paginated by id. */
  page(options: { pidx?: string; beforeId?: number; limit: number }): AuditRow[] {
    const conditions = [
      options.pidx !== undefined ? eq(auditLog.pidx, options.pidx) : undefined,
      options.beforeId !== undefined ? lt(auditLog.id, options.beforeId) : undefined,
    ].filter((condition) => condition !== undefined);
    return this.db
      .select()
      .from(auditLog)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(options.limit)
      .all();
  }

  count(pidx?: string): number {
    const row = this.db
      .select({ n: sql<number>`count(*)` })
      .from(auditLog)
      .where(pidx !== undefined ? eq(auditLog.pidx, pidx) : undefined)
      .get();
    return row?.n ?? 0;
  }

  /** Oldest first: the story of one payment. */
  forPayment(pidx: string): AuditRow[] {
    return this.db.select().from(auditLog).where(eq(auditLog.pidx, pidx)).orderBy(auditLog.id).all();
  }

  /** The rows of several payments in one query, oldest first within each. */
  forPayments(pidxs: readonly string[]): AuditRow[] {
    if (pidxs.length === 0) return [];
    return this.db.select().from(auditLog).where(inArray(auditLog.pidx, [...pidxs])).orderBy(auditLog.id).all();
  }
}
