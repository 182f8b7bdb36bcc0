/**
 * Security audit rows, capped. Requests for a pidx that is not ours are worth one audit row each
 * (someone probing, or a broken integration), but they cost an attacker nothing, so the rows are
 * limited per process: at most `perMinute` in any one-minute window. Events beyond the cap are
 * counted, not written; the first event of a later window first writes one summary row
 * ('security_events_suppressed': how many of each operation were dropped, and since when), which
 * counts against that window's cap. A warning is logged once per window when dropping starts, so
 * an operator sees a flood while it happens, not only at the next event.
 */
import type { SecurityOperation } from './audit-operation';
import type { AuditService } from './audit.service';

export const DEFAULT_SECURITY_ROWS_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

export interface SecurityEvent {
  operation: SecurityOperation;
  pidx?: string;
  detail: Record<string, unknown>;
}

export class SecurityEvents {
  private windowStart = -Infinity;
  private written = 0;
  private readonly suppressed = new Map<string, number>();
  private suppressedSince: Date | null = null;

  constructor(
    private readonly audit: Pick<AuditService, 'securityEvent'>,
    private readonly options: { perMinute?: number; now?: () => Date; log?: (line: string) => void } = {},
  ) {}

  /**
   * Writes the row, or counts it when this minute's cap is reached. True when written. The
   * counting is decided before anything is awaited, so concurrent calls can never exceed the cap.
   */
  async record(event: SecurityEvent): Promise<boolean> {
    const now = (this.options.now ?? (() => new Date()))();
    const cap = this.options.perMinute ?? DEFAULT_SECURITY_ROWS_PER_MINUTE;
    const rows: SecurityEvent[] = [];
    if (now.getTime() - this.windowStart >= WINDOW_MS) {
      this.windowStart = now.getTime();
      this.written = 0;
      if (this.suppressed.size > 0) rows.push(this.summary(now));
    }
    const admitted = this.written < cap;
    if (admitted) {
      this.written += 1;
      rows.push(event);
    } else {
      // The summary at the window's start emptied the counts: the first one dropped in a window.
      if (this.suppressed.size === 0) {
        this.options.log?.(`security audit: more than ${cap} security events this minute; further ones are counted and summarised in one row`);
      }
      this.suppressedSince ??= now;
      this.suppressed.set(event.operation, (this.suppressed.get(event.operation) ?? 0) + 1);
    }
    for (const row of rows) await this.audit.securityEvent(row);
    return admitted;
  }

  /** The row summarising what the last window dropped (counted against the new window's cap). */
  private summary(now: Date): SecurityEvent {
    const row: SecurityEvent = {
      operation: 'security_events_suppressed',
      detail: {
        suppressed: Object.fromEntries(this.suppressed),
        since: this.suppressedSince!.toISOString(),
        until: now.toISOString(),
      },
    };
    this.written += 1;
    this.suppressed.clear();
    this.suppressedSince = null;
    return row;
  }
}
