/**
 * The status changes of one payment as a stream: live ones only, or, resuming after a position in
 * the change log (a status-change audit row id), first every change recorded after it, read from
 * the log in order, then the live ones, with no duplicate and no gap across the seam.
 *
 * The seam: the live subscription starts first and buffers; then the log is read; the replayed
 * changes are emitted, then the buffered and later live ones whose id is greater than the last
 * replayed. That filter is exact because one payment's status changes commit in id order on both
 * engines: each change updates the payment row (locked, version-checked) before it inserts its
 * audit row in the same transaction, so a later-committed change of the same payment always
 * gets a larger id. A live event with an id at or below the last replayed one therefore committed
 * before that one, and so was in the log read; one above it was not.
 *
 * `payment` on a replayed change is the payment row as it is when the replay reads the log (the
 * log keeps the change, not the row at that time), as for a change another process made.
 */
import type { PaymentRow } from '../db/schema';
import type { AuditService } from './audit.service';
import type { PaymentEvents, PaymentStatusChangeEvent } from './payment-events';
import { statusChangeEventOf } from './status-change-event';

/** Rows read from the log per query while replaying. */
export const REPLAY_PAGE_SIZE = 500;

export interface StatusChangeStreamsDeps {
  audit: Pick<AuditService, 'statusChangesOf' | 'statusChangeById'>;
  payments: { byPidx(pidx: string): Promise<PaymentRow | undefined> };
  events: Pick<PaymentEvents, 'subscribe'>;
}

export class StatusChangeStreams {
  constructor(private readonly deps: StatusChangeStreamsDeps) {}

  /** Whether audit row `auditId` records a status change of `pidx` (what a resume cursor must name). */
  async isChangeOf(pidx: string, auditId: number): Promise<boolean> {
    const row = await this.deps.audit.statusChangeById(auditId);
    return row?.pidx === pidx;
  }

  /** Live changes of `pidx`; with `afterId`, every change recorded after that audit row first. */
  subscribe(pidx: string, afterId: number | null): AsyncIterableIterator<PaymentStatusChangeEvent> {
    const live = this.deps.events.subscribe(pidx)[Symbol.asyncIterator]();
    if (afterId === null) return asIterableIterator(live);
    return new ResumedStream(live, afterId, (after) => this.logAfter(pidx, after));
  }

  /** One page of `pidx`'s changes after `afterId` from the log, and whether there may be more. */
  private async logAfter(pidx: string, afterId: number): Promise<{ events: PaymentStatusChangeEvent[]; more: boolean }> {
    const rows = await this.deps.audit.statusChangesOf(pidx, afterId, REPLAY_PAGE_SIZE);
    if (rows.length === 0) return { events: [], more: false };
    // Read after the rows: the row is at least as new as the last change replayed.
    const payment = await this.deps.payments.byPidx(pidx);
    if (!payment) return { events: [], more: false };
    const events = rows.map((row) => statusChangeEventOf(row, payment)).filter((event) => event !== null);
    return { events, more: rows.length === REPLAY_PAGE_SIZE };
  }
}

function asIterableIterator<T>(iterator: AsyncIterator<T>): AsyncIterableIterator<T> {
  if (Symbol.asyncIterator in iterator) return iterator as AsyncIterableIterator<T>;
  return Object.assign(iterator, { [Symbol.asyncIterator]: () => iterator }) as AsyncIterableIterator<T>;
}

type ReadLog = (afterId: number) => Promise<{ events: PaymentStatusChangeEvent[]; more: boolean }>;

/** Replay from the log, then live, as one iterator (see the seam above). */
class ResumedStream implements AsyncIterableIterator<PaymentStatusChangeEvent> {
  /** Ready to hand out, in order. */
  private readonly ready: PaymentStatusChangeEvent[] = [];
  /** Live events that arrived while the log was being read; null once the replay is done. */
  private buffered: PaymentStatusChangeEvent[] | null = [];
  private lastReplayed: number;
  private waiting: { resolve: (result: IteratorResult<PaymentStatusChangeEvent, undefined>) => void; reject: (error: unknown) => void } | null = null;
  private ended = false;
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly live: AsyncIterator<PaymentStatusChangeEvent>,
    afterId: number,
    readLog: ReadLog,
  ) {
    this.lastReplayed = afterId;
    // The first next() starts the live subscription now, before the log is read: the pubsub's
    // Repeater attaches its listener synchronously on its first next().
    void this.pump(live.next());
    void this.replay(readLog);
  }

  private async pump(first: Promise<IteratorResult<PaymentStatusChangeEvent>>): Promise<void> {
    try {
      let step = await first;
      while (!step.done && !this.ended) {
        this.onLive(step.value);
        step = await this.live.next();
      }
      this.end();
    } catch (error) {
      this.end({ error });
    }
  }

  private onLive(event: PaymentStatusChangeEvent): void {
    if (this.buffered) this.buffered.push(event);
    else if (event.auditId > this.lastReplayed) this.emit(event);
  }

  private async replay(readLog: ReadLog): Promise<void> {
    try {
      for (;;) {
        const page = await readLog(this.lastReplayed);
        if (this.ended) return;
        for (const event of page.events) {
          this.emit(event);
          this.lastReplayed = event.auditId;
        }
        if (!page.more) break;
      }
      const buffered = this.buffered ?? [];
      this.buffered = null;
      for (const event of buffered) if (event.auditId > this.lastReplayed) this.emit(event);
    } catch (error) {
      this.end({ error });
    }
  }

  private emit(event: PaymentStatusChangeEvent): void {
    if (this.ended) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ done: false, value: event });
    } else this.ready.push(event);
  }

  /** After what is ready: done, or the error. */
  private end(failure?: { error: unknown }): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure ?? null;
    void this.live.return?.();
    if (this.waiting && this.ready.length === 0) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (this.failure) {
        reject(this.failure.error);
        this.failure = null;
      } else resolve({ done: true, value: undefined });
    }
  }

  next(): Promise<IteratorResult<PaymentStatusChangeEvent, undefined>> {
    const event = this.ready.shift();
    if (event) return Promise.resolve({ done: false, value: event });
    if (this.ended) {
      const failure = this.failure;
      this.failure = null;
      return failure ? Promise.reject(failure.error) : Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<PaymentStatusChangeEvent, undefined>> {
    this.ready.length = 0;
    this.buffered = null;
    this.end();
    this.failure = null;
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<IteratorResult<PaymentStatusChangeEvent, undefined>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
