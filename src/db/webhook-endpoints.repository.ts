/** Webhook endpoints: what the admin operations manage and the delivery worker reads. */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { preparedQuery, type Executor } from './executor';
import type { NewWebhookEndpointRow, WebhookEndpointRow } from './schema';

/** What an admin may change on an endpoint (the rest is the gateway's). */
export type WebhookEndpointChanges = Partial<
  Pick<NewWebhookEndpointRow, 'url' | 'events' | 'description' | 'enabled' | 'disabledReason' | 'secretGeneration' | 'previousSecretUntil'>
>;

/** The lastError of the deliveries a deleted endpoint will never receive. */
export const ENDPOINT_DELETED_ERROR = 'endpoint deleted';

export class WebhookEndpointsRepository {
  constructor(private readonly x: Executor) {}

  /** An endpoint by id, deleted ones included (their deliveries still name them). */
  async byId(id: string): Promise<WebhookEndpointRow | undefined> {
    // Read before every webhook attempt (its secret generation, whether it is still enabled).
    const query = preparedQuery(this.x, 'webhookEndpoints.byId', () => {
      const { webhookEndpoints } = this.x.tables;
      // No LIMIT: id is the primary key (a bound LIMIT costs SQLite more than the lookup).
      return this.x.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, sql.placeholder('id'))).prepare();
    });
    const [row] = await query.execute({ id });
    return row;
  }

  /** Endpoints not deleted, oldest first (webhookEndpoints). */
  async listed(): Promise<WebhookEndpointRow[]> {
    const { webhookEndpoints: t } = this.x.tables;
    return this.x.db.select().from(t).where(isNull(t.deletedAt)).orderBy(asc(t.createdAt), asc(t.id));
  }

  /**
   * Endpoints an event may be sent to now: enabled and not deleted. The outbox filters them by
   * subscription (a JSON array per row; a gateway has a handful of endpoints, not thousands).
   */
  async receiving(): Promise<WebhookEndpointRow[]> {
    // Read on every status change: its SQL is built once per executor.
    const query = preparedQuery(this.x, 'webhookEndpoints.receiving', () => {
      const { webhookEndpoints: t } = this.x.tables;
      return this.x.db
        .select()
        .from(t)
        .where(and(eq(t.enabled, true), isNull(t.deletedAt)))
        .orderBy(asc(t.createdAt), asc(t.id))
        .prepare();
    });
    return query.execute();
  }

  async insert(row: NewWebhookEndpointRow): Promise<void> {
    await this.x.db.insert(this.x.tables.webhookEndpoints).values(row);
  }

  /**
   * Compare-and-set on `version` of an endpoint not deleted: the row as written, or undefined
   * when it was deleted or written by someone else since it was read.
   */
  async update(id: string, expectedVersion: number, changes: WebhookEndpointChanges, at: Date): Promise<WebhookEndpointRow | undefined> {
    const { webhookEndpoints: t } = this.x.tables;
    const [row] = await this.x.db
      .update(t)
      .set({ ...changes, updatedAt: at, version: expectedVersion + 1 })
      .where(and(eq(t.id, id), eq(t.version, expectedVersion), isNull(t.deletedAt)))
      .returning();
    return row;
  }

  /**
   * Deletes an endpoint (soft: its deliveries keep naming it) and gives up its PENDING deliveries
   * in the same unit of work, so the worker never sends to an endpoint an admin removed. False
   * when it was unknown or already deleted. Returns how many deliveries were given up.
   */
  async softDelete(id: string, at: Date): Promise<{ deleted: boolean; deliveriesFailed: number }> {
    const { webhookEndpoints: t, webhookDeliveries: d } = this.x.tables;
    const deleted = await this.x.db
      .update(t)
      .set({ deletedAt: at, updatedAt: at })
      .where(and(eq(t.id, id), isNull(t.deletedAt)))
      .returning({ id: t.id });
    if (deleted.length === 0) return { deleted: false, deliveriesFailed: 0 };
    const failed = await this.x.db
      .update(d)
      .set({ state: 'FAILED', lastError: ENDPOINT_DELETED_ERROR, nextAttemptAt: null, updatedAt: at, version: sql`${d.version} + 1` })
      .where(and(eq(d.endpointId, id), eq(d.state, 'PENDING')))
      .returning({ id: d.id });
    return { deleted: true, deliveriesFailed: failed.length };
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
