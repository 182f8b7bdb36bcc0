/**
 * The composition root: config -> database, Khalti client, services, HTTP and WebSocket servers.
 * main.ts and the tests build the gateway through createApp and nothing else.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { DestinationStream } from 'pino';
import {
  ConfigError,
  DEFAULT_DATABASE_URL,
  embeddedStateLocation,
  generateWebhookSigningKey,
  keepEmbeddedKeys,
  keepWebhookSigningKey,
  type Config,
  type EmbeddedKeys,
} from './config';
import { openDatabase, type Database } from './db/connection';
import { ApiKeys } from './graphql/api-keys';
import { startGraphqlServer, GRAPHQL_PATH, STREAM_PATH } from './graphql/graphql-server';
import { buildGatewaySchema } from './graphql/schema';
import { graphiqlRouter } from './http/graphiql/graphiql.router';
import { accessLog } from './http/access-log';
import { cors } from './http/cors';
import { metricsRouter } from './http/metrics.route';
import { trackRequests } from './http/drain';
import { healthRouter, reuseLockedAnswer } from './http/health.routes';
import { listenAddress } from './http/listen-address';
import { RETURN_PATH, returnRouter } from './http/return.route';
import { KhaltiClient, type KhaltiClientOptions } from './khalti/khalti.client';
import { jsonLog, type Log } from './logger';
import { AuditService } from './payments/audit.service';
import { BanksService } from './payments/banks.service';
import { CheckoutTokenVerifier } from './payments/checkout-token';
import { InitiateService } from './payments/initiate.service';
import { PaymentEvents } from './payments/payment-events';
import { PaymentQueries } from './payments/payment-queries';
import type { PaymentServices } from './payments/payment-services';
import { PaymentStateService } from './payments/payment-state.service';
import { Reconciler } from './payments/reconciler';
import { StatusChangeFeed } from './payments/status-change-feed';
import { StatusChangeStreams } from './payments/status-change-streams';
import { RefundService } from './payments/refund.service';
import { createEmulator, EmulatorStateError, openEmulatorState, type Emulator, type EmulatorState } from './sandbox/emulator';
import { clientAddressResolver } from './graphql/rate-limit/client-address';
import { RedisRateLimiter } from './graphql/rate-limit/redis-rate-limiter';
import { PersonalDataService } from './payments/personal-data.service';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics';
import { OperationsSnapshot } from './payments/operations-snapshot';
import type { KhaltiCallEvent, KhaltiCallHook } from './khalti/khalti.types';
import { WebhookEndpointsService } from './webhooks/webhook-endpoints.service';
import { WebhookOutbox } from './webhooks/webhook-outbox';
import { DeliveryWorker } from './webhooks/delivery-worker';
import { WebhookDeliveriesService } from './webhooks/webhook-deliveries.service';
import { WebhookSender } from './webhooks/webhook-sender';

export const SANDBOX_PATH = '/sandbox';
/** How often each process reads status changes other processes recorded (subscription latency across processes). */
export const STATUS_FEED_INTERVAL_MS = 250;

export interface AppOptions {
  /** Default: JSON lines (pino) at LOG_LEVEL, on logDestination. */
  log?: Log;
  /** Where the default log writes (default stdout); tests read the JSON lines from here. */
  logDestination?: DestinationStream;
  /** Tests drive the reconciler by hand (runOnce) when this is false. */
  startReconciler?: boolean;
  /** Tests drive the webhook delivery worker by hand (runOnce) when this is false. */
  startWebhookWorker?: boolean;
  /** Overrides for the Khalti client (tests shorten timeouts). */
  khalti?: Partial<Pick<KhaltiClientOptions, 'timeouts' | 'retries'>>;
  now?: () => Date;
  /**
   * Embedded mode on a SQLite file: keep the generated API keys and the emulator's payments in
   * files beside the database, and use what an earlier start kept there, so that a restart
   * changes neither (DESIGN section 2). main.ts asks for this; tests and the bench, which build
   * throwaway gateways, get memory only unless they ask.
   */
  keepEmbeddedState?: boolean;
}

export interface App {
  server: Server;
  /** A URL this machine reaches the listening gateway at (loopback when it listens on all interfaces). */
  url: string;
  /** The address it really listens on, as the start-up line says it: `http://0.0.0.0:4000 (all interfaces)`. */
  listeningOn: string;
  /** Where buyers' browsers reach the gateway. */
  publicUrl: string;
  /** The Khalti origin the client talks to. */
  khaltiBaseUrl: string;
  services: PaymentServices;
  reconciler: Reconciler;
  /** Sends webhooks in the background (tests drive it with runOnce when startWebhookWorker is false). */
  webhookWorker: DeliveryWorker;
  /** The embedded emulator, in embedded mode. */
  emulator: Emulator | null;
  /** Embedded mode with no keys configured: the keys in use, and where they are kept. */
  embeddedKeys: EmbeddedKeys | null;
  /** Embedded mode: the folder the emulator keeps its payments in; null when they live in memory. */
  emulatorStateFolder: string | null;
  /** Embedded mode, asked to keep its state, on a database that gives it no place: why (e.g. `DATABASE_URL is :memory:`). */
  embeddedStateNotKept: string | null;
  /** The database, SQLite or PostgreSQL (for readiness checks, operators' tools and tests). */
  database: Database;
  /** This app's own Prometheus registry and metrics (served at /metrics). */
  metrics: GatewayMetrics;
  /**
   * Shutdown has begun: /readyz answers 503 from now on and responses ask clients to reconnect,
   * while requests are still served (main.ts waits SHUTDOWN_DELAY_MS before close()).
   */
  beginShutdown(): void;
  /** Begins shutdown, lets requests in flight finish (up to SHUTDOWN_GRACE_MS), then stops everything. */
  close(): Promise<void>;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.log ?? jsonLog({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const now = options.now ?? (() => new Date());
  // Only the default ./data folder is created; any other folder named by DATABASE_URL must exist.
  const database = await openDatabase(config.database.url, {
    createFolder: config.database.url === DEFAULT_DATABASE_URL,
    busyTimeoutMs: config.database.busyTimeoutMs,
    poolSize: config.database.poolSize,
  });

  // Embedded mode's generated keys and emulator payments, kept beside the SQLite file when asked,
  // read before listening so that a problem with them stops start-up with one line.
  const location = config.khalti.env === 'embedded' && options.keepEmbeddedState ? embeddedStateLocation(config.database.url) : null;
  let embeddedKeys: EmbeddedKeys | null = null;
  let emulatorState: EmulatorState | null = null;
  // Endpoint secrets are derived from this key (webhook-secrets.ts), so every instance and every
  // restart must use the same one: WEBHOOK_SIGNING_KEY, or in embedded mode a generated key kept
  // beside the SQLite file (in this process only for :memory:, PostgreSQL and throwaway gateways).
  // Null: no endpoint can be created. Never logged.
  let webhookSigningKey: string | null = config.webhooks.signingKey ?? null;
  try {
    if (webhookSigningKey === null && config.khalti.env === 'embedded') {
      webhookSigningKey = location?.kept ? keepWebhookSigningKey(location.webhookSigningKeyFile, generateWebhookSigningKey()).key : generateWebhookSigningKey();
    }
    if (config.apiKeys.generated) {
      const generated = { admin: config.apiKeys.admin[0]!, client: config.apiKeys.client[0]! };
      embeddedKeys = location?.kept
        ? keepEmbeddedKeys(location.keysFile, generated)
        : { ...generated, file: null, reused: false, ...(location ? { notKept: location.reason } : {}) };
    }
    if (location?.kept) {
      emulatorState = openEmulatorState(location.emulatorFolder, {
        onError: (message, error) => log(`embedded emulator: ${message}`, { level: 'error', ...(error instanceof Error ? { err: error } : {}) }),
      });
    }
  } catch (error) {
    await database.close();
    if (error instanceof EmulatorStateError) {
      throw new ConfigError('DATABASE_URL', `the embedded emulator keeps its payments in a folder beside the database, and ${error.message}`);
    }
    throw error;
  }
  const apiKeyConfig = embeddedKeys ? { ...config.apiKeys, admin: [embeddedKeys.admin], client: [embeddedKeys.client] } : config.apiKeys;

  // Listen first: with PORT=0 the URLs below depend on the port the system picked. Requests are
  // answered once the handler is attached, before this function returns.
  const server = createServer();
  const drain = trackRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const { port } = address;
  const { url, description: listeningOn } = listenAddress(address);
  const publicUrl = config.publicUrl ?? `http://localhost:${port}`;

  const emulator =
    config.khalti.env === 'embedded'
      ? createEmulator({ secretKey: config.khalti.secretKey, publicUrl: `${publicUrl}${SANDBOX_PATH}`, ...(emulatorState ? { state: emulatorState } : {}) })
      : null;
  // The gateway reaches the embedded emulator over its own loopback listener, as it would reach
  // Khalti: draining the public server at shutdown must not cut off the upstream that in-flight
  // requests are still waiting on.
  const upstream = emulator && !config.khalti.baseUrl ? await listenOnLoopback(emulator, SANDBOX_PATH) : null;
  const khaltiBaseUrl = config.khalti.baseUrl ?? `${upstream!.url}${SANDBOX_PATH}`;

  const audit = new AuditService(database, now);
  const metrics = createGatewayMetrics(new OperationsSnapshot(database.read.payments, database.read.refunds, now), () =>
    database.read.webhookDeliveries.count({ state: 'PENDING' }),
  );
  const khalti = new KhaltiClient({
    baseUrl: khaltiBaseUrl,
    secretKey: config.khalti.secretKey,
    onCall: eachOf(audit.recordUpstreamCall, metrics.khaltiCall),
    timeouts: khaltiTimeouts(config.khalti.timeoutMs),
    connections: config.khalti.maxConnections,
    ...options.khalti,
  });
  const events = new PaymentEvents();
  // Webhook events are recorded in the unit that commits their change; once it has committed, this
  // instance's delivery worker is woken (other instances find the deliveries at their next poll).
  const webhookOutbox = new WebhookOutbox({ wake: () => webhookWorker.wake() });
  const state = new PaymentStateService(database, khalti, audit, events, {
    now,
    warn: log,
    outbox: webhookOutbox,
    onChange: (_change, facts) => {
      if (facts.late) metrics.flow.lateCompletion();
      if (facts.amountMismatch) metrics.flow.amountMismatch();
    },
  });
  const refunds = new RefundService(database, khalti, state, audit, {
    abandonAfterMs: khalti.totalTimeoutMs + 5000,
    settleBaseDelayMs: config.reconcileIntervalMs,
    now,
    warn: log,
    outbox: webhookOutbox,
  });
  // Endpoint secrets derive from webhookSigningKey; without one nothing can be signed, so nothing is sent.
  const webhookWorker = new DeliveryWorker(
    database,
    audit,
    new WebhookSender({ timeoutMs: config.webhooks.timeoutMs, allowPrivate: config.webhooks.allowPrivate, connections: config.webhooks.concurrency }),
    {
      signingKey: webhookSigningKey ?? undefined,
      retryScheduleMs: config.webhooks.retryScheduleMs,
      timeoutMs: config.webhooks.timeoutMs,
      pollIntervalMs: config.webhooks.pollIntervalMs,
      concurrency: config.webhooks.concurrency,
      now,
      log,
      onAttempt: metrics.webhooks.attempt,
      onFinished: (outcome) => metrics.flow.webhookDeliveries.inc({ outcome }),
    },
  );
  const services: PaymentServices = {
    initiate: new InitiateService(database, khalti, state, {
      callbackUrl: () => `${publicUrl}${RETURN_PATH}`,
      firstLookupAfterMs: config.reconcileIntervalMs,
      claimLeaseMs: khalti.totalTimeoutMs + 5000,
      checkoutTokens: {
        verifier: config.merchantSecret ? new CheckoutTokenVerifier(config.merchantSecret, now) : null,
        clientsMayInitiateWithoutSecret: config.khalti.env === 'embedded',
      },
      returnUrlOrigins: config.returnUrlOrigins,
      now,
    }),
    state,
    queries: new PaymentQueries(database),
    refunds,
    audit,
    events,
    statusChanges: new StatusChangeStreams({ audit, payments: database.read.payments, events }),
    banks: new BanksService(khalti, now),
    legacyStatus: khalti,
    checkout: { environment: config.khalti.env, publicKey: config.khalti.publicKey ?? null, returnUrl: `${publicUrl}${RETURN_PATH}` },
    personalData: new PersonalDataService(database, audit, now),
    webhookEndpoints: new WebhookEndpointsService(database, audit, {
      signingKey: webhookSigningKey,
      urlRules: { production: config.production || config.khalti.env === 'production', allowPrivate: config.webhooks.allowPrivate },
      now,
    }),
    webhookDeliveries: new WebhookDeliveriesService(database, audit, () => webhookWorker.wake(), now),
  };

  // Status changes other processes on this database make reach this process's subscribers.
  const feed = new StatusChangeFeed(audit, database, events, {
    intervalMs: STATUS_FEED_INTERVAL_MS,
    onError: (error) => log(`status feed: ${error instanceof Error ? error.message : String(error)}`, { level: 'error', err: error }),
  });

  const reconciler = new Reconciler(database, state, refunds, {
    intervalMs: config.reconcileIntervalMs,
    concurrency: config.reconcileConcurrency,
    // A claimed payment is kept from other instances for longer than its lookup (with retries) can take.
    claimLeaseMs: khalti.totalTimeoutMs * 2 + 5000,
    now,
    onError: (error, pidx) =>
      log(`reconciler: ${pidx ?? '-'}: ${error instanceof Error ? error.message : String(error)}`, { level: 'error', ...(pidx ? { pidx } : {}), err: error }),
    onPass: metrics.flow.reconcilerPassed,
  });

  if (!config.merchantSecret && config.khalti.env === 'embedded') {
    log('warning: MERCHANT_SECRET is not set, so client keys may initiate payments of any amount without a checkout token (embedded mode only; any other KHALTI_ENV refuses them)');
  }

  const apiKeys = new ApiKeys(apiKeyConfig);
  // REDIS_URL: the per-key limits are shared by every instance (with a per-process fallback).
  const redisLimiter = config.redis
    ? new RedisRateLimiter({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, limits: config.graphql.rateLimits, log, onFallback: metrics.rateLimit.fallback })
    : null;
  await redisLimiter?.connect();
  const clientAddressOf = clientAddressResolver(config.trustedProxies);
  const schema = await buildGatewaySchema(events);
  const graphql = await startGraphqlServer({
    httpServer: server,
    schema,
    metrics: metrics.graphql(schema),
    apiKeys,
    services,
    log,
    production: config.production,
    introspection: config.graphql.introspection,
    limits: config.graphql.limits,
    rateLimits: config.graphql.rateLimits,
    ...(redisLimiter ? { rateLimiter: redisLimiter } : {}),
    clientAddressOf,
    trustedDocuments: config.graphql.trustedDocuments,
    websocket: config.graphql.websocket,
    // The gateway's own pages (GraphiQL) are served from PUBLIC_URL; same-host is allowed anyway.
    // A storefront allowed to call /graphql over HTTP (CORS_ORIGINS) may subscribe too.
    wsAllowedOrigins: [new URL(publicUrl).origin, ...config.corsOrigins, ...config.graphql.wsAllowedOrigins],
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(accessLog(log, (req) => apiKeys.ofRequest(req).caller?.keyId));
  // CORS before anything else answers on /graphql: preflights (which the GraphiQL router would
  // otherwise answer with its own Allow list), and the 401/413/429 answers carry the headers too.
  app.use(GRAPHQL_PATH, cors(config.corsOrigins));
  let shuttingDown = false;
  app.use(
    healthRouter({
      shuttingDown: () => shuttingDown,
      databaseWritable: reuseLockedAnswer(() => database.canWrite(), () => now().getTime()),
      ...(redisLimiter ? { rateLimitsShared: () => redisLimiter.shared } : {}),
    }),
  );
  app.use(metricsRouter(metrics.registry, config.metricsToken));
  if (emulator) app.use(SANDBOX_PATH, emulator.router);
  app.use(
    returnRouter(state, log, {
      audit,
      merchantSecret: config.merchantSecret,
      rateLimitPerMinute: config.returnRateLimitPerMinute,
      clientAddressOf,
      now,
    }),
  );
  // Before GraphiQL and /graphql's own middlewares, which would match /graphql/stream too.
  app.use(STREAM_PATH, ...graphql.streamMiddleware);
  app.use(graphiqlRouter({ endpointPath: GRAPHQL_PATH }));
  app.use(GRAPHQL_PATH, ...graphql.middleware);
  server.on('request', app);

  // A refund left REQUESTED by a process that died mid-call has an unknown outcome: settle, never resend.
  // (Only refunds older than any call could last: another live process may be sending a younger one.)
  const abandoned = await refunds.markAbandonedUnknown();
  if (abandoned > 0) log(`warning: ${abandoned} refund(s) left in flight by an earlier process are now UNKNOWN; the reconciler settles them by lookup`);
  if (options.startReconciler !== false) reconciler.start();
  if (options.startWebhookWorker !== false) webhookWorker.start();
  await feed.start();

  let closing: Promise<void> | null = null;
  const beginShutdown = () => {
    shuttingDown = true;
    drain.begin();
  };
  return {
    server,
    url,
    listeningOn,
    publicUrl,
    khaltiBaseUrl,
    services,
    reconciler,
    webhookWorker,
    emulator,
    embeddedKeys,
    emulatorStateFolder: emulatorState?.folder ?? null,
    embeddedStateNotKept: location && !location.kept ? location.reason : null,
    database,
    metrics,
    beginShutdown,
    close() {
      closing ??= (async () => {
        beginShutdown();
        // Event streams are requests that never finish by themselves: ended first, so that the
        // drain below waits only for real requests (clients reconnect and resume with a cursor).
        graphql.endStreams();
        await reconciler.stop();
        await webhookWorker.stop();
        await feed.stop();
        // Before Apollo's drain, whose own grace (10 s) would cut requests SHUTDOWN_GRACE_MS allows.
        const cut = await drain.closeAndWait(config.shutdown.graceMs);
        if (cut > 0) log(`shutdown: ${cut} request(s) still in flight after SHUTDOWN_GRACE_MS (${config.shutdown.graceMs} ms); closing their connections`);
        await graphql.stop();
        await redisLimiter?.close();
        if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
        await khalti.close();
        await upstream?.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/** Several listeners on the Khalti client's one hook; each is kept from the others' failures. */
function eachOf(...hooks: KhaltiCallHook[]): KhaltiCallHook {
  return async (event: KhaltiCallEvent) => {
    for (const hook of hooks) {
      try {
        await hook(event);
      } catch {
        // A listener must never change the outcome of a payment call (nor stop the next listener).
      }
    }
  };
}

/** Serves the emulator on 127.0.0.1 at a port of its own, under the same path as on the public server. */
async function listenOnLoopback(emulator: Emulator, path: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(path, emulator.router);
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** KHALTI_TIMEOUT_MS bounds a whole call; connecting and each wait for bytes get their share of it. */
function khaltiTimeouts(totalMs: number): NonNullable<KhaltiClientOptions['timeouts']> {
  return {
    totalMs,
    connectMs: Math.min(3000, totalMs),
    headersMs: Math.min(10000, totalMs),
    bodyMs: Math.min(10000, totalMs),
  };
}
