/**
 * Status changes made by other gateway processes sharing the database reach this process's
 * subscribers through the audit log: every status change is one audit row, so publishing each
 * row once (unless this process already published it when it made the change) gives every
 * subscriber, on whichever process, exactly one event per change.
 */
import type { Database } from '../db/database';
import type { AuditRow } from '../db/schema';
import type { PaymentStatus } from './payment-status';
import type { AuditService } from './audit.service';
import type { PaymentEvents } from './payment-events';
import { auditOperation } from './audit-operation';

export class StatusChangeFeed {
  private lastId = 0;
  private timer: NodeJS.Timeout | null = null;
  /** A poll in progress; the next tick waits for it rather than reading the same rows twice. */
  private polling: Promise<void> | null = null;

  constructor(
    private readonly audit: AuditService,
    private readonly db: Database,
    private readonly events: PaymentEvents,
    private readonly options: { intervalMs: number; onError?: (error: unknown) => void },
  ) {}

  /** Starts from the rows that exist now: earlier changes are history, not events. */
  async start(): Promise<void> {
    this.lastId = await this.audit.lastId();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** Publishes status changes recorded since the last poll that this process did not publish. */
  poll(): Promise<void> {
    this.polling ??= this.readNew().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async readNew(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.audit.statusChangesAfter(this.lastId, 500);
        for (const row of rows) {
          if (!this.events.wasPublished(row.id)) await this.publish(row);
          this.lastId = row.id;
        }
        if (rows.length < 500) break;
      }
      this.events.forgetUpTo(this.lastId);
    } catch (error) {
      // A busy database now is read next time: the feed never skips a row it did not read.
      this.options.onError?.(error);
    }
  }

  private async publish(row: AuditRow): Promise<void> {
    const payment = row.pidx ? await this.db.read.payments.byPidx(row.pidx) : undefined;
    if (!payment) return;
    const detail = JSON.parse(row.detail ?? '{}') as { from?: PaymentStatus | null; to?: PaymentStatus };
    const source = auditOperation.sourceOf(row.operation);
    if (!detail.to || !source) return;
    this.events.publish({
      pidx: payment.pidx,
      previousStatus: detail.from ?? null,
      status: detail.to,
      source,
      occurredAt: row.at,
      payment,
      auditId: row.id,
    });
  }
}
