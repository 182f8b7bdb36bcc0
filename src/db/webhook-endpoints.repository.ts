/** Webhook endpoints: what the admin operations manage and the delivery worker reads. */
import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from './executor';
import type { NewWebhookEndpointRow, WebhookEndpointRow } from './schema';

export class WebhookEndpointsRepository {
  constructor(private readonly x: Executor) {}

  /** An endpoint by id, deleted ones included (their deliveries still name them). */
  async byId(id: string): Promise<WebhookEndpointRow | undefined> {
    const { webhookEndpoints } = this.x.tables;
    const [row] = await this.x.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
    return row;
  }

  async insert(row: NewWebhookEndpointRow): Promise<void> {
    await this.x.db.insert(this.x.tables.webhookEndpoints).values(row);
  }

  /** The gateway disables an endpoint itself (it answered 410 Gone); false when it was already disabled or deleted. */
  async disable(id: string, reason: string, at: Date): Promise<boolean> {
    const { webhookEndpoints: t } = this.x.tables;
    const rows = await this.x.db
      .update(t)
      .set({ enabled: false, disabledReason: reason, updatedAt: at })
      .where(and(eq(t.id, id), eq(t.enabled, true), isNull(t.deletedAt)))
      .returning({ id: t.id });
    return rows.length > 0;
  }
}
