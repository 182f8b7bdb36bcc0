/**
 * Publication of status changes, for the paymentStatusChanged subscription. Events are published
 * only after the change is committed: at once by the process that made it, and by every other
 * process sharing the database through the StatusChangeFeed.
 */
import { createPubSub } from '@graphql-yoga/subscription';
import type { PaymentStatus } from './payment-status';
import type { PaymentRow } from '../db/schema';
import type { StatusSource } from './status-source';


export interface PaymentStatusChangeEvent {
  pidx: string;
  previousStatus: PaymentStatus | null;
  status: PaymentStatus;
  source: StatusSource;
  occurredAt: Date;
  payment: PaymentRow;
  /** The audit row that records this change: what makes it one event, in every process. */
  auditId: number;
}

/** How many published audit ids are remembered (far more than can be in flight between commit and announcement). */
const REMEMBERED_IDS = 50_000;

export class PaymentEvents {
  /** Also handed to type-graphql's buildSchema, which insists on one when a schema has subscriptions. */
  readonly pubsub = createPubSub<{ paymentStatusChanged: [pidx: string, event: PaymentStatusChangeEvent] }>();

  /**
   * Audit ids published lately, by this process's own changes or by the feed (whichever came
   * first): a change is published once however it arrives. Bounded: the oldest are forgotten.
   */
  private readonly published = new Set<number>();

  /** Publishes the change unless it already was; true when this call published it. */
  publish(event: PaymentStatusChangeEvent): boolean {
    if (this.published.has(event.auditId)) return false;
    this.published.add(event.auditId);
    if (this.published.size > REMEMBERED_IDS) {
      for (const id of this.published) {
        this.published.delete(id);
        if (this.published.size <= REMEMBERED_IDS * 0.8) break;
      }
    }
    this.pubsub.publish('paymentStatusChanged', event.pidx, event);
    return true;
  }

  wasPublished(auditId: number): boolean {
    return this.published.has(auditId);
  }

  subscribe(pidx: string): AsyncIterable<PaymentStatusChangeEvent> {
    return this.pubsub.subscribe('paymentStatusChanged', pidx);
  }
}
