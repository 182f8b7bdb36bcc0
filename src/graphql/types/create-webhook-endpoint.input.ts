import { Field, InputType } from 'type-graphql';
import { WebhookEventType } from './enums';

@InputType('CreateWebhookEndpointInput', { description: 'A new webhook endpoint. Admin only.' })
export class CreateWebhookEndpointInput {
  @Field(() => String, {
    description:
      'Where events are POSTed: http(s), https in production, no user:password or fragment, at most 2048 characters, and ' +
      'a host that resolves only to public addresses unless WEBHOOK_ALLOW_PRIVATE=true.',
  })
  url!: string;

  @Field(() => [WebhookEventType], { description: 'The event types it receives (at least one; not WEBHOOK_TEST, which sendTestWebhook sends to any endpoint).' })
  events!: WebhookEventType[];

  @Field(() => String, { nullable: true, description: 'A note for admins (at most 500 characters).' })
  description?: string | null;
}
