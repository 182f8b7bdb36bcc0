import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { EndpointOutcome } from '../../webhooks/webhook-endpoints.service';
import { ADMIN } from '../auth-checker';
import type { GatewayContext } from '../context';
import { toUserErrors, toWebhookEndpoint } from '../mappers';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput, WebhookEndpoint, WebhookEndpointPayload } from '../types';

/** Webhook endpoints (admin): thin over WebhookEndpointsService. */
@Resolver()
export class WebhookEndpointsResolver {
  @Authorized(ADMIN)
  @Query(() => [WebhookEndpoint], { description: 'The webhook endpoints (deleted ones excluded), oldest first. Admin only.' })
  async webhookEndpoints(@Ctx() { services }: GatewayContext): Promise<WebhookEndpoint[]> {
    return (await services.webhookEndpoints.list()).map(toWebhookEndpoint);
  }

  @Authorized(ADMIN)
  @Mutation(() => WebhookEndpointPayload, {
    description:
      'Registers a webhook endpoint and returns its signing secret (whsec_...), shown this once. Events recorded from now on ' +
      'are queued for it. Admin only; audited. Needs WEBHOOK_SIGNING_KEY (WEBHOOKS_NOT_CONFIGURED otherwise).',
  })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() { services }: GatewayContext,
  ): Promise<WebhookEndpointPayload> {
    return toPayload(await services.webhookEndpoints.create({ url: input.url, events: input.events, description: input.description }));
  }

  @Authorized(ADMIN)
  @Mutation(() => WebhookEndpointPayload, {
    description: 'Changes a webhook endpoint (URL re-checked; enabled: true clears disabledReason). The secret is not returned. Admin only; audited.',
  })
  async updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() { services }: GatewayContext,
  ): Promise<WebhookEndpointPayload> {
    return toPayload(
      await services.webhookEndpoints.update({
        id: input.id,
        // null for a field that cannot be null means "leave it", as leaving it out does.
        url: input.url ?? undefined,
        events: input.events ?? undefined,
        description: input.description,
        enabled: input.enabled ?? undefined,
      }),
    );
  }

  @Authorized(ADMIN)
  @Mutation(() => Boolean, {
    description:
      'Deletes a webhook endpoint: it is no longer listed or sent to, and its pending deliveries are FAILED ("endpoint deleted"). ' +
      'Its delivery history stays. False for an unknown or already deleted id. Admin only; audited.',
  })
  deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() { services }: GatewayContext): Promise<boolean> {
    return services.webhookEndpoints.delete(id);
  }

  @Authorized(ADMIN)
  @Mutation(() => WebhookEndpointPayload, {
    description:
      'Gives the endpoint a new signing secret, returned this once. For 24 hours deliveries carry signatures by both the new ' +
      'and the previous secret, so the receiver can switch without losing any. Admin only; audited.',
  })
  async rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() { services }: GatewayContext): Promise<WebhookEndpointPayload> {
    return toPayload(await services.webhookEndpoints.rotate(id));
  }
}

function toPayload(outcome: EndpointOutcome): WebhookEndpointPayload {
  return Object.assign(new WebhookEndpointPayload(), {
    endpoint: outcome.endpoint ? toWebhookEndpoint(outcome.endpoint) : null,
    secret: outcome.secret,
    userErrors: toUserErrors(outcome.userErrors),
  });
}
