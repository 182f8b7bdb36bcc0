/** Webhook deliveries and their attempts: claiming due ones, recording attempts, listing, redelivering. */
import { eq } from 'drizzle-orm';
import type { Executor } from './executor';
import type { WebhookDeliveryRow } from './schema';

export class WebhookDeliveriesRepository {
  constructor(private readonly x: Executor) {}

  async byId(id: string): Promise<WebhookDeliveryRow | undefined> {
    const { webhookDeliveries } = this.x.tables;
    const [row] = await this.x.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).limit(1);
    return row;
  }
}
