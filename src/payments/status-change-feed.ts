/**
 * Status changes made by other gateway processes sharing the database reach this process's
 * subscribers through the audit log: every status change is one audit row, so publishing each
 * row once (PaymentEvents publishes an audit id once, whichever way it arrives first) gives every
 * subscriber, on whichever process, exactly one event per change.
 *
 * How a process hears of a row depends on the engine. PostgreSQL announces each committed change
 * (Database.listenForStatusChanges): the row is read by id, in commit order; audit ids are not
 * handed out in commit order there, so no high-water mark could be trusted. When the listening
 * connection is made again, the rows of the last RELISTEN_LOOKBACK_IDS ids are read again, so a
 * change committed while nobody listened is still published once. SQLite has one writer, so
 * ids are in commit order, and the log is polled past the last id read.
 */
import type { Database } from '../db/database';
import type { AuditRow } from '../db/schema';
import type { AuditService } from './audit.service';
import type { PaymentEvents } from './payment-events';
import { statusChangeEventOf } from './status-change-event';

/** After a reconnect, how far below the last id heard the log is read again. */
export const RELISTEN_LOOKBACK_IDS = 1000;

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

  private listening: { close(): Promise<void> } | null = null;
  /** Announced changes are handled one after another, so their events keep commit order. */
  private announced: Promise<void> = Promise.resolve();
  private heardBefore = false;

  /** Starts from the rows that exist now: earlier changes are history, not events. */
  async start(): Promise<void> {
    const listening = this.db.listenForStatusChanges({
      onChange: (auditId) => this.inOrder(() => this.publishById(auditId)),
      onListening: () => this.inOrder(() => this.catchUp()),
      onError: (error) => this.options.onError?.(error),
    });
    if (listening) {
      this.listening = await listening;
      return;
    }
    this.lastId = await this.audit.lastId();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.listening?.close();
    this.listening = null;
    await this.polling;
    await this.announced;
  }

  private inOrder(step: () => Promise<void>): void {
    this.announced = this.announced.then(step).catch((error: unknown) => this.options.onError?.(error));
  }

  private async publishById(auditId: number): Promise<void> {
    this.lastId = Math.max(this.lastId, auditId);
    const row = await this.audit.statusChangeById(auditId);
    if (row) await this.publish(row);
  }

  /**
   * Listening (again). The first time, changes from now on are events and earlier ones history;
   * after a reconnect, what was committed meanwhile is read from the log (ids near the last one
   * heard too: on PostgreSQL a lower id can commit after a higher one).
   */
  private async catchUp(): Promise<void> {
    if (!this.heardBefore) {
      this.heardBefore = true;
      this.lastId = Math.max(this.lastId, await this.audit.lastId());
      return;
    }
    let after = Math.max(0, this.lastId - RELISTEN_LOOKBACK_IDS);
    for (;;) {
      const rows = await this.audit.statusChangesAfter(after, 500);
      for (const row of rows) {
        if (!this.events.wasPublished(row.id)) await this.publish(row);
        after = row.id;
        this.lastId = Math.max(this.lastId, row.id);
      }
      if (rows.length < 500) break;
    }
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
    } catch (error) {
      // A busy database now is read next time: the feed never skips a row it did not read.
      this.options.onError?.(error);
    }
  }

  private async publish(row: AuditRow): Promise<void> {
    const payment = row.pidx ? await this.db.read.payments.byPidx(row.pidx) : undefined;
    const event = payment ? statusChangeEventOf(row, payment) : null;
    if (event) this.events.publish(event);
  }
}
