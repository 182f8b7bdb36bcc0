/**
 * One Prometheus registry per app (never prom-client's global one), so that several gateways in
 * one process, as in the tests, each count their own. Node's default process metrics included.
 */
import type { GraphQLSchema } from 'graphql';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { KhaltiCallHook } from '../khalti/khalti.types';
import type { OperationsSnapshot } from '../payments/operations-snapshot';
import { graphqlMetrics, type GraphqlMetrics } from './graphql.metrics';
import { khaltiMetrics } from './khalti.metrics';
import { paymentFlowMetrics, type PaymentFlowMetrics } from './payments.metrics';
import { rateLimitMetrics, type RateLimitMetrics } from './rate-limit.metrics';
import { stateMetrics } from './state.metrics';
import { webhookMetrics, type WebhookMetrics } from './webhook.metrics';

export interface GatewayMetrics {
  registry: Registry;
  /** For the Khalti client's onCall hook. */
  khaltiCall: KhaltiCallHook;
  flow: PaymentFlowMetrics;
  /** gateway_rate_limit_fallback: Redis unreachable, this instance counts alone. */
  rateLimit: RateLimitMetrics;
  /** Webhook attempts, their duration, and the PENDING backlog. */
  webhooks: WebhookMetrics;
  /** Set once the schema is built (the operation label is bounded to its root fields). */
  graphql(schema: GraphQLSchema): GraphqlMetrics;
}

export function createGatewayMetrics(snapshot: OperationsSnapshot, webhooksPending: () => Promise<number> = async () => 0): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  stateMetrics(registry, snapshot);
  let graphql: GraphqlMetrics | null = null;
  return {
    registry,
    khaltiCall: khaltiMetrics(registry),
    flow: paymentFlowMetrics(registry),
    rateLimit: rateLimitMetrics(registry),
    webhooks: webhookMetrics(registry, webhooksPending),
    graphql(schema) {
      graphql ??= graphqlMetrics(registry, schema);
      return graphql;
    },
  };
}
