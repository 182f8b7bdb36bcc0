/**
 * The webhook outbox (DESIGN section 7): an event is recorded inside the unit of work that commits
 * the change it reports, with one PENDING delivery per endpoint that will receive it, so it exists
 * exactly when the change does and is never lost after the commit. Fanned out at write time: an
 * endpoint created later does not receive earlier events (redeliverWebhooks does that on request).
 *
 * The delivery worker is woken once the unit has committed (wakeIfQueued), never from inside it:
 * a unit may be run again, and a worker woken early would find nothing committed yet.
 */
import type { Repositories } from '../db/repositories';
import type { NewWebhookDeliveryRow, PaymentRow, RefundRow } from '../db/schema';
import { wireEventType, type WebhookEventType } from '../payments/webhook-event-type';
import { subscribesTo } from './endpoint-events';
import { webhookBody } from './webhook-payload';
import { webhookIds } from './webhook-ids';

export interface OutboxEntry {
  type: WebhookEventType;
  payment: PaymentRow;
  refund?: RefundRow;
  /** The audit row of the change this event reports. */
  auditId?: number;
  at: Date;
}

export interface WebhookOutboxOptions {
  /** Called after a unit that queued deliveries committed (the delivery worker's wake()). */
  wake?: () => void;
}

export class WebhookOutbox {
  constructor(private readonly options: WebhookOutboxOptions = {}) {}

  /**
   * Records the event and its deliveries in `tx`; returns how many deliveries were queued. With no
   * endpoint receiving this type nothing is written at all (no event without a delivery).
   */
  async record(tx: Repositories, entry: OutboxEntry): Promise<number> {
    const wire = wireEventType(entry.type);
    const endpoints = (await tx.webhookEndpoints.receiving()).filter((endpoint) => subscribesTo(endpoint, wire));
    if (endpoints.length === 0) return 0;
    const eventId = webhookIds.event(entry.at);
    await tx.webhookOutbox.insertEvent({
      id: eventId,
      type: wire,
      pidx: entry.payment.pidx,
      refundId: entry.refund?.id ?? null,
      auditId: entry.auditId ?? null,
      body: JSON.stringify(webhookBody(entry.type, entry.at, entry.payment, entry.refund)),
      createdAt: entry.at,
    });
    const deliveries: NewWebhookDeliveryRow[] = endpoints.map((endpoint) => ({
      id: webhookIds.delivery(entry.at),
      eventId,
      endpointId: endpoint.id,
      state: 'PENDING',
      attempts: 0,
      nextAttemptAt: entry.at,
      createdAt: entry.at,
      updatedAt: entry.at,
    }));
    await tx.webhookOutbox.insertDeliveries(deliveries);
    return deliveries.length;
  }

  /** After the commit of a unit whose record() calls queued `queued` deliveries. */
  wakeIfQueued(queued: number): void {
    if (queued > 0) this.options.wake?.();
  }
}
