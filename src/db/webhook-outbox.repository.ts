/**
 * The webhook outbox: events and their deliveries, written inside the unit of work that commits
 * the change they report, so an event exists exactly when its change does.
 */
import type { Executor } from './executor';
import type { NewWebhookDeliveryRow, NewWebhookEventRow } from './schema';

export class WebhookOutboxRepository {
  constructor(private readonly x: Executor) {}

  async insertEvent(row: NewWebhookEventRow): Promise<void> {
    await this.x.db.insert(this.x.tables.webhookEvents).values(row);
  }

  async insertDeliveries(rows: NewWebhookDeliveryRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.x.db.insert(this.x.tables.webhookDeliveries).values(rows);
  }
}
