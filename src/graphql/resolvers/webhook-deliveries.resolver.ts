import { GraphQLError } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { DeliveryWithEventType } from '../../db/webhook-deliveries.repository';
import { eventTypeFromWire } from '../../payments/webhook-event-type';
import type { EndpointRefusal, Queued } from '../../webhooks/webhook-deliveries.service';
import { ADMIN } from '../auth-checker';
import type { GatewayContext } from '../context';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '../pagination';
import { WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryEdge, WebhookDeliveryState } from '../types';

const isDeliveryCursor = (value: unknown): value is { at: number; id: string } =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger((value as { at: unknown }).at) &&
  typeof (value as { id: unknown }).id === 'string';

/** webhookDeliveries, sendTestWebhook, redeliverWebhooks: thin over WebhookDeliveriesService. */
@Resolver()
export class WebhookDeliveriesResolver {
  @Authorized(ADMIN)
  @Query(() => WebhookDeliveryConnection, { description: 'Webhook deliveries, newest first, optionally of one endpoint or in one state. Admin only.' })
  async webhookDeliveries(
    @Arg('endpointId', () => ID, { nullable: true, description: 'Only deliveries to this endpoint.' }) endpointId: string | null,
    @Arg('state', () => WebhookDeliveryState, { nullable: true, description: 'Only deliveries in this state.' }) state: WebhookDeliveryState | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page.' }) after: string | null,
    @Ctx() { services }: GatewayContext,
  ): Promise<WebhookDeliveryConnection> {
    const size = pageSize(first);
    const cursor = after ? decodeCursor(after, isDeliveryCursor) : undefined;
    const page = await services.webhookDeliveries.page({
      endpointId: endpointId ?? undefined,
      state: state ?? undefined,
      before: cursor ? { createdAt: new Date(cursor.at), id: cursor.id } : undefined,
      first: size,
    });
    return toConnection(WebhookDeliveryConnection, page, after, (row) =>
      Object.assign(new WebhookDeliveryEdge(), { cursor: encodeCursor({ at: row.createdAt.getTime(), id: row.id }), node: toWebhookDelivery(row) }),
    );
  }

  @Authorized(ADMIN)
  @Mutation(() => WebhookDelivery, {
    description:
      'Queues a `webhook.test` event (data `{test: true, endpointId}`) to this endpoint alone, whatever it subscribed to, and returns ' +
      'its delivery (PENDING; follow it with `webhookDeliveries`). Admin only. BAD_USER_INPUT for an unknown, deleted or disabled endpoint.',
  })
  async sendTestWebhook(@Arg('endpointId', () => ID) endpointId: string, @Ctx() { services }: GatewayContext): Promise<WebhookDelivery> {
    return toWebhookDelivery(orRefuse(await services.webhookDeliveries.sendTest(endpointId), endpointId));
  }

  @Authorized(ADMIN)
  @Mutation(() => Int, {
    description:
      'Queues a new delivery, to this endpoint, of every event since `since` that it had a delivery of (delivered or not), with the ' +
      "same event id (`webhook-id`), so receivers deduplicate. Events with a delivery to it still PENDING are left out. Returns how " +
      'many were queued. Admin only. BAD_USER_INPUT for an unknown, deleted or disabled endpoint.',
  })
  async redeliverWebhooks(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('since', () => DateTimeResolver) since: Date,
    @Ctx() { services }: GatewayContext,
  ): Promise<number> {
    return orRefuse(await services.webhookDeliveries.redeliver(endpointId, since), endpointId);
  }
}

const REFUSALS: Record<EndpointRefusal, (id: string) => string> = {
  unknown: (id) => `endpointId: no webhook endpoint ${JSON.stringify(id)}.`,
  disabled: (id) => `endpointId: webhook endpoint ${JSON.stringify(id)} is disabled; enable it with updateWebhookEndpoint first.`,
};

function orRefuse<T>(queued: Queued<T>, endpointId: string): T {
  if (queued.ok) return queued.value;
  throw new GraphQLError(REFUSALS[queued.refusal](endpointId), { extensions: { code: 'BAD_USER_INPUT', field: ['endpointId'] } });
}

export function toWebhookDelivery(row: DeliveryWithEventType): WebhookDelivery {
  const eventType = eventTypeFromWire(row.eventType);
  // Only this gateway writes events, from the same list: anything else is a bug, not input.
  if (eventType === null) throw new Error(`webhook event ${row.eventId} has a type this gateway does not send`);
  return Object.assign(new WebhookDelivery(), {
    id: row.id,
    eventId: row.eventId,
    eventType,
    endpointId: row.endpointId,
    state: row.state,
    attempts: row.attempts,
    lastHttpStatus: row.lastHttpStatus,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt,
    createdAt: row.createdAt,
    deliveredAt: row.deliveredAt,
  });
}
