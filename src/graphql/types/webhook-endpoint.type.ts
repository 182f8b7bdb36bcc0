import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { WebhookEventType } from './enums';

@ObjectType('WebhookEndpoint', {
  description:
    "Where the merchant's backend receives signed webhook events (Standard Webhooks). Admin only. Its signing secret " +
    'is never readable: it is returned once by createWebhookEndpoint and by rotateWebhookSecret.',
})
export class WebhookEndpoint {
  @Field(() => ID, { description: 'The endpoint id (ep_...).' })
  id!: string;

  @Field(() => String, { description: 'Where events are POSTed.' })
  url!: string;

  @Field(() => [WebhookEventType], { description: 'The event types this endpoint receives.' })
  events!: WebhookEventType[];

  @Field(() => String, { nullable: true, description: "The admin's note about the endpoint." })
  description!: string | null;

  @Field(() => Boolean, { description: 'False: no events are queued for it (an admin disabled it, or it answered 410 Gone).' })
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the gateway disabled it (e.g. it answered 410 Gone); cleared when re-enabled.' })
  disabledReason!: string | null;

  @Field(() => DateTimeResolver, { description: 'When it was created.' })
  createdAt!: Date;
}
