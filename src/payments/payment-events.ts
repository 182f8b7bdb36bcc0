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

export class PaymentEvents {
  /** Also handed to type-graphql's buildSchema, which insists on one when a schema has subscriptions. */
  readonly pubsub = createPubSub<{ paymentStatusChanged: [pidx: string, event: PaymentStatusChangeEvent] }>();

  /** Audit ids this process has published and the feed has not yet passed. */
  private readonly published = new Set<number>();

  publish(event: PaymentStatusChangeEvent): void {
    this.published.add(event.auditId);
    this.pubsub.publish('paymentStatusChanged', event.pidx, event);
  }

  wasPublished(auditId: number): boolean {
    return this.published.has(auditId);
  }

  /** The feed has passed these ids; they can be forgotten. */
  forgetUpTo(auditId: number): void {
    for (const id of this.published) if (id <= auditId) this.published.delete(id);
  }

  subscribe(pidx: string): AsyncIterable<PaymentStatusChangeEvent> {
    return this.pubsub.subscribe('paymentStatusChanged', pidx);
  }
}
