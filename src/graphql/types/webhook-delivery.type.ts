import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { WebhookDeliveryState, WebhookEventType } from './enums';
import { PageInfo } from './connection.types';

@ObjectType('WebhookDelivery', {
  description:
    'The delivery of one event to one endpoint: attempted until it is DELIVERED (a 2xx) or FAILED (schedule spent, 410 Gone, ' +
    'endpoint disabled or deleted). Every attempt is kept. Admin only.',
})
export class WebhookDelivery {
  @Field(() => ID, { description: 'Identifier of the delivery (whd_...).' })
  id!: string;

  @Field(() => ID, {
    description: 'The event delivered (msg_...): its `webhook-id` header, the same on every attempt and redelivery, so receivers deduplicate on it.',
  })
  eventId!: string;

  @Field(() => WebhookEventType, { description: 'What the event announces.' })
  eventType!: WebhookEventType;

  @Field(() => ID, { description: 'The endpoint it is delivered to.' })
  endpointId!: string;

  @Field(() => WebhookDeliveryState, { description: 'Where the delivery stands.' })
  state!: WebhookDeliveryState;

  @Field(() => Int, { description: 'HTTP attempts made so far.' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: 'The status the endpoint last answered; null when the last attempt got no answer (or none was made).' })
  lastHttpStatus!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'What went wrong last, in a few words (e.g. `answered 500`, `timed out after 15000 ms`, `connection refused`, `redirect not followed (302)`); null once delivered.',
  })
  lastError!: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the next attempt is due; null once DELIVERED or FAILED.' })
  nextAttemptAt!: Date | null;

  @Field(() => DateTimeResolver, { description: 'When the delivery was queued.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the endpoint accepted it; null until then.' })
  deliveredAt!: Date | null;
}

@ObjectType('WebhookDeliveryEdge', { description: 'A delivery in a page of deliveries.' })
export class WebhookDeliveryEdge {
  @Field(() => String, { description: 'Opaque cursor of this delivery: pass it as `after` to continue after it.' })
  cursor!: string;

  @Field(() => WebhookDelivery, { description: 'The delivery.' })
  node!: WebhookDelivery;
}

@ObjectType('WebhookDeliveryConnection', { description: 'A page of webhook deliveries, newest first (Relay-style connection). Admin only.' })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge], { description: 'The deliveries on this page.' })
  edges!: WebhookDeliveryEdge[];

  @Field(() => PageInfo, { description: 'Where this page stands and how to get the next one.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of deliveries matching the filter, across all pages.' })
  totalCount!: number;
}
