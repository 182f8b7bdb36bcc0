/** Webhook deliveries and their attempts: claiming due ones, recording attempts, listing, redelivering. */
/**
 * The worker's queries (claim, the endpoint's and event's read, the attempt's record) run for every webhook sent,
 * beside the API's requests on the same thread: they are prepared once per connection (a profile
 * of the webhook bench showed building and preparing their SQL as most of a webhook's cost).
 */
import { and, count, desc, eq, getTableColumns, gte, inArray, isNull, lt, lte, notInArray, or, Param, sql } from 'drizzle-orm';
import type { WebhookDeliveryState } from '../payments/webhook-delivery-state.rules';
import { preparedQuery, rowPlaceholders, type Executor } from './executor';
import type { NewWebhookAttemptRow, WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow } from './schema';

/** What an attempt changes on its delivery. */
export type DeliveryAttemptPatch = Pick<WebhookDeliveryRow, 'state' | 'attempts' | 'lastHttpStatus' | 'lastError' | 'nextAttemptAt' | 'deliveredAt'>;

/** A delivery with its event's wire type (what the admin list shows). */
export type DeliveryWithEventType = WebhookDeliveryRow & { eventType: string };

export class WebhookDeliveriesRepository {
  constructor(private readonly x: Executor) {}

  async byId(id: string): Promise<WebhookDeliveryRow | undefined> {
    const { webhookDeliveries } = this.x.tables;
    const [row] = await this.x.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).limit(1);
    return row;
  }

  /**
   * What an attempt needs, in one query: the endpoint (its URL, whether it is still enabled, its
   * secret generation; deleted ones too, their rows are kept) and the event (whose body is the exact
   * bytes signed and sent), undefined when missing.
   */
  async toSend(endpointId: string, eventId: string): Promise<{ endpoint: WebhookEndpointRow | undefined; event: WebhookEventRow | undefined }> {
    const query = preparedQuery(this.x, 'webhookDeliveries.toSend', () => {
      const { webhookEndpoints: p, webhookEvents: e } = this.x.tables;
      return this.x.db
        .select({ endpoint: p, event: e })
        .from(p)
        .leftJoin(e, eq(e.id, sql.placeholder('eventId')))
        // No LIMIT: the endpoint's id is its primary key, and a bound LIMIT costs SQLite more than the lookup.
        .where(eq(p.id, sql.placeholder('endpointId')))
        .prepare();
    });
    const [row] = await query.execute({ endpointId, eventId });
    return { endpoint: row?.endpoint, event: row?.event ?? undefined };
  }

  /**
   * Claims up to `limit` PENDING deliveries due at `now` whose lease (if any) has run out, oldest
   * due first: sets their lease to `leaseUntil` and bumps their version, so that only the claimer
   * records the attempt, and a claimer that dies leaves them to whoever comes after the lease.
   * PostgreSQL skips rows another instance is claiming this instant (FOR UPDATE SKIP LOCKED), as
   * payments.claimDueForLookup does; SQLite's writer runs one unit at a time anyway.
   */
  async claimDue(now: Date, limit: number, leaseUntil: Date): Promise<WebhookDeliveryRow[]> {
    const query = preparedQuery(this.x, 'webhookDeliveries.claimDue', () => {
      const { webhookDeliveries: t } = this.x.tables;
      const lock = this.x.engine === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
      // Wrapped in their columns' Params, so a Date becomes the engine's value (epoch ms, timestamptz).
      const dueBy = new Param(sql.placeholder('now'), t.nextAttemptAt);
      const leaseOverBy = new Param(sql.placeholder('now'), t.leaseUntil);
      // A PENDING delivery written without nextAttemptAt is due at once (never stranded).
      const due = and(eq(t.state, 'PENDING'), or(isNull(t.nextAttemptAt), lte(t.nextAttemptAt, dueBy)), or(isNull(t.leaseUntil), lte(t.leaseUntil, leaseOverBy)));
      return this.x.db
        .update(t)
        .set({ leaseUntil: sql.placeholder('leaseUntil') as unknown as Date, version: sql`${t.version} + 1` })
        .where(inArray(t.id, sql`(SELECT ${t.id} FROM ${t} WHERE ${due} ORDER BY ${t.nextAttemptAt} LIMIT ${sql.placeholder('limit')}${lock})`))
        .returning()
        .prepare();
    });
    return query.execute({ now, limit, leaseUntil });
  }

  /** Records an attempt's consequences and clears the lease, if the row is still as claimed; false when it is not. */
  async recordAttempt(id: string, version: number, patch: DeliveryAttemptPatch, at: Date): Promise<boolean> {
    // Prepared per shape: which of the patch's columns are null (no answer, no next attempt, ...).
    const { shape, values, params } = rowPlaceholders({ ...patch, updatedAt: at }, 'set.');
    const query = preparedQuery(this.x, `webhookDeliveries.recordAttempt:${shape}`, () => {
      const { webhookDeliveries: t } = this.x.tables;
      return this.x.db
        .update(t)
        .set({ ...(values as unknown as DeliveryAttemptPatch), leaseUntil: null, version: sql`${t.version} + 1` })
        .where(and(eq(t.id, sql.placeholder('id')), eq(t.version, sql.placeholder('version'))))
        .returning({ id: t.id })
        .prepare();
    });
    const rows = await query.execute({ ...params, id, version });
    return rows.length > 0;
  }

  /** Appends to the attempt history (never updated). */
  async insertAttempt(row: Omit<NewWebhookAttemptRow, 'id'>): Promise<void> {
    const { shape, values, params } = rowPlaceholders(row, '');
    const query = preparedQuery(this.x, `webhookDeliveries.insertAttempt:${shape}`, () =>
      this.x.db.insert(this.x.tables.webhookAttempts).values(values as unknown as NewWebhookAttemptRow).prepare(),
    );
    await query.execute(params);
  }

  /** A delivery's attempts, oldest first. */
  async attemptsOf(deliveryId: string): Promise<WebhookAttemptRow[]> {
    const { webhookAttempts: a } = this.x.tables;
    return this.x.db.select().from(a).where(eq(a.deliveryId, deliveryId)).orderBy(a.id);
  }

  /** Newest first; `before` is the last row of the previous page. */
  async page(options: {
    endpointId?: string;
    state?: WebhookDeliveryState;
    before?: { createdAt: Date; id: string };
    limit: number;
  }): Promise<DeliveryWithEventType[]> {
    const { webhookDeliveries: t, webhookEvents: e } = this.x.tables;
    const before = options.before;
    const conditions = [
      ...this.filter(options),
      before ? or(lt(t.createdAt, before.createdAt), and(eq(t.createdAt, before.createdAt), lt(t.id, before.id))) : undefined,
    ].filter((condition) => condition !== undefined);
    return this.x.db
      .select({ ...getTableColumns(t), eventType: e.type })
      .from(t)
      .innerJoin(e, eq(e.id, t.eventId))
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(t.createdAt), desc(t.id))
      .limit(options.limit);
  }

  async count(options: { endpointId?: string; state?: WebhookDeliveryState }): Promise<number> {
    const { webhookDeliveries: t } = this.x.tables;
    const conditions = this.filter(options).filter((condition) => condition !== undefined);
    const [row] = await this.x.db
      .select({ n: count() })
      .from(t)
      .where(conditions.length ? and(...conditions) : undefined);
    return row?.n ?? 0;
  }

  private filter(options: { endpointId?: string; state?: WebhookDeliveryState }) {
    const { webhookDeliveries: t } = this.x.tables;
    return [options.endpointId ? eq(t.endpointId, options.endpointId) : undefined, options.state ? eq(t.state, options.state) : undefined];
  }

  /**
   * redeliverWebhooks: the events created at or after `since` that the endpoint had a delivery of,
   * oldest first, leaving out those with a delivery to it still PENDING (one is queued already).
   */
  async eventsToRedeliver(endpointId: string, since: Date): Promise<string[]> {
    const { webhookDeliveries: d, webhookEvents: e } = this.x.tables;
    const pending = this.x.db
      .select({ eventId: d.eventId })
      .from(d)
      .where(and(eq(d.endpointId, endpointId), eq(d.state, 'PENDING')));
    const rows = await this.x.db
      .selectDistinct({ id: e.id, createdAt: e.createdAt })
      .from(d)
      .innerJoin(e, eq(e.id, d.eventId))
      .where(and(eq(d.endpointId, endpointId), gte(e.createdAt, since), notInArray(e.id, pending)))
      .orderBy(e.createdAt, e.id);
    return rows.map((row) => row.id);
  }
}
