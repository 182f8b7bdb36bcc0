/**
 * Apollo Server over HTTP and graphql-ws over WebSocket, on the same /graphql path and schema,
 * with the same context (authentication included), the same limits and rate limits
 * (limits/operation-guard.ts) and the same error formatting for both.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Log } from '../logger';
import type { PaymentServices } from '../payments/payment-services';
import type { GraphqlMetrics } from '../metrics/graphql.metrics';
import type { ApiKeys } from './api-keys';
import { buildContext, contextFor, type GatewayContext } from './context';
import { createErrorFormatter } from './errors';
import { httpAuthentication } from './http-auth';
import { bodyErrorHandler, OperationGuard, type ErrorFormatter } from './limits/operation-guard';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './limits/query-limits';
import { stripSuggestions } from './limits/suggestions';
import type { TrustedDocuments } from './limits/trusted-documents';
import { clientAddressResolver, type ClientAddressOf } from './rate-limit/client-address';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimiting, type RateLimits } from './rate-limit/rate-limiter';
import { SharedDocuments } from './ws/shared-documents';
import { roleDocumentVariablesKey, sharedPayloadOf, SharedSubscriptions, writesDirectly } from './ws/shared-subscriptions';
import { SocketSink } from './ws/socket-sink';
import { ConnectionBudget } from './connection-budget';
import { resumesFromCursor } from './resume-argument';
import { eventStream } from './sse/event-stream';
import { boundedSubscription, SUBSCRIBER_QUEUE_LIMIT } from './subscription-queue';
import {
  DEFAULT_MESSAGE_BURST,
  DEFAULT_MESSAGES_PER_SECOND,
  defaultMaxConnections,
  TokenBucket,
  TOO_MANY_MESSAGES,
  TRY_AGAIN_LATER,
  type WebSocketLimits,
} from './ws/socket-limits';

export { GRAPHQL_PATH } from './graphql-path';
export { STREAM_PATH } from './sse/event-stream';
import { GRAPHQL_PATH } from './graphql-path';
export const MAX_BODY_BYTES = 100 * 1024;
/**
 * Sockets being refused at WS_MAX_CONNECTIONS (handshake done, 1013 sent, waiting for the client's
 * close) beyond which a further upgrade is answered 503 at once, so refusals hold few descriptors.
 */
const REFUSING_AT_MOST = 100;
/** How long a refused socket may take to finish the closing handshake before it is cut. */
const REFUSED_CLOSE_MS = 2000;

export interface GraphqlServer {
  /** Mount in this order under GRAPHQL_PATH: body parser, its error handler, the limits precheck, Apollo. */
  middleware: (RequestHandler | ErrorRequestHandler)[];
  /** Mount under STREAM_PATH, before GRAPHQL_PATH's (which would match it too): subscriptions over SSE. */
  streamMiddleware: (RequestHandler | ErrorRequestHandler)[];
  /** Ends every open event stream and refuses new ones: at the start of shutdown, before the HTTP drain. */
  endStreams(): void;
  /** Stops accepting sockets and operations, then closes what is open. */
  stop(): Promise<void>;
}

export interface GraphqlServerOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  apiKeys: ApiKeys;
  services: PaymentServices;
  log: Log;
  /** NODE_ENV=production: no "Did you mean" suggestions in error messages. */
  production: boolean;
  /** Whether `__schema` / `__type` are answered. Default: not in production. */
  introspection?: boolean;
  limits?: QueryLimits;
  rateLimits?: RateLimits;
  /** The limiter counting them (with REDIS_URL, shared by every instance); default: one in this process. */
  rateLimiter?: RateLimiting;
  /** The client address of a request (TRUSTED_PROXIES); default: the TCP peer. */
  clientAddressOf?: ClientAddressOf;
  /** TRUSTED_DOCUMENTS: the only documents client keys may run, over HTTP and WebSocket. */
  trustedDocuments?: TrustedDocuments | null;
  /**
   * Browser origins allowed to open the WebSocket, besides the host the request was addressed to.
   * `*` allows any. A handshake without an Origin header (not a browser) is always allowed.
   */
  wsAllowedOrigins?: readonly string[];
  /** WS_MAX_CONNECTIONS, WS_MESSAGES_PER_SECOND, WS_MESSAGE_BURST (socket-limits.ts for the defaults). */
  websocket?: Partial<WebSocketLimits>;
  now?: () => number;
  /** Counts operations (an Apollo plugin), active subscriptions, open sockets and refused ones. */
  metrics?: Pick<
    GraphqlMetrics,
    'countOperation' | 'subscriptionStarted' | 'subscriptionEnded' | 'websocketOpened' | 'websocketClosed' | 'websocketRefused' | 'eventStreamOpened' | 'eventStreamClosed'
  >;
}

export async function startGraphqlServer(options: GraphqlServerOptions): Promise<GraphqlServer> {
  const { httpServer, schema, apiKeys, services, log, production } = options;
  const introspection = options.introspection ?? !production;
  const guard = new OperationGuard({
    schema,
    limits: options.limits ?? DEFAULT_QUERY_LIMITS,
    introspection,
    rateLimiter: options.rateLimiter ?? new RateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS, options.now),
    trustedDocuments: options.trustedDocuments ?? null,
  });
  const formatError = gatewayErrorFormatter(createErrorFormatter(log), production);
  const clientAddressOf = options.clientAddressOf ?? clientAddressResolver([]);

  const allowedOrigins = new Set(options.wsAllowedOrigins ?? []);
  const metrics = options.metrics;
  const maxConnections = options.websocket?.maxConnections ?? defaultMaxConnections();
  const messagesPerSecond = options.websocket?.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
  const messageBurst = Math.max(1, options.websocket?.messageBurst ?? DEFAULT_MESSAGE_BURST);
  /**
   * A message over maxPayload is the client's doing: ws already closes the socket with 1009; its
   * 'error' event would only make graphql-ws log "Internal error ... check your implementation".
   *
   * Messages are counted here, as ws emits them and before graphql-ws's listener parses them: a
   * socket over WS_MESSAGES_PER_SECOND (after its burst) is closed with 4429 "Too many messages",
   * and whatever it had already sent is dropped unread. Closing rather than dropping and going on:
   * graphql-transport-ws has no way to tell a client that a message was dropped (a dropped
   * subscribe would wait forever, a dropped complete would leave a subscription running), and
   * graphql-ws's client reconnects after a close, with its backoff.
   */
  class GatewaySocket extends WebSocket {
    private bucket: TokenBucket | null = null;
    private throttled = false;

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message' && messagesPerSecond > 0) {
        if (this.throttled) return true;
        this.bucket ??= new TokenBucket(messagesPerSecond, messageBurst);
        if (!this.bucket.take()) {
          this.throttled = true;
          metrics?.websocketRefused('messages');
          log(`websocket: over ${messagesPerSecond} messages a second (burst ${messageBurst}); socket closed (${TOO_MANY_MESSAGES.code})`);
          this.close(TOO_MANY_MESSAGES.code, TOO_MANY_MESSAGES.reason);
          return true;
        }
      }
      if (event === 'error' && (args[0] as { code?: unknown } | undefined)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        log(`websocket: a message over ${MAX_BODY_BYTES} bytes; socket closed (1009)`);
        return true;
      }
      return super.emit(event, ...args);
    }
  }
  const wsServer = new WebSocketServer<typeof GatewaySocket>({
    WebSocket: GatewaySocket,
    // Upgrades are taken from the HTTP server below, so that WS_MAX_CONNECTIONS is checked first.
    noServer: true,
    path: GRAPHQL_PATH,
    // The same size limit as an HTTP body: a bigger message closes the socket (1009).
    maxPayload: MAX_BODY_BYTES,
    // Cross-site WebSocket hijacking: a browser page from another origin is refused at the upgrade.
    verifyClient: (info: { origin: string; req: IncomingMessage }, done: (allowed: boolean, code?: number, message?: string) => void) => {
      if (originAllowed(info.origin, info.req.headers.host, allowedOrigins)) done(true);
      else done(false, 403, 'Origin not allowed');
    },
  });

  /**
   * Open sockets, counted from the upgrade (before its handshake completes) to the close; at
   * WS_MAX_CONNECTIONS (below the process's descriptor limit) a new socket gets its handshake and
   * then 1013 "Try again later", a close code browsers and graphql-ws's client see (an HTTP status
   * at the upgrade they do not), while HTTP keeps its descriptors and keeps answering. Open event
   * streams (/graphql/stream) count against the same budget.
   */
  const budget = new ConnectionBudget(maxConnections);
  let refusing = 0;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!wsServer.shouldHandle(request)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!budget.take()) {
      metrics?.websocketRefused('connections');
      if (refusing >= REFUSING_AT_MOST) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      refusing += 1;
      let counted = true;
      const done = () => {
        if (counted) refusing -= 1;
        counted = false;
      };
      socket.once('close', done);
      wsServer.handleUpgrade(request, socket, head, (ws) => {
        const cut = setTimeout(() => ws.terminate(), REFUSED_CLOSE_MS);
        cut.unref();
        ws.once('close', () => clearTimeout(cut));
        ws.close(TRY_AGAIN_LATER.code, TRY_AGAIN_LATER.reason);
      });
      return;
    }
    metrics?.websocketOpened();
    let counted = true;
    const closed = () => {
      if (!counted) return;
      counted = false;
      budget.release();
      metrics?.websocketClosed();
    };
    // The TCP socket's close covers every way out: refused at the handshake, closed, terminated.
    socket.once('close', closed);
    wsServer.handleUpgrade(request, socket, head, (ws) => {
      ws.once('close', closed);
      wsServer.emit('connection', ws, request);
    });
  };
  httpServer.on('upgrade', onUpgrade);

  // One execution per distinct (role, document, operation, variables): ws/shared-subscriptions.ts.
  const finish = (result: ExecutionResult, args: ExecutionArgs) => {
    const cost = guard.preparedCostExtension(args.contextValue);
    const errors = result.errors?.length ? result.errors.map(asRequestError).map((error) => formatError(error.toJSON(), error)) : undefined;
    const { errors: _raw, ...rest } = result;
    return { ...rest, ...(errors ? { errors } : {}), ...(cost ? { extensions: { ...result.extensions, ...cost } } : {}) };
  };
  // What a running subscription keeps is shared where it can be (ws/shared-documents.ts).
  const documents = new SharedDocuments();
  // A subscription resuming from a cursor replays the log when it starts: it runs alone (resume-argument.ts).
  const byRoleDocumentVariables = roleDocumentVariablesKey((contextValue) => (contextValue as GatewayContext).auth.caller?.role ?? null);
  const shared = new SharedSubscriptions({
    keyOf: (args) => (resumesFromCursor(args) ? null : byRoleDocumentVariables(args)),
    finish,
  });
  // A WebSocket subscriber of a shared subscription is written to directly (ws/socket-sink.ts): its
  // sink is made with the arguments onSubscribe returns, which graphql-ws hands to subscribe.
  const sinks = new WeakMap<ExecutionArgs, SocketSink>();
  // Each subscriber's undelivered events are bounded (subscription-queue.ts, or the sink), whichever transport.
  const subscribe = async (args: ExecutionArgs) => {
    const result = await shared.subscribe(args, sinks.get(args) ?? null);
    return isAsyncIterable(result) && !writesDirectly(result) ? boundedSubscription(result) : result;
  };
  /** A subscriber's own event (not a shared one: those were finished once), finished. */
  const present = (result: ExecutionResult, args: ExecutionArgs): ExecutionResult | undefined => {
    const cost = guard.preparedCostExtension(args.contextValue);
    if (!result.errors?.length && !cost) return undefined;
    return finish(result, args) as ExecutionResult;
  };

  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      // Unauthenticated sockets are refused in the handshake (graphql-ws closes them with 4403).
      onConnect: (ctx) => apiKeys.authenticate(ctx.connectionParams?.authorization).caller !== null,
      // Every operation on the socket goes through the same limits, validation and rate limits as HTTP;
      // then only subscriptions run here (queries and mutations go over HTTP, where 401s, CSRF
      // prevention and per-request logs apply).
      onSubscribe: async (ctx, id, payload) => {
        const prepared = shareDocument(
          subscriptionsOnly(await guard.prepare(payload, buildContext(apiKeys, services, ctx.connectionParams?.authorization, clientAddressOf(ctx.extra.request)))),
          documents,
        );
        if (!Array.isArray(prepared)) sinks.set(prepared, new SocketSink(ctx.extra.socket, id, SUBSCRIBER_QUEUE_LIMIT));
        return prepared;
      },
      subscribe,
      // A running subscription counts as active until its iterator ends (completed by either side, or the socket closed).
      onOperation: (_ctx, _id, _payload, _args, result) => (metrics && isAsyncIterable(result) ? counted(result, metrics) : undefined),
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
      // Each event carries the subscription's estimated cost (extensions.cost), as HTTP responses do
      // (a shared one was finished once, and is not seen here: its sinks write it).
      onNext: (_ctx, _id, _payload, args, result) => present(result, args),
    },
    wsServer,
  );

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM/SIGINT and stops everything in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    // Introspection is governed by the guard's validation rules (the same on WebSocket); Apollo's
    // own switch would add a second rule with an Apollo-specific message.
    introspection: true,
    validationRules: guard.validationRules,
    parseOptions: guard.parseOptions,
    // Apollo's defaults, spelled out: one operation per request, and no simple (CSRF-able) requests.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // Automatic persisted queries: no client here uses them, and they are one more way in.
    persistedQueries: false,
    plugins: [
      perRequest(guard, metrics),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No field has a cache hint, so Apollo's cache-control plugin (on by default) only ever
      // answered `no-store`, after instrumenting every field of every operation to find that out.
      ApolloServerPluginCacheControlDisabled(),
      // Inline traces are for federated subgraphs, which this schema is not: Apollo's default
      // plugin would only look at every request to find that out.
      ApolloServerPluginInlineTraceDisabled(),
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

  const streams = eventStream<GatewayContext & Record<PropertyKey, unknown>>({
    contextOf: (req) => buildContext(apiKeys, services, req.headers.authorization, clientAddressOf(req)) as GatewayContext & Record<PropertyKey, unknown>,
    prepare: (params, context) => guard.prepare(params, context),
    subscribe,
    // graphql-sse serializes each event itself: a shared payload is handed over as the object it was made from.
    present: (result, args) => {
      const once = sharedPayloadOf(result);
      if (once) return JSON.parse(once.json) as ExecutionResult;
      return present(result, args) ?? result;
    },
    onOperation: (result) => (metrics && isAsyncIterable(result) ? counted(result, metrics) : result),
    formatError,
    budget,
    ...(metrics ? { metrics: { streamOpened: metrics.eventStreamOpened, streamClosed: metrics.eventStreamClosed } } : {}),
    log,
  });
  const authenticated = (req: IncomingMessage) => apiKeys.ofRequest(req).caller;

  return {
    streamMiddleware: [
      express.json({ limit: MAX_BODY_BYTES }),
      bodyErrorHandler(MAX_BODY_BYTES),
      guard.httpRateLimitHeaders(authenticated, clientAddressOf),
      ...(options.trustedDocuments ? [options.trustedDocuments.httpMiddleware((req) => authenticated(req)?.role ?? null, formatError)] : []),
      guard.httpPrecheck(formatError),
      // A 401 without a key, whatever the document (introspection is not served here).
      httpAuthentication(apiKeys, guard, false),
      streams.handler,
    ],
    endStreams: () => streams.endAll(),
    middleware: [
      express.json({ limit: MAX_BODY_BYTES }),
      bodyErrorHandler(MAX_BODY_BYTES),
      guard.httpRateLimitHeaders(authenticated, clientAddressOf),
      ...(options.trustedDocuments ? [options.trustedDocuments.httpMiddleware((req) => authenticated(req)?.role ?? null, formatError)] : []),
      guard.httpPrecheck(formatError),
      httpAuthentication(apiKeys, guard, introspection),
      expressMiddleware(apollo, {
        context: async ({ req }) => contextFor(apiKeys.ofRequest(req), services, clientAddressOf(req)),
      }),
    ],
    async stop() {
      streams.endAll();
      httpServer.off('upgrade', onUpgrade);
      await apollo.stop();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

/**
 * The gateway's per-request work in Apollo as one plugin, since Apollo awaits every hook of every
 * plugin on every request: the guard's admission and `extensions.cost`, the operations metric,
 * and `Cache-Control: no-store` on every answer (as Apollo's cache-control plugin said: payments change).
 */
function perRequest(guard: OperationGuard, metrics: Pick<GraphqlMetrics, 'countOperation'> | undefined): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const guarded = guard.apolloListener();
      return {
        didResolveOperation: guarded.didResolveOperation,
        async willSendResponse(requestContext) {
          await guarded.willSendResponse(requestContext);
          metrics?.countOperation(requestContext);
          requestContext.response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterableIterator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value && typeof (value as { next?: unknown }).next === 'function';
}

/** The same iterator, reporting its start once and its end once (done, error, return or throw). */
function counted<T>(iterator: AsyncIterableIterator<T>, metrics: Pick<GraphqlMetrics, 'subscriptionStarted' | 'subscriptionEnded'>): AsyncIterableIterator<T> {
  metrics.subscriptionStarted();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    metrics.subscriptionEnded();
  };
  const wrapped: AsyncIterableIterator<T> = {
    async next() {
      try {
        const result = await iterator.next();
        if (result.done) end();
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return(value?: unknown) {
      end();
      return iterator.return ? await iterator.return(value) : { done: true, value: value as T };
    },
    async throw(error?: unknown) {
      end();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return wrapped;
    },
  };
  return wrapped;
}

/** Prepared arguments with the document kept for the same text by earlier subscribers, if any. */
function shareDocument(prepared: ExecutionArgs | GraphQLError[], documents: SharedDocuments): ExecutionArgs | GraphQLError[] {
  if (Array.isArray(prepared)) return prepared;
  prepared.document = documents.share(prepared.document);
  return prepared;
}

/** The WebSocket carries subscriptions only: a query or mutation is refused before anything runs. */
function subscriptionsOnly(prepared: ExecutionArgs | GraphQLError[]): ExecutionArgs | GraphQLError[] {
  if (Array.isArray(prepared)) return prepared;
  const operation = getOperationAST(prepared.document, prepared.operationName);
  if (operation?.operation === 'subscription') return prepared;
  return [
    new GraphQLError(`The WebSocket carries subscriptions only; send this ${operation?.operation ?? 'operation'} over HTTP POST to ${GRAPHQL_PATH}. Nothing was run.`, {
      extensions: { code: 'BAD_USER_INPUT' },
    }),
  ];
}

/**
 * errors.ts decides the code and masks the unexpected; on top of that: a rate-limited error keeps
 * its retry hint, and production drops graphql-js's "Did you mean ...?" schema hints.
 */
function gatewayErrorFormatter(base: ErrorFormatter, production: boolean): ErrorFormatter {
  return (formatted, error) => {
    const result: GraphQLFormattedError = base(formatted, error);
    const retryAfter = error instanceof GraphQLError ? error.extensions.retryAfterSeconds : undefined;
    const extensions = result.extensions?.code === 'RATE_LIMITED' && typeof retryAfter === 'number' ? { ...result.extensions, retryAfterSeconds: retryAfter } : result.extensions;
    return { ...result, message: production ? stripSuggestions(result.message) : result.message, ...(extensions ? { extensions } : {}) };
  };
}

/**
 * graphql-js reports bad variables (and other request problems found while executing) without a
 * code or a path; Apollo calls them BAD_USER_INPUT over HTTP, and so does the WebSocket path.
 */
function asRequestError(error: GraphQLError): GraphQLError {
  // Resolver errors always carry a path; request errors (variables, operation) never do.
  if (error.path || error.extensions.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code: 'BAD_USER_INPUT' } });
}

/** No Origin: not a browser. Otherwise the request's own host, or one of the allowed origins. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!origin) return true;
  if (allowed.has('*')) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (host && parsed.host.toLowerCase() === host.toLowerCase()) return true;
  return allowed.has(parsed.origin);
}
