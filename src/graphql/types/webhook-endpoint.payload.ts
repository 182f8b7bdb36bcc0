import { Field, ObjectType } from 'type-graphql';
import { UserError } from './user-error.type';
import { WebhookEndpoint } from './webhook-endpoint.type';

@ObjectType('WebhookEndpointPayload', {
  description: 'Result of a webhook endpoint mutation: the endpoint as it is now, or userErrors to fix (nothing was written).',
})
export class WebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint; null when there are userErrors.' })
  endpoint!: WebhookEndpoint | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The signing secret (whsec_...), only from createWebhookEndpoint and rotateWebhookSecret: store it now, it is ' +
      'never shown again. Verify deliveries with any Standard Webhooks library.',
  })
  secret!: string | null;

  @Field(() => [UserError], { description: 'Problems with the input; empty when the change was made.' })
  userErrors!: UserError[];
}
