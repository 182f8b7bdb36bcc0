/**
 * Writes the audit log: every upstream call (through the Khalti client's hook) and every status
 * change and refund step. Rows are never updated or deleted.
 */
import type { AuditRepository } from '../db/audit.repository';
import type { AuditRow } from '../db/schema';
import type { KhaltiCallEvent } from '../khalti/khalti.types';
import type { PaymentStatus } from './payment-status';
import { auditOperation, type PrivacyOperation, type RefundOperation, type SecurityOperation } from './audit-operation';
import { currentActor } from './actor.context';
import { groupBy } from './group-by';
import type { StatusSource } from './status-source';

export type { AuditKind } from './audit-operation';

export interface AuditPage {
  rows: AuditRow[];
  hasNextPage: boolean;
  totalCount: number;
}

export class AuditService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The Khalti client's hook. Its request and response arrive already redacted. */
  readonly recordUpstreamCall = (event: KhaltiCallEvent): void => {
    this.repository.insert({
      at: event.startedAt,
      kind: 'upstream',
      operation: auditOperation.upstream(event.operation),
      pidx: event.pidx ?? null,
      actor: currentActor() ?? null,
      httpStatus: event.httpStatus ?? null,
      durationMs: Math.round(event.durationMs),
      detail: JSON.stringify({
        method: event.method,
        path: event.path,
        attempt: event.attempt,
        transactionId: event.transactionId,
        request: event.request,
        response: event.response,
        error: event.error,
      }),
    });
  };

  statusChange(change: {
    pidx: string;
    previousStatus: PaymentStatus | null;
    status: PaymentStatus;
    source: StatusSource;
    at: Date;
    detail?: Record<string, unknown>;
  }): number {
    return this.repository.insert({
      at: change.at,
      kind: 'status_change',
      operation: auditOperation.statusChange(change.source),
      pidx: change.pidx,
      actor: currentActor() ?? null,
      detail: JSON.stringify({ from: change.previousStatus, to: change.status, ...change.detail }),
    });
  }

  refundStep(step: { pidx: string; operation: RefundOperation; detail: Record<string, unknown> }): void {
    this.repository.insert({
      at: this.now(),
      kind: 'refund',
      operation: step.operation,
      pidx: step.pidx,
      actor: currentActor() ?? null,
      detail: JSON.stringify(step.detail),
    });
  }

  /**
   * A privacy action (kind 'privacy', e.g. 'personal_data_erased'): which data went, never the
   * data itself. Returns the row id.
   */
  privacyStep(step: { pidx: string; operation: PrivacyOperation; at: Date; detail: Record<string, unknown> }): number {
    return this.repository.insert({
      at: step.at,
      kind: 'privacy',
      operation: step.operation,
      pidx: step.pidx,
      actor: currentActor() ?? null,
      detail: JSON.stringify(step.detail),
    });
  }

  statusChangesAfter(id: number, limit: number): AuditRow[] {
    return this.repository.statusChangesAfter(id, limit);
  }

  lastId(): number {
    return this.repository.lastId();
  }

  forPayment(pidx: string): AuditRow[] {
    return this.repository.forPayment(pidx);
  }

  /** The audit rows of several payments at once (one query), by pidx, oldest first. */
  forPayments(pidxs: readonly string[]): Map<string, AuditRow[]> {
    return groupBy(pidxs, this.repository.forPayments(pidxs), (row) => row.pidx ?? '');
  }

  page(options: { pidx?: string; afterId?: number; first: number }): AuditPage {
    const rows = this.repository.page({ pidx: options.pidx, beforeId: options.afterId, limit: options.first + 1 });
    return {
      rows: rows.slice(0, options.first),
      hasNextPage: rows.length > options.first,
      totalCount: this.repository.count(options.pidx),
    };
  }

  /**
   * A request the gateway refused as suspicious (kind 'security'), e.g. a return for a pidx that
   * is not ours. The detail must carry no personal data and no raw attacker-chosen blob; callers
   * rate-limit these rows (see security-events.ts) so a flood cannot fill the log.
   */
  securityEvent(event: { operation: SecurityOperation; pidx?: string; detail: Record<string, unknown> }): number {
    return this.repository.insert({
      at: this.now(),
      kind: 'security',
      operation: event.operation,
      pidx: event.pidx ?? null,
      actor: currentActor() ?? null,
      detail: JSON.stringify(event.detail),
    });
  }
}
