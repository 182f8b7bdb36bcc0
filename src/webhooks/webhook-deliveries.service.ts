/**
 * What admins do with deliveries: list them, send a test event to an endpoint, and queue every
 * recent event again for an endpoint (after an outage on their side). Queued deliveries are rows in
 * the outbox: the worker sends them, and is woken so that it does so now.
 */
import type { Database } from '../db/database';
import type { DeliveryWithEventType } from '../db/webhook-deliveries.repository';
import type { WebhookEndpointRow } from '../db/schema';
import type { AuditService } from '../payments/audit.service';
import type { WebhookDeliveryState } from '../payments/webhook-delivery-state.rules';
import { wireEventType } from '../payments/webhook-event-type';
import { webhookIds } from './webhook-ids';

export interface DeliveryPage {
  rows: DeliveryWithEventType[];
  hasNextPage: boolean;
  totalCount: number;
}

/** Why an endpoint cannot be sent to; the resolver names `endpointId`. */
export type EndpointRefusal = 'unknown' | 'disabled';
export type Queued<T> = { ok: true; value: T } | { ok: false; refusal: EndpointRefusal };

/** Deliveries inserted per statement (SQLite bounds the variables of one). */
const INSERT_CHUNK = 200;

export class WebhookDeliveriesService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly wake: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async page(options: { endpointId?: string; state?: WebhookDeliveryState; before?: { createdAt: Date; id: string }; first: number }): Promise<DeliveryPage> {
    const filter = { endpointId: options.endpointId, state: options.state };
    const [rows, totalCount] = await Promise.all([
      this.db.read.webhookDeliveries.page({ ...filter, before: options.before, limit: options.first + 1 }),
      this.db.read.webhookDeliveries.count(filter),
    ]);
    return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first, totalCount };
  }

  /** sendTestWebhook: a `webhook.test` event and one delivery of it to this endpoint alone. */
  async sendTest(endpointId: string): Promise<Queued<DeliveryWithEventType>> {
    const at = this.now();
    const result = await this.db.transaction(async (tx): Promise<Queued<DeliveryWithEventType>> => {
      const refusal = refusalOf(await tx.webhookEndpoints.byId(endpointId));
      if (refusal) return { ok: false, refusal };
      const eventId = webhookIds.event(at);
      const deliveryId = webhookIds.delivery(at);
      const type = wireEventType('WEBHOOK_TEST');
      await tx.webhookOutbox.insertEvent({
        id: eventId,
        type,
        body: JSON.stringify({ type, timestamp: at.toISOString(), data: { test: true, endpointId } }),
        createdAt: at,
      });
      await tx.webhookOutbox.insertDeliveries([pendingDelivery(deliveryId, eventId, endpointId, at)]);
      await this.audit.webhookStep(tx, { operation: 'webhook_test_sent', at, detail: { endpointId, eventId, deliveryId } });
      return { ok: true, value: { ...(await tx.webhookDeliveries.byId(deliveryId))!, eventType: type } };
    });
    if (result.ok) this.wake();
    return result;
  }

  /**
   * redeliverWebhooks: a new PENDING delivery, of the same event (so the same webhook-id, and
   * receivers deduplicate), for every event since `since` this endpoint had a delivery of; events
   * with a delivery to it still PENDING are left out (one is queued already). Returns how many.
   */
  async redeliver(endpointId: string, since: Date): Promise<Queued<number>> {
    const at = this.now();
    const result = await this.db.transaction(async (tx): Promise<Queued<number>> => {
      const refusal = refusalOf(await tx.webhookEndpoints.byId(endpointId));
      if (refusal) return { ok: false, refusal };
      const eventIds = await tx.webhookDeliveries.eventsToRedeliver(endpointId, since);
      for (let i = 0; i < eventIds.length; i += INSERT_CHUNK) {
        await tx.webhookOutbox.insertDeliveries(eventIds.slice(i, i + INSERT_CHUNK).map((eventId) => pendingDelivery(webhookIds.delivery(at), eventId, endpointId, at)));
      }
      await this.audit.webhookStep(tx, { operation: 'webhooks_redelivered', at, detail: { endpointId, since: since.toISOString(), count: eventIds.length } });
      return { ok: true, value: eventIds.length };
    });
    if (result.ok && result.value > 0) this.wake();
    return result;
  }
}

function refusalOf(endpoint: WebhookEndpointRow | undefined): EndpointRefusal | null {
  if (!endpoint || endpoint.deletedAt) return 'unknown';
  if (!endpoint.enabled) return 'disabled';
  return null;
}

function pendingDelivery(id: string, eventId: string, endpointId: string, at: Date) {
  return { id, eventId, endpointId, state: 'PENDING' as const, attempts: 0, nextAttemptAt: at, createdAt: at, updatedAt: at };
}
