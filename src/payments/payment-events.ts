/**
 * In-process publication of status changes, for the paymentStatusChanged subscription.
 * Events are published only after the change is committed.
 */
import { createPubSub } from '@graphql-yoga/subscription';
import type { PaymentStatus } from '../khalti/khalti.types';
import type { PaymentRow } from '../db/schema';

export type StatusSource = 'INITIATE' | 'LOOKUP' | 'CALLBACK' | 'RECONCILER' | 'REFUND';

export interface PaymentStatusChangeEvent {
  pidx: string;
  previousStatus: PaymentStatus | null;
  status: PaymentStatus;
  source: StatusSource;
  occurredAt: Date;
  payment: PaymentRow;
}

export class PaymentEvents {
  /** Also handed to type-graphql's buildSchema, which insists on one when a schema has subscriptions. */
  readonly pubsub = createPubSub<{ paymentStatusChanged: [pidx: string, event: PaymentStatusChangeEvent] }>();

  publish(event: PaymentStatusChangeEvent): void {
    this.pubsub.publish('paymentStatusChanged', event.pidx, event);
  }

  subscribe(pidx: string): AsyncIterable<PaymentStatusChangeEvent> {
    return this.pubsub.subscribe('paymentStatusChanged', pidx);
  }
}
