/**
 * Apollo Server over HTTP and graphql-ws over WebSocket, on the same /graphql path and schema,
 * with the same context (authentication included) for both.
 */
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Log } from '../logger';
import type { PaymentServices } from '../payments/payment-services';
import type { ApiKeys } from './api-keys';
import { buildContext, type GatewayContext } from './context';
import { createErrorFormatter } from './errors';

export const GRAPHQL_PATH = '/graphql';
export const MAX_BODY_BYTES = 100 * 1024;

export interface GraphqlServer {
  middleware: RequestHandler[];
  /** Stops accepting sockets and operations, then closes what is open. */
  stop(): Promise<void>;
}

export async function startGraphqlServer(options: {
  httpServer: Server;
  schema: GraphQLSchema;
  apiKeys: ApiKeys;
  services: PaymentServices;
  log: Log;
  production: boolean;
}): Promise<GraphqlServer> {
  const { httpServer, schema, apiKeys, services, log } = options;
  const formatError = createErrorFormatter(log);

  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      // Unauthenticated sockets are refused in the handshake (graphql-ws closes them with 4403).
      onConnect: (ctx) => apiKeys.authenticate(ctx.connectionParams?.authorization).caller !== null,
      context: (ctx): GatewayContext => buildContext(apiKeys, services, ctx.connectionParams?.authorization),
      onError: (_ctx, _id, _payload, errors) => {
        for (const error of errors) log(`subscription error: ${error.message}`);
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM/SIGINT and stops everything in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    introspection: !options.production,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  return {
    middleware: [
      express.json({ limit: MAX_BODY_BYTES }),
      expressMiddleware(apollo, {
        context: async ({ req }) => buildContext(apiKeys, services, req.headers.authorization),
      }),
    ],
    async stop() {
      await apollo.stop();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
