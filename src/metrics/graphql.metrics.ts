/**
 * GraphQL operations by root field and outcome. Labels are bounded: the operation is a root field
 * the schema has (or `multiple`, `introspection`, `unknown`), never the client's operationName; the
 * outcome is `ok`, `user_error` or one of the gateway's top-level error codes.
 */
import type { GraphQLResponse } from '@apollo/server';
import { Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
// The one list of top-level codes: a code added there is counted as itself, not as an internal error.
import { ERROR_CODES } from '../graphql/error-codes';

/** connections: opened at WS_MAX_CONNECTIONS (1013 or 503); messages: over WS_MESSAGES_PER_SECOND (4429). */
export type WebsocketRefusal = 'connections' | 'messages';

export interface GraphqlMetrics {
  operations: Counter<'operation' | 'outcome'>;
  /** Active paymentStatusChanged subscriptions (WebSocket and event streams). */
  subscriptionStarted(): void;
  subscriptionEnded(): void;
  /** Open WebSockets (gateway_websockets_open), counted from the accepted upgrade to the close. */
  websocketOpened(): void;
  websocketClosed(): void;
  /** Open event streams on /graphql/stream (gateway_event_streams_open), from the 200 to the end. */
  eventStreamOpened(): void;
  eventStreamClosed(): void;
  /** A socket refused at WS_MAX_CONNECTIONS, or closed for sending over WS_MESSAGES_PER_SECOND. */
  websocketRefused(reason: WebsocketRefusal): void;
  /** Counts one answer Apollo is about to send (from the gateway's Apollo plugin's willSendResponse). */
  countOperation(answer: { operation?: OperationDefinitionNode | null; response: GraphQLResponse }): void;
}

export function graphqlMetrics(registry: Registry, schema: GraphQLSchema): GraphqlMetrics {
  const operations = new Counter({
    name: 'gateway_graphql_operations_total',
    help: 'GraphQL operations over HTTP, by root field (or multiple/introspection/unknown) and outcome (ok, user_error or the error code).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const subscriptions = new Gauge({
    name: 'gateway_subscriptions_active',
    help: 'Active paymentStatusChanged subscriptions over WebSocket and /graphql/stream in this process.',
    registers: [registry],
  });
  const websockets = new Gauge({
    name: 'gateway_websockets_open',
    help: 'Open WebSockets on /graphql in this process (at most WS_MAX_CONNECTIONS).',
    registers: [registry],
  });
  const eventStreams = new Gauge({
    name: 'gateway_event_streams_open',
    help: 'Open event streams (graphql-sse) on /graphql/stream in this process (with open WebSockets, at most WS_MAX_CONNECTIONS).',
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'gateway_websocket_refusals_total',
    help: 'WebSockets refused: reason connections (opened at WS_MAX_CONNECTIONS) or messages (closed with 4429 for sending over WS_MESSAGES_PER_SECOND).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  refusals.inc({ reason: 'connections' }, 0);
  refusals.inc({ reason: 'messages' }, 0);
  const rootFields = new Set<string>();
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const name of Object.keys(type?.getFields() ?? {})) rootFields.add(name);
  }
  // Apollo hands back the same parsed operation for the same document text: labelled once.
  const labels = new WeakMap<OperationDefinitionNode, string>();
  const label = (operation: OperationDefinitionNode | null | undefined): string => {
    if (!operation) return 'unknown';
    let known = labels.get(operation);
    if (known === undefined) {
      known = labelOf(operation);
      labels.set(operation, known);
    }
    return known;
  };
  const labelOf = (operation: OperationDefinitionNode): string => {
    const names = operation.selectionSet.selections.map((selection) => (selection.kind === Kind.FIELD ? selection.name.value : '…'));
    const own = names.filter((name) => name !== '__typename');
    if (own.length > 0 && own.every((name) => name === '__schema' || name === '__type')) return 'introspection';
    if (own.length !== 1) return own.length === 0 ? 'unknown' : 'multiple';
    return rootFields.has(own[0]!) ? own[0]! : 'unknown';
  };
  return {
    operations,
    subscriptionStarted: () => subscriptions.inc(),
    subscriptionEnded: () => subscriptions.dec(),
    websocketOpened: () => websockets.inc(),
    websocketClosed: () => websockets.dec(),
    websocketRefused: (reason) => refusals.inc({ reason }),
    eventStreamOpened: () => eventStreams.inc(),
    eventStreamClosed: () => eventStreams.dec(),
    countOperation: ({ operation, response }) => {
      if (response.body.kind !== 'single') return;
      const { errors, data } = response.body.singleResult;
      operations.inc({ operation: label(operation), outcome: outcomeOf(errors, data) });
    },
  };
}

/** The outcome label of one answer: its first top-level error code, `user_error`, or `ok`. */
export function outcomeOf(errors: readonly { extensions?: Record<string, unknown> }[] | undefined, data: Record<string, unknown> | null | undefined): string {
  if (errors?.length) {
    const code = errors[0]!.extensions?.code;
    return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) ? code : 'INTERNAL_SERVER_ERROR';
  }
  const userErrors = Object.values(data ?? {}).some((payload) => {
    const list = (payload as { userErrors?: unknown } | null)?.userErrors;
    return Array.isArray(list) && list.length > 0;
  });
  return userErrors ? 'user_error' : 'ok';
}
