/**
 * The baselines bench/run.ts measures the gateway against, each the least a server doing the same
 * job over the same stack would do. Both listen on 127.0.0.1 in the bench's main thread, the place
 * the gateway runs, and are idle while the gateway is measured (and the gateway while they are).
 *
 * - bareProxy: plain node:http; each POST's body (a lookup body, `{"pidx": ...}`) is forwarded to
 *   the fake Khalti's lookup with an undici Pool (as many connections as the gateway's Khalti
 *   client: 10) and the JSON answer returned. No validation, no database, no GraphQL.
 * - staticGraphql: express 5, @apollo/server 5 through @as-integrations/express5, graphql 16 (the
 *   gateway's packages, the same body limit and Apollo options that matter per request), with one
 *   query `payment(pidx: ID!)` resolving to a constant object carrying the fields the bench's
 *   PAYMENT operation selects (the pidx is echoed, so the bench checks every answer the same way).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { Pool } from 'undici';
import { DEFAULT_CONNECTIONS } from '../src/khalti/khalti.http';
import { MAX_BODY_BYTES } from '../src/graphql/graphql-server';

export interface Baseline {
  url: string;
  close(): Promise<void>;
}

const LOOKUP_PATH = '/api/v2/epayment/lookup/';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export async function startBareProxy(upstreamOrigin: string, secretKey: string): Promise<Baseline> {
  const pool = new Pool(upstreamOrigin, { connections: DEFAULT_CONNECTIONS });
  const authorization = `Key ${secretKey}`;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      pool
        .request({ method: 'POST', path: LOOKUP_PATH, headers: { 'content-type': 'application/json', authorization }, body: Buffer.concat(chunks) })
        .then(async (upstream) => {
          const json: unknown = await upstream.body.json();
          const text = JSON.stringify(json);
          res.writeHead(upstream.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        })
        .catch((error: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(error) }));
        });
    });
  });
  const url = await listen(server);
  return {
    url,
    async close() {
      await closeServer(server);
      await pool.close();
    },
  };
}

const STATIC_TYPE_DEFS = /* GraphQL */ `
  enum PaymentStatus {
    INITIATED
    PENDING
    COMPLETED
    REFUNDED
    PARTIALLY_REFUNDED
    EXPIRED
    USER_CANCELED
    FAILED
    UNKNOWN
  }
  type Payment {
    pidx: ID!
    purchaseOrderId: String!
    status: PaymentStatus!
    paid: Boolean!
    amount: Int!
    totalAmount: Int
    amountMismatch: Boolean!
    transactionId: String
    refundedAmount: Int!
    lateCompletion: Boolean!
  }
  type Query {
    payment(pidx: ID!): Payment
  }
`;

const STATIC_PAYMENT = Object.freeze({
  purchaseOrderId: 'bench-static-1',
  status: 'COMPLETED',
  paid: true,
  amount: 1300,
  totalAmount: 1300,
  amountMismatch: false,
  transactionId: 'GFq9PFS7b2iYvL8Lir9oXe',
  refundedAmount: 0,
  lateCompletion: false,
});

export async function startStaticGraphql(): Promise<Baseline> {
  const apollo = new ApolloServer({
    typeDefs: STATIC_TYPE_DEFS,
    resolvers: { Query: { payment: (_root: unknown, args: { pidx: string }) => ({ ...STATIC_PAYMENT, pidx: args.pidx }) } },
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    introspection: true,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    persistedQueries: false,
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  const app = express();
  app.disable('x-powered-by');
  app.use('/graphql', express.json({ limit: MAX_BODY_BYTES }), expressMiddleware(apollo));
  const server = createServer(app);
  const url = await listen(server);
  return {
    url,
    async close() {
      await closeServer(server);
      await apollo.stop();
    },
  };
}
