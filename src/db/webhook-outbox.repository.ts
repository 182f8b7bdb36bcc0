/**
 * The webhook outbox: events and their deliveries, written inside the unit of work that commits
 * the change they report, so an event exists exactly when its change does.
 */
import { preparedQuery, rowPlaceholders, type Executor } from './executor';
import type { NewWebhookDeliveryRow, NewWebhookEventRow } from './schema';

export class WebhookOutboxRepository {
  constructor(private readonly x: Executor) {}

  /** In every status change's unit while an endpoint listens: prepared per shape. */
  async insertEvent(row: NewWebhookEventRow): Promise<void> {
    const { shape, values, params } = rowPlaceholders(row, '');
    const query = preparedQuery(this.x, `webhookOutbox.insertEvent:${shape}`, () =>
      this.x.db.insert(this.x.tables.webhookEvents).values(values as unknown as NewWebhookEventRow).prepare(),
    );
    await query.execute(params);
  }

  /**
   * A gateway has a handful of endpoints, so an event's deliveries are inserted one prepared
   * statement each; a redelivery of many events (an admin's, rare) inserts in bulk.
   */
  async insertDeliveries(rows: NewWebhookDeliveryRow[]): Promise<void> {
    if (rows.length > FEW) {
      await this.x.db.insert(this.x.tables.webhookDeliveries).values(rows);
      return;
    }
    for (const row of rows) {
      const { shape, values, params } = rowPlaceholders(row, '');
      const query = preparedQuery(this.x, `webhookOutbox.insertDelivery:${shape}`, () =>
        this.x.db.insert(this.x.tables.webhookDeliveries).values(values as unknown as NewWebhookDeliveryRow).prepare(),
      );
      await query.execute(params);
    }
  }
}

/** Up to this many deliveries go in one prepared insert each. */
const FEW = 8;
