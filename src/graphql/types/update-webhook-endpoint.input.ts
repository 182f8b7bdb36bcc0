import { Field, ID, InputType } from 'type-graphql';
import { WebhookEventType } from './enums';

@InputType('UpdateWebhookEndpointInput', { description: 'Changes to a webhook endpoint; fields left out stay as they are. Admin only.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint (WebhookEndpoint.id).' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'A new URL, checked as on create.' })
  url?: string | null;

  @Field(() => [WebhookEventType], { nullable: true, description: 'The event types it receives from now on (replaces the list).' })
  events?: WebhookEventType[] | null;

  @Field(() => String, { nullable: true, description: 'A new note; null removes it.' })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'false stops queuing events for it; true resumes (and clears disabledReason).' })
  enabled?: boolean | null;
}
