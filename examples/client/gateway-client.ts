/**
 * A minimal typed client for the gateway: plain `fetch` for queries and mutations, graphql-ws for
 * subscriptions, and the typed documents generated into examples/generated/ by `npm run codegen`.
 *
 * Pass it a generated document (e.g. `PaymentDocument`) and TypeScript knows both the variables the
 * operation takes and the exact shape of the data it selects: reading a field the operation does not
 * select, or passing an amount as a string, is a compile error.
 *
 * Run it on your server, never in a browser: the API key it sends is a secret.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GatewayOptions {
  /** The gateway's GraphQL endpoint, e.g. `http://localhost:4000/graphql` (subscriptions use the same URL over ws:). */
  url: string;
  /** Your API key; sent as `Authorization: Bearer <key>` (HTTP) and `connectionParams.authorization` (WebSocket). */
  apiKey: string;
}

/** A GraphQL error as the gateway returns it; `extensions.code` says what kind it is. */
export interface GraphQLErrorShape {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** The request failed with GraphQL errors (bad input, not authorized, Khalti unavailable, ...). */
export class GatewayError extends Error {
  constructor(readonly errors: readonly GraphQLErrorShape[]) {
    super(errors.map((e) => (e.extensions?.code ? `${e.message} (${String(e.extensions.code)})` : e.message)).join('; '));
    this.name = 'GatewayError';
  }
}

/**
 * Variables may be left out only for operations whose variables are all optional. NoInfer: the
 * variables' type comes from the document alone, so a variable it does not declare is an error
 * instead of widening the inferred type.
 */
type VariablesArg<TVariables> = Record<string, never> extends TVariables
  ? [variables?: NoInfer<TVariables>]
  : [variables: NoInfer<TVariables>];

export interface GatewayClient {
  /** Runs a query or mutation over HTTP and returns its data; throws GatewayError on GraphQL errors. */
  request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...variables: VariablesArg<TVariables>
  ): Promise<TResult>;
  /** Subscribes over WebSocket; each event's data in turn. Leave the `for await` loop to unsubscribe. */
  subscribe<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...variables: VariablesArg<TVariables>
  ): AsyncGenerator<TResult, void, undefined>;
  /** Closes the WebSocket, if one was opened. */
  close(): Promise<void>;
}

export function createGatewayClient(options: GatewayOptions): GatewayClient {
  const authorization = `Bearer ${options.apiKey}`;
  let socket: Client | undefined;

  const webSocket = (): Client =>
    (socket ??= createClient({
      url: options.url.replace(/^http/i, 'ws'),
      connectionParams: { authorization },
      // Node 20 has no global WebSocket.
      webSocketImpl: WebSocket,
    }));

  return {
    async request<TResult, TVariables>(
      document: TypedDocumentNode<TResult, TVariables>,
      ...[variables]: VariablesArg<TVariables>
    ): Promise<TResult> {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization,
        },
        body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
      });
      const text = await response.text();
      let body: { data?: TResult | null; errors?: GraphQLErrorShape[] };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw new Error(`The gateway answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
      if (body.errors?.length) throw new GatewayError(body.errors);
      if (body.data == null) throw new Error(`The gateway answered HTTP ${response.status} without data.`);
      return body.data;
    },

    async *subscribe<TResult, TVariables>(
      document: TypedDocumentNode<TResult, TVariables>,
      ...[variables]: VariablesArg<TVariables>
    ): AsyncGenerator<TResult, void, undefined> {
      const results = webSocket().iterate<TResult>({
        query: print(document),
        variables: (variables ?? {}) as Record<string, unknown>,
      });
      for await (const result of results) {
        if (result.errors?.length) throw new GatewayError(result.errors);
        if (result.data) yield result.data;
      }
    },

    async close(): Promise<void> {
      await socket?.dispose();
      socket = undefined;
    },
  };
}
