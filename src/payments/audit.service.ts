/**
 * Writes the audit log: every upstream call (through the Khalti client's hook) and every status
 * change and refund step. Rows are never updated or deleted. A step of a unit of work is written
 * in that unit (`tx`), so the row and the change it reports commit together or not at all.
 */
import { SINGLE_STATEMENT, type Database, type Tx } from '../db/database';
import type { Repositories } from '../db/repositories';
import type { AuditRow } from '../db/schema';
import type { KhaltiCallEvent } from '../khalti/khalti.types';
import type { PaymentStatus } from './payment-status';
import { auditOperation, type PrivacyOperation, type RefundOperation, type SecurityOperation, type WebhookOperation } from './audit-operation';
import { currentActor } from './actor.context';
import { groupBy } from './group-by';
import type { StatusSource } from './status-source';
import { containsNul } from './text.rules';

export type { AuditKind } from './audit-operation';

export interface AuditPage {
  rows: AuditRow[];
  hasNextPage: boolean;
  totalCount: number;
}

export class AuditService {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The Khalti client's hook, awaited by the client, so the row of a call is committed before
   * anything that follows from its answer. Its request and response arrive already redacted.
   */
  readonly recordUpstreamCall = async (event: KhaltiCallEvent): Promise<void> => {
    const actor = currentActor() ?? null;
    // Its own unit, one statement: on every Khalti call, so PostgreSQL runs it without BEGIN and COMMIT.
    await this.db.transaction((tx) =>
      tx.audit.insert({
        at: event.startedAt,
        kind: 'upstream',
        operation: auditOperation.upstream(event.operation),
        pidx: event.pidx ?? null,
        actor,
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
      }),
      SINGLE_STATEMENT,
    );
  };

  /** The audit row of a status change, announced to every instance when the unit commits. */
  async statusChange(tx: Tx, change: {
    pidx: string;
    previousStatus: PaymentStatus | null;
    status: PaymentStatus;
    source: StatusSource;
    at: Date;
    detail?: Record<string, unknown>;
  }): Promise<number> {
    const id = await tx.audit.insert({
      at: change.at,
      kind: 'status_change',
      operation: auditOperation.statusChange(change.source),
      pidx: change.pidx,
      actor: currentActor() ?? null,
      detail: JSON.stringify({ from: change.previousStatus, to: change.status, ...change.detail }),
    });
    await tx.announceStatusChange(id);
    return id;
  }

  /** Returns the row id (a refund's webhook event names it). */
  refundStep(tx: Repositories, step: { pidx: string; operation: RefundOperation; detail: Record<string, unknown> }): Promise<number> {
    return tx.audit.insert({
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
  privacyStep(tx: Repositories, step: { pidx: string; operation: PrivacyOperation; at: Date; detail: Record<string, unknown> }): Promise<number> {
    return tx.audit.insert({
      at: step.at,
      kind: 'privacy',
      operation: step.operation,
      pidx: step.pidx,
      actor: currentActor() ?? null,
      detail: JSON.stringify(step.detail),
    });
  }

  /**
   * A webhook step (kind 'webhook'): an admin's change to an endpoint, an endpoint the gateway
   * disabled, a delivery given up, a test or redeliveries queued. Ids, a URL's host and outcomes
   * only: never a secret, a full URL (its path or query may carry a token) or a body.
   */
  webhookStep(tx: Repositories, step: { operation: WebhookOperation; at: Date; pidx?: string | null; httpStatus?: number | null; detail: Record<string, unknown> }): Promise<number> {
    return tx.audit.insert({
      at: step.at,
      kind: 'webhook',
      operation: step.operation,
      pidx: step.pidx ?? null,
      actor: currentActor() ?? null,
      httpStatus: step.httpStatus ?? null,
      detail: JSON.stringify(step.detail),
    });
  }

  statusChangesAfter(id: number, limit: number): Promise<AuditRow[]> {
    return this.db.read.audit.statusChangesAfter(id, limit);
  }

  statusChangesOf(pidx: string, afterId: number, limit: number): Promise<AuditRow[]> {
    return this.db.read.audit.statusChangesOf(pidx, afterId, limit);
  }

  statusChangeById(id: number): Promise<AuditRow | undefined> {
    return this.db.read.audit.statusChangeById(id);
  }

  lastId(): Promise<number> {
    return this.db.read.audit.lastId();
  }

  forPayment(pidx: string): Promise<AuditRow[]> {
    return this.db.read.audit.forPayment(pidx);
  }

  /** Several payments' status changes at once (one query), by pidx, oldest first. */
  async statusChangesOfPayments(pidxs: readonly string[]): Promise<Map<string, AuditRow[]>> {
    return groupBy(pidxs, await this.db.read.audit.statusChangesOfPayments(pidxs), (row) => row.pidx ?? '');
  }

  /** The audit rows of several payments at once (one query), by pidx, oldest first. */
  async forPayments(pidxs: readonly string[]): Promise<Map<string, AuditRow[]>> {
    return groupBy(pidxs, await this.db.read.audit.forPayments(pidxs), (row) => row.pidx ?? '');
  }

  async page(options: { pidx?: string; afterId?: number; first: number }): Promise<AuditPage> {
    if (options.pidx !== undefined && containsNul(options.pidx)) return { rows: [], hasNextPage: false, totalCount: 0 };
    const [rows, totalCount] = await Promise.all([
      this.db.read.audit.page({ pidx: options.pidx, beforeId: options.afterId, limit: options.first + 1 }),
      this.db.read.audit.count(options.pidx),
    ]);
    return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first, totalCount };
  }

  /**
   * A request the gateway refused as suspicious (kind 'security'), e.g. a return for a pidx that
   * is not ours. The detail must carry no personal data and no raw attacker-chosen blob; callers
   * rate-limit these rows (see security-events.ts) so a flood cannot fill the log.
   */
  securityEvent(event: { operation: SecurityOperation; pidx?: string; detail: Record<string, unknown> }): Promise<number> {
    const row = {
      at: this.now(),
      kind: 'security' as const,
      operation: event.operation,
      pidx: event.pidx ?? null,
      actor: currentActor() ?? null,
      detail: JSON.stringify(event.detail),
    };
    return this.db.transaction((tx) => tx.audit.insert(row), SINGLE_STATEMENT);
  }
}
