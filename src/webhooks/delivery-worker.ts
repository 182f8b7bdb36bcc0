/**
 * Delivers webhooks in the background. Each pass claims a few due PENDING deliveries in one unit of
 * work (a lease, so that exactly one instance attempts each), sends them outside any unit (an
 * attempt may take WEBHOOK_TIMEOUT_MS; no transaction or SQLite write lock is held meanwhile), and
 * records each attempt in units of its own. A process that dies mid-attempt leaves the delivery
 * PENDING under a lease that runs out: whoever passes next attempts it again (at least once).
 */
import { SINGLE_STATEMENT, type Database, type UnitOptions } from '../db/database';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../db/schema';
import type { Log } from '../logger';
import { runAs, SYSTEM_ACTOR } from '../payments/actor.context';
import type { AuditService } from '../payments/audit.service';
import { nextDeliveryState } from '../payments/webhook-delivery-state.rules';
import { decideAfterAttempt } from './retry-schedule';
import { webhookHeaders } from './standard-webhooks';
import { signingSecrets } from './webhook-secrets';
import type { AttemptKind, AttemptResult, WebhookSender } from './webhook-sender';

export interface DeliveryWorkerOptions {
  /** What endpoint secrets derive from; none: the worker warns once and leaves deliveries PENDING. */
  signingKey: string | undefined;
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  pollIntervalMs: number;
  /** Attempts in flight at once in this instance. */
  concurrency: number;
  /** How long stop() lets attempts in flight finish before cutting them off (they are left to their lease). */
  stopGraceMs?: number;
  now?: () => Date;
  random?: () => number;
  log: Log;
  onAttempt?: (kind: AttemptKind, durationMs: number) => void;
  /** A delivery reached DELIVERED or FAILED in this process. */
  onFinished?: (outcome: 'delivered' | 'failed') => void;
}

/**
 * The worker's own units (leases, attempt records) start no fsync of their own: one lost to a power
 * cut is redone (the lease runs out, the webhook is sent again with its webhook-id; at least once),
 * and the next payment's sync makes them durable anyway (database.ts, Durability).
 */
const BOOKKEEPING: UnitOptions = { durability: 'relaxed' };
/** The same, for a unit of one statement (database.ts: no BEGIN and COMMIT on PostgreSQL). */
const ONE_STATEMENT: UnitOptions = { ...BOOKKEEPING, ...SINGLE_STATEMENT };

/** Kept beyond an attempt's own timeout: the reads before it and the unit after it. */
export const LEASE_MARGIN_MS = 5000;

export class DeliveryWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Set by stop(): a pass in progress finishes the attempts it has claimed and claims no more. */
  private stopRequested = false;
  private again = false;
  /** wake() was called since the pass last looked: something may be due that its last claim did not see. */
  private woken = false;
  /** Set while a pass waits for a slot: wake() and stop() end the wait. */
  private wakeUp: (() => void) | null = null;
  private warned = false;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly sender: WebhookSender,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  get canSign(): boolean {
    return this.options.signingKey !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    if (!this.canSign) {
      if (!this.warned) this.options.log('warning: webhooks: no WEBHOOK_SIGNING_KEY, so no webhook is sent; deliveries stay PENDING until one is set', { level: 'warn' });
      this.warned = true;
      return;
    }
    this.stopped = false;
    this.stopRequested = false;
    this.schedule(0);
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.woken = true;
      this.wakeUp?.();
      return;
    }
    this.schedule(0);
  }

  /** Stops polling and waits for attempts in flight; past the grace they are cut off and left to their lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested = true;
    this.wakeUp?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const running = this.running;
    if (running) {
      const grace = this.options.stopGraceMs ?? Math.min(this.options.timeoutMs, 5000);
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([running.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), grace)))]);
      clearTimeout(timer);
      if (!finished) this.sender.abortAll();
      await running;
    }
    await this.sender.close();
  }

  /** One pass over what is due (tests and operators may run one now). */
  runOnce(): Promise<void> {
    if (!this.canSign) return Promise.resolve();
    if (!this.running) {
      this.running = runAs(SYSTEM_ACTOR, () => this.pass())
        .catch((error) => this.options.log(`webhooks: pass failed: ${messageOf(error)}`, { level: 'error', err: error }))
        .finally(() => {
          this.running = null;
        });
    }
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runOnce().finally(() => {
        const again = this.again;
        this.again = false;
        this.schedule(again ? 0 : this.options.pollIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Keeps up to `concurrency` attempts in flight, claiming more whenever a slot frees (so one
   * endpoint that hangs for the whole timeout holds one slot, not the batch), when woken, and every
   * poll interval meanwhile (retries come due, other instances queue events). Ends when nothing is
   * due and nothing is in flight.
   *
   * A slot freeing is a reason to claim only when the last claim filled every free slot (more may
   * be due): after one that found fewer, nothing is due until a wake or the next poll, and claiming
   * anyway would cost a write unit per attempt for nothing (on SQLite, the write lock the API's
   * own writes wait for).
   */
  private async pass(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let mayFindMore = true;
    while (!this.stopRequested) {
      if (this.woken) {
        // This pass answers the wake: no second pass for it once this one ends.
        this.woken = false;
        this.again = false;
        mayFindMore = true;
      }
      const free = this.options.concurrency - inFlight.size;
      if (free > 0 && mayFindMore) {
        const now = this.now();
        const leaseUntil = new Date(now.getTime() + this.options.timeoutMs + LEASE_MARGIN_MS);
        const claimed = await this.db.transaction((tx) => tx.webhookDeliveries.claimDue(now, free, leaseUntil), ONE_STATEMENT);
        for (const delivery of claimed) {
          const attempt: Promise<void> = this.deliver(delivery)
            .catch((error) => this.options.log(`webhooks: ${delivery.id}: ${messageOf(error)}`, { level: 'error', err: error }))
            .finally(() => inFlight.delete(attempt));
          inFlight.add(attempt);
        }
        mayFindMore = claimed.length === free;
        if (mayFindMore) continue;
      }
      // Woken while claiming: look again now rather than after an attempt or a poll.
      if (this.woken) continue;
      if (inFlight.size === 0) return;
      if (await this.nextChance(inFlight)) mayFindMore = true;
    }
    await Promise.all(inFlight);
  }

  /** Until an attempt finishes (false), or wake() or stop() is called or a poll interval passes (true). */
  private async nextChance(inFlight: Set<Promise<void>>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let look = false;
    try {
      await Promise.race([
        ...inFlight,
        new Promise<void>((resolve) => {
          const done = () => {
            look = true;
            resolve();
          };
          this.wakeUp = done;
          timer = setTimeout(done, this.options.pollIntervalMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.wakeUp = null;
    }
    return look;
  }

  private async deliver(delivery: WebhookDeliveryRow): Promise<void> {
    const { endpoint, event } = await this.db.read.webhookDeliveries.toSend(delivery.endpointId, delivery.eventId);
    const unsendable = !endpoint || endpoint.deletedAt ? 'endpoint deleted' : !endpoint.enabled ? 'endpoint disabled' : !event ? 'event missing' : null;
    if (unsendable || !endpoint || !event) return this.giveUpUnsent(delivery, unsendable ?? 'event missing', event?.pidx ?? null);

    const at = this.now();
    const secrets = signingSecrets(this.options.signingKey!, endpoint, at);
    const headers = webhookHeaders({ id: event.id, timestamp: Math.floor(at.getTime() / 1000), body: event.body }, secrets);
    const result = await this.sender.send(endpoint.url, headers, event.body);
    this.options.onAttempt?.(result.kind, result.durationMs);
    // Cut off at shutdown: not an answer from the endpoint; the lease runs out and it is sent again.
    if (result.kind === 'aborted') return;
    await this.record(delivery, endpoint, result, at, event.pidx);
  }

  private async record(delivery: WebhookDeliveryRow, endpoint: WebhookEndpointRow, result: AttemptResult, at: Date, pidx: string | null): Promise<void> {
    const finishedAt = this.now();
    const attempts = delivery.attempts + 1;
    const decision = decideAfterAttempt({ attempt: attempts, httpStatus: result.httpStatus, retryAfter: result.retryAfter }, this.options.retryScheduleMs, finishedAt, this.options.random);
    const state = nextDeliveryState(delivery.state, decision.outcome);
    // The attempt happened whatever follows: the history keeps it. Its own statement, first: a
    // process that dies right after leaves the history one attempt ahead of the delivery (which
    // its lease then sends again), never behind; and the usual outcome, a delivery or a retry, is
    // then one statement too (on PostgreSQL, two round trips each instead of four together).
    await this.db.transaction(
      (tx) => tx.webhookDeliveries.insertAttempt({ deliveryId: delivery.id, at, httpStatus: result.httpStatus, error: result.error, durationMs: result.durationMs }),
      ONE_STATEMENT,
    );
    // Disabling the endpoint or failing the delivery also writes an audit row: a unit of several statements.
    const outcomeIsOneStatement = !decision.disableEndpoint && state !== 'FAILED';
    const recorded = await this.db.transaction(async (tx) => {
      if (state === null) return false;
      const written = await tx.webhookDeliveries.recordAttempt(
        delivery.id,
        delivery.version,
        {
          state,
          attempts,
          lastHttpStatus: result.httpStatus,
          lastError: result.error,
          nextAttemptAt: decision.nextAttemptAt,
          deliveredAt: state === 'DELIVERED' ? finishedAt : null,
        },
        finishedAt,
      );
      // Another instance took it over after our lease ran out: its record stands, not ours.
      if (!written) return false;
      if (decision.disableEndpoint) {
        const reason = `answered ${result.httpStatus} Gone at ${finishedAt.toISOString()}`;
        if (await tx.webhookEndpoints.disable(endpoint.id, reason, finishedAt)) {
          await this.audit.webhookStep(tx, { operation: 'webhook_endpoint_disabled', at: finishedAt, httpStatus: result.httpStatus, detail: { endpointId: endpoint.id, deliveryId: delivery.id, reason } });
        }
      }
      if (state === 'FAILED') {
        await this.audit.webhookStep(tx, {
          operation: 'webhook_delivery_failed',
          at: finishedAt,
          pidx,
          httpStatus: result.httpStatus,
          detail: { endpointId: endpoint.id, deliveryId: delivery.id, eventId: delivery.eventId, attempts, lastError: result.error },
        });
      }
      return true;
    }, outcomeIsOneStatement ? ONE_STATEMENT : BOOKKEEPING);
    if (!recorded) {
      this.options.log(`webhooks: ${delivery.id}: attempt kept in its history, but the delivery had changed meanwhile`, { level: 'warn' });
      return;
    }
    if (state === 'DELIVERED') this.options.onFinished?.('delivered');
    if (state === 'FAILED') this.options.onFinished?.('failed');
  }

  /** An endpoint disabled or deleted (or an event gone): nothing is sent, the delivery is given up. */
  private async giveUpUnsent(delivery: WebhookDeliveryRow, reason: string, pidx: string | null): Promise<void> {
    const at = this.now();
    const state = nextDeliveryState(delivery.state, 'given_up');
    if (state === null) return;
    const recorded = await this.db.transaction(async (tx) => {
      const written = await tx.webhookDeliveries.recordAttempt(
        delivery.id,
        delivery.version,
        { state, attempts: delivery.attempts, lastHttpStatus: delivery.lastHttpStatus, lastError: reason, nextAttemptAt: null, deliveredAt: null },
        at,
      );
      if (!written) return false;
      await this.audit.webhookStep(tx, {
        operation: 'webhook_delivery_failed',
        at,
        pidx,
        detail: { endpointId: delivery.endpointId, deliveryId: delivery.id, eventId: delivery.eventId, attempts: delivery.attempts, lastError: reason },
      });
      return true;
    }, BOOKKEEPING);
    if (recorded) this.options.onFinished?.('failed');
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
