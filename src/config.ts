/**
 * Environment -> typed configuration (DESIGN section 2). Bad values stop start-up with one
 * clear line naming the variable; nothing here ever echoes a key's value.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { EMULATOR_DEFAULT_PUBLIC_KEY, EMULATOR_DEFAULT_SECRET_KEY } from './sandbox/emulator.defaults';
import { KHALTI_ORIGINS } from './khalti/khalti.origins';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './graphql/limits/query-limits';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './graphql/rate-limit/rate-limiter';
import { TrustedDocuments } from './graphql/limits/trusted-documents';
import { DEFAULT_MESSAGE_BURST, DEFAULT_MESSAGES_PER_SECOND, defaultMaxConnections, type WebSocketLimits } from './graphql/ws/socket-limits';
import { LOG_LEVELS, type LogLevel } from './logger';

export type KhaltiEnv = 'embedded' | 'sandbox' | 'production';

export interface Config {
  port: number;
  /**
   * Interface to listen on (HOST): 127.0.0.1 in embedded mode (its emulator's test controls are
   * unauthenticated), all interfaces otherwise.
   */
  host: string;
  /** Origin at which buyers' browsers reach the gateway. Undefined: derived from the bound port. */
  publicUrl?: string;
  khalti: {
    env: KhaltiEnv;
    /** Khalti origin. Undefined in embedded mode: the app points it at its own /sandbox once listening. */
    baseUrl?: string;
    secretKey: string;
    publicKey?: string;
    /** The longest one call to Khalti may take, from sending it to its last byte (KHALTI_TIMEOUT_MS). */
    timeoutMs: number;
    /** Most concurrent connections to Khalti (KHALTI_MAX_CONNECTIONS): the client's pool size. */
    maxConnections: number;
  };
  database: {
    url: string;
    /** SQLite: how long a write waits for another process's lock before it fails as busy (on timers, never blocking the process). */
    busyTimeoutMs: number;
    /** PostgreSQL: connections each process keeps open. */
    poolSize: number;
  };
  apiKeys: {
    admin: string[];
    client: string[];
    /** The merchant's own backend (GATEWAY_SERVER_KEYS): initiates without a checkout token. */
    server: string[];
    /**
     * True when embedded start-up invented the keys (none configured). createApp may then replace
     * them with the ones an earlier start kept beside the database (keepEmbeddedKeys).
     */
    generated: boolean;
  };
  /**
   * MERCHANT_SECRET (32+ characters): verifies checkout tokens and signs return redirects
   * (DESIGN section 9). Never logged or returned.
   */
  merchantSecret?: string;
  /**
   * RETURN_URL_ORIGINS: the origins a payment's returnUrl may point to. Null: any http(s) origin
   * (not allowed with KHALTI_ENV=production).
   */
  returnUrlOrigins: string[] | null;
  /**
   * CORS_ORIGINS: browser origins allowed to call /graphql (and open its WebSocket) from their
   * pages. Never `*`. Empty: no CORS headers at all.
   */
  corsOrigins: string[];
  /**
   * REDIS_URL (redis://[user:password@]host[:port][/db]): the per-key rate limits are counted there,
   * shared by every instance. Null: each process counts its own. The URL may carry a password:
   * never log it.
   */
  redis: { url: string; keyPrefix: string } | null;
  /**
   * TRUSTED_PROXIES: addresses or CIDR blocks of the load balancers in front of the gateway. The
   * client address (per-address rate limits) is then the right-most X-Forwarded-For entry that is
   * not one of them; empty (the default): the TCP peer, and X-Forwarded-For is ignored.
   */
  trustedProxies: string[];
  /** GET /khalti/return requests each client address may make a minute (RATE_LIMIT_RETURN_PER_MINUTE); 0: off. */
  returnRateLimitPerMinute: number;
  reconcileIntervalMs: number;
  /** Reconciler lookups in flight at once (RECONCILE_CONCURRENCY). */
  reconcileConcurrency: number;
  /** METRICS_TOKEN (16+ characters): GET /metrics then needs `Authorization: Bearer <token>`. Never logged. */
  metricsToken?: string;
  /** LOG_LEVEL: lines below it are dropped (default info). */
  logLevel: LogLevel;
  shutdown: {
    /**
     * SHUTDOWN_DELAY_MS: after SIGTERM/SIGINT, how long new requests are still served while
     * /readyz answers 503, so load balancers stop sending before the listener closes.
     */
    delayMs: number;
    /** SHUTDOWN_GRACE_MS: how long requests in flight then get to finish before they are cut. */
    graceMs: number;
  };
  production: boolean;
  webhooks: WebhookConfig;
  graphql: {
    /** `__schema` / `__type` answered (GRAPHQL_INTROSPECTION; default: not in production). */
    introspection: boolean;
    limits: QueryLimits;
    rateLimits: RateLimits;
    /**
     * Browser origins allowed to open the subscription WebSocket besides the gateway's own
     * (PUBLIC_URL's origin and the host the request was addressed to); `*` allows any.
     */
    wsAllowedOrigins: string[];
    /** TRUSTED_DOCUMENTS: the only documents client keys may run (a persisted-documents manifest); null: any. */
    trustedDocuments: TrustedDocuments | null;
    /**
     * WS_MAX_CONNECTIONS (default: 10,000, or the open-files limit less a reserve of 1024 when that
     * is lower), WS_MESSAGES_PER_SECOND (default 50; 0: no limit) and WS_MESSAGE_BURST (default 100).
     */
    websocket: WebSocketLimits;
  };
}

export interface WebhookConfig {
  /** WEBHOOK_ALLOW_PRIVATE: endpoints may resolve to loopback, private or link-local addresses (default: embedded mode only). */
  allowPrivate: boolean;
  /** WEBHOOK_RETRY_SCHEDULE_MS: the delays between attempts (each with jitter); a delivery has one attempt more than delays. */
  retryScheduleMs: number[];
  /**
   * WEBHOOK_SIGNING_KEY (32+ characters): endpoint secrets are derived from it (src/webhooks/webhook-secrets.ts),
   * never stored. Unset: embedded mode keeps a generated one beside the database; other modes cannot sign,
   * so endpoints cannot be created. Never logged.
   */
  signingKey?: string;
  /** WEBHOOK_TIMEOUT_MS: how long one attempt may take, connecting included (default 15000). */
  timeoutMs: number;
  /** WEBHOOK_POLL_INTERVAL_MS: how often the delivery worker looks for due deliveries besides being woken (default 1000). */
  pollIntervalMs: number;
  /** WEBHOOK_CONCURRENCY: attempts one instance keeps in flight (default 8). */
  concurrency: number;
}

export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS = [5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000];
export const MIN_WEBHOOK_SIGNING_KEY_LENGTH = 32;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export const DEFAULT_DATABASE_URL = 'file:./data/khalti-graphql.sqlite';
export const MIN_API_KEY_LENGTH = 16;
export const MIN_MERCHANT_SECRET_LENGTH = 32;
export const MIN_METRICS_TOKEN_LENGTH = 16;
/** REDIS_KEY_PREFIX: the start of every key the gateway writes to Redis (instances of one deployment share it). */
export const DEFAULT_REDIS_KEY_PREFIX = 'khalti-graphql:';

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const port = readInt(env, 'PORT', 4000, 0, 65535);
  const khaltiEnv = readKhaltiEnv(env);
  const embedded = khaltiEnv === 'embedded';

  const secretKey = blankToUndefined(env.KHALTI_SECRET_KEY);
  if (!secretKey && !embedded) {
    throw new ConfigError('KHALTI_SECRET_KEY', `is required when KHALTI_ENV=${khaltiEnv}`);
  }

  const explicitBase = readUrl(env, 'KHALTI_BASE_URL');
  const baseUrl = explicitBase ?? (embedded ? undefined : KHALTI_ORIGINS[khaltiEnv]);

  const admin = readKeyList(env, 'GATEWAY_ADMIN_KEYS');
  const client = readKeyList(env, 'GATEWAY_CLIENT_KEYS');
  const server = readKeyList(env, 'GATEWAY_SERVER_KEYS');
  // A key names one role: the same key in two lists would make its role depend on lookup order.
  if (admin.some((key) => client.includes(key))) throw new ConfigError('GATEWAY_CLIENT_KEYS', 'a key may not also be an admin key');
  if (admin.some((key) => server.includes(key))) throw new ConfigError('GATEWAY_SERVER_KEYS', 'a key may not also be an admin key');
  if (client.some((key) => server.includes(key))) throw new ConfigError('GATEWAY_SERVER_KEYS', 'a key may not also be a client key');
  let generated = false;
  if (admin.length === 0 && client.length === 0 && server.length === 0) {
    if (!embedded) {
      throw new ConfigError(
        'GATEWAY_ADMIN_KEYS',
        `set it (and/or GATEWAY_CLIENT_KEYS, GATEWAY_SERVER_KEYS) when KHALTI_ENV=${khaltiEnv}; only embedded mode generates keys`,
      );
    }
    admin.push(generateApiKey('admin'));
    client.push(generateApiKey('client'));
    generated = true;
  }

  const merchantSecret = blankToUndefined(env.MERCHANT_SECRET);
  if (merchantSecret !== undefined && merchantSecret.length < MIN_MERCHANT_SECRET_LENGTH) {
    throw new ConfigError('MERCHANT_SECRET', `must be at least ${MIN_MERCHANT_SECRET_LENGTH} characters`);
  }
  const metricsToken = blankToUndefined(env.METRICS_TOKEN);
  // Never print the token: say what is wrong with it.
  if (metricsToken !== undefined && metricsToken.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new ConfigError('METRICS_TOKEN', `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`);
  }
  if (metricsToken !== undefined && /\s/.test(metricsToken)) throw new ConfigError('METRICS_TOKEN', 'must not contain whitespace');
  const publicUrl = readUrl(env, 'PUBLIC_URL');
  const databaseUrl = readDatabaseUrl(env);
  const returnUrlOrigins = readOriginList(env, 'RETURN_URL_ORIGINS', false);
  // Production refuses what is only safe on a developer's machine (DESIGN section 2).
  if (khaltiEnv === 'production') {
    if (!production) {
      const got = blankToUndefined(env.NODE_ENV) ? `it is "${env.NODE_ENV!.trim()}"` : 'it is not set';
      throw new ConfigError('NODE_ENV', `must be production when KHALTI_ENV=production (${got}); it turns off introspection and error details`);
    }
    if (!publicUrl?.startsWith('https://')) {
      throw new ConfigError('PUBLIC_URL', 'must be an https URL when KHALTI_ENV=production (where buyers\' browsers reach the gateway)');
    }
    if (returnUrlOrigins.length === 0) {
      throw new ConfigError('RETURN_URL_ORIGINS', 'is required when KHALTI_ENV=production (the origins a returnUrl may point to)');
    }
    if (databaseUrl === ':memory:') {
      throw new ConfigError('DATABASE_URL', 'must be a file (file:PATH) or PostgreSQL when KHALTI_ENV=production; :memory: loses every payment at restart');
    }
  }
  const timeoutMs = readInt(env, 'KHALTI_TIMEOUT_MS', 15000, 500, 120000);

  return {
    port,
    host: blankToUndefined(env.HOST) ?? (embedded ? '127.0.0.1' : '0.0.0.0'),
    publicUrl,
    khalti: {
      env: khaltiEnv,
      baseUrl,
      secretKey: secretKey ?? EMULATOR_DEFAULT_SECRET_KEY,
      publicKey: blankToUndefined(env.KHALTI_PUBLIC_KEY) ?? (embedded ? EMULATOR_DEFAULT_PUBLIC_KEY : undefined),
      timeoutMs,
      maxConnections: readInt(env, 'KHALTI_MAX_CONNECTIONS', 64, 1, 1024),
    },
    database: {
      url: databaseUrl,
      busyTimeoutMs: readInt(env, 'DATABASE_BUSY_TIMEOUT_MS', 5000, 0, 600_000),
      poolSize: readInt(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    },
    apiKeys: { admin, client, server, generated },
    merchantSecret,
    returnUrlOrigins: returnUrlOrigins.length ? returnUrlOrigins : null,
    corsOrigins: readCorsOrigins(env),
    redis: readRedis(env),
    trustedProxies: readTrustedProxies(env),
    returnRateLimitPerMinute: readInt(env, 'RATE_LIMIT_RETURN_PER_MINUTE', 60, 0, 1_000_000),
    reconcileIntervalMs: readInt(env, 'RECONCILE_INTERVAL_MS', 15000, 100, 24 * 60 * 60 * 1000),
    reconcileConcurrency: readInt(env, 'RECONCILE_CONCURRENCY', 8, 1, 256),
    metricsToken,
    logLevel: readLogLevel(env),
    shutdown: {
      // Embedded mode has no load balancer to wait for; a developer's Ctrl-C stops at once.
      delayMs: readInt(env, 'SHUTDOWN_DELAY_MS', embedded ? 0 : 5000, 0, 600_000),
      // A request may be waiting on one Khalti call (up to KHALTI_TIMEOUT_MS once sent, plus the wait for a connection and to connect) and then write its outcome.
      graceMs: readInt(env, 'SHUTDOWN_GRACE_MS', timeoutMs + 10000, 0, 600_000),
    },
    production,
    webhooks: readWebhooks(env, embedded),
    graphql: {
      introspection: readBoolean(env, 'GRAPHQL_INTROSPECTION', !production),
      limits: {
        maxTokens: readInt(env, 'GRAPHQL_MAX_TOKENS', DEFAULT_QUERY_LIMITS.maxTokens, 100, 1_000_000),
        maxDepth: readInt(env, 'GRAPHQL_MAX_DEPTH', DEFAULT_QUERY_LIMITS.maxDepth, 2, 100),
        maxAliases: readInt(env, 'GRAPHQL_MAX_ALIASES', DEFAULT_QUERY_LIMITS.maxAliases, 0, 10_000),
        maxRootFields: readInt(env, 'GRAPHQL_MAX_ROOT_FIELDS', DEFAULT_QUERY_LIMITS.maxRootFields, 1, 10_000),
        maxCost: readInt(env, 'GRAPHQL_MAX_COST', DEFAULT_QUERY_LIMITS.maxCost, 10, 100_000_000),
      },
      rateLimits: {
        perMinute: readInt(env, 'RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMITS.perMinute, 0, 1_000_000),
        initiatePerMinute: readInt(env, 'RATE_LIMIT_INITIATE_PER_MINUTE', DEFAULT_RATE_LIMITS.initiatePerMinute, 0, 1_000_000),
        refundPerMinute: readInt(env, 'RATE_LIMIT_REFUND_PER_MINUTE', DEFAULT_RATE_LIMITS.refundPerMinute, 0, 1_000_000),
      },
      wsAllowedOrigins: readOriginList(env, 'WS_ALLOWED_ORIGINS'),
      websocket: {
        maxConnections: readInt(env, 'WS_MAX_CONNECTIONS', defaultMaxConnections(), 1, 1_000_000),
        messagesPerSecond: readInt(env, 'WS_MESSAGES_PER_SECOND', DEFAULT_MESSAGES_PER_SECOND, 0, 100_000),
        messageBurst: readInt(env, 'WS_MESSAGE_BURST', DEFAULT_MESSAGE_BURST, 1, 100_000),
      },
      trustedDocuments: env.TRUSTED_DOCUMENTS?.trim() ? TrustedDocuments.load(env.TRUSTED_DOCUMENTS.trim(), (message) => new ConfigError('TRUSTED_DOCUMENTS', message)) : null,
    },
  };
}

export function generateApiKey(role: 'admin' | 'client'): string {
  return `kg_${role}_${randomBytes(24).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------
// Embedded mode across restarts (DESIGN section 2): the generated keys, and the emulator's
// payments, kept beside the SQLite file, so the next start finds them.

/**
 * Where embedded mode keeps what the next start must find: files named after the SQLite file
 * (as SQLite names its -wal and -shm files), so two databases in one folder never share them, and
 * removing `<database>*` starts afresh. `:memory:` and PostgreSQL give them no place: then they
 * live in memory, as they did before.
 */
export type EmbeddedStateLocation =
  | { kept: true; keysFile: string; emulatorFolder: string; webhookSigningKeyFile: string }
  | { kept: false; reason: string };

export function embeddedStateLocation(databaseUrl: string): EmbeddedStateLocation {
  if (databaseUrl === ':memory:') return { kept: false, reason: 'DATABASE_URL is :memory:' };
  if (!databaseUrl.startsWith('file:')) return { kept: false, reason: 'DATABASE_URL is a PostgreSQL database' };
  const file = resolve(databaseUrl.slice('file:'.length));
  return { kept: true, keysFile: `${file}-embedded-keys.json`, emulatorFolder: `${file}-emulator`, webhookSigningKeyFile: `${file}-webhook-signing-key` };
}

/** The keys an embedded gateway that was given none uses, and where they are kept. */
export interface EmbeddedKeys {
  admin: string;
  client: string;
  /** The file they are kept in (mode 0600); null when they live in this process only. */
  file: string | null;
  /** Read from the file (an earlier start generated them) rather than generated now. */
  reused: boolean;
  /** Set when an existing file was readable by others and has been made 0600. */
  tightened?: boolean;
  /** Why they are not kept, when file is null and the database is the reason. */
  notKept?: string;
}

const KEYS_FILE_NOTE =
  'Development API keys khalti-graphql generated in embedded mode (KHALTI_ENV=embedded, no GATEWAY_*_KEYS set). ' +
  'Every start with this database uses them. Delete this file to get new ones; set GATEWAY_ADMIN_KEYS / GATEWAY_CLIENT_KEYS to choose your own.';

/**
 * The generated keys this start uses: the ones in `file` if an earlier start (or another process
 * starting at the same moment) wrote it, else `generated`, written there first. The file is
 * created complete or not at all (written to a temporary file, then linked into place, which
 * fails if it exists), so two processes starting on one new database agree on one pair.
 * A file that is not a keys file stops start-up with a line saying what to do.
 */
export function keepEmbeddedKeys(file: string, generated: { admin: string; client: string }): EmbeddedKeys {
  const fail = (problem: string) =>
    new ConfigError(
      'GATEWAY_ADMIN_KEYS',
      `not set, and the development keys embedded mode keeps in ${file} ${problem}; delete the file to generate new ones, or set GATEWAY_ADMIN_KEYS / GATEWAY_CLIENT_KEYS`,
    );
  const kept = readOrCreate(file, `${JSON.stringify({ note: KEYS_FILE_NOTE, admin: generated.admin, client: generated.client }, null, 2)}\n`, fail);
  if (kept.created) return { admin: generated.admin, client: generated.client, file, reused: false };
  const text = kept.text;

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail('is not valid JSON');
  }
  const { admin, client } = (typeof json === 'object' && json !== null ? json : {}) as { admin?: unknown; client?: unknown };
  for (const [name, key] of [['admin', admin], ['client', client]] as const) {
    if (typeof key !== 'string' || key.length < MIN_API_KEY_LENGTH || /\s/.test(key)) {
      throw fail(`has no usable "${name}" key (a string of ${MIN_API_KEY_LENGTH}+ characters without spaces)`);
    }
  }
  if (admin === client) throw fail('gives the admin and the client the same key');
  const tightened = keepPrivate(file, fail);
  return { admin: admin as string, client: client as string, file, reused: true, ...(tightened ? { tightened } : {}) };
}

/** The webhook signing key an embedded gateway without WEBHOOK_SIGNING_KEY uses, and where it is kept. */
export interface EmbeddedSigningKey {
  key: string;
  /** The file it is kept in (mode 0600); null when it lives in this process only. */
  file: string | null;
  /** Read from the file (an earlier start generated it) rather than generated now. */
  reused: boolean;
}

export function generateWebhookSigningKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The webhook signing key this embedded start uses: the one in `file` if an earlier start (or
 * another process starting at the same moment) wrote it, else `generated`, written there first
 * (exclusively, as keepEmbeddedKeys does), so endpoint secrets survive restarts. The file holds
 * the key alone; a file that does not stops start-up with a line saying what to do.
 */
export function keepWebhookSigningKey(file: string, generated: string): EmbeddedSigningKey {
  const fail = (problem: string) =>
    new ConfigError(
      'WEBHOOK_SIGNING_KEY',
      `not set, and the development key embedded mode keeps in ${file} ${problem}; delete the file to generate a new one (every endpoint's secret changes), or set WEBHOOK_SIGNING_KEY`,
    );
  const kept = readOrCreate(file, `${generated}\n`, fail);
  if (kept.created) return { key: generated, file, reused: false };
  const key = kept.text.trim();
  if (key.length < MIN_WEBHOOK_SIGNING_KEY_LENGTH || /\s/.test(key)) {
    throw fail(`is not a signing key (${MIN_WEBHOOK_SIGNING_KEY_LENGTH}+ characters without spaces)`);
  }
  keepPrivate(file, fail);
  return { key, file, reused: true };
}

/**
 * What embedded mode keeps beside the database: the text of `file` if an earlier start (or another
 * process starting at the same moment) wrote it, else `content`, written there first and
 * exclusively (created: true), so that processes starting together agree on one.
 */
function readOrCreate(file: string, content: string, fail: (problem: string) => Error): { created: true } | { created: false; text: string } {
  try {
    return { created: false, text: readFileSync(file, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(`cannot be read (${errorText(error)})`);
  }
  let created: boolean;
  try {
    created = createExclusively(file, content);
  } catch (error) {
    throw fail(`cannot be written (${errorText(error)})`);
  }
  // Another process created it first: use what it wrote.
  return created ? { created: true } : { created: false, text: readFileSync(file, 'utf8') };
}

/** A kept file that others could read is made 0600; true when it had to be. */
function keepPrivate(file: string, fail: (problem: string) => Error): boolean {
  try {
    if ((statSync(file).mode & 0o077) === 0) return false;
    chmodSync(file, 0o600);
    return true;
  } catch (error) {
    throw fail(`is readable by others and cannot be made private (${errorText(error)})`);
  }
}

/** Writes `text` to a new file at `path` (mode 0600), complete or not at all; false if `path` exists. */
function createExclusively(path: string, text: string): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: create the file itself exclusively (a crash mid-write
    // would leave it incomplete, and the next start would say so).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return writeNew(path, text);
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function writeNew(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function errorText(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = blankToUndefined(env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = blankToUndefined(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** Comma-separated http(s) origins (scheme, host, optional port; no path), or `*` where allowed. */
function readOriginList(env: Env, name: string, allowAny = true): string[] {
  const raw = blankToUndefined(env[name]);
  if (raw === undefined) return [];
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return entries.map((entry) => {
    if (entry === '*') {
      if (allowAny) return entry;
      throw new ConfigError(name, 'must list origins; `*` is not allowed here');
    }
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new ConfigError(name, `"${entry}" is not an origin such as https://shop.example.com`);
    }
    const originOnly = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !originOnly) {
      throw new ConfigError(name, `"${entry}" is not an origin such as https://shop.example.com (scheme and host, no path)`);
    }
    return url.origin;
  });
}

/** CORS_ORIGINS: listed origins only. `*` would let any web page spend the keys a storefront ships. */
function readCorsOrigins(env: Env): string[] {
  const name = 'CORS_ORIGINS';
  if (blankToUndefined(env[name])?.split(',').some((entry) => entry.trim() === '*')) {
    throw new ConfigError(name, 'must list origins such as https://shop.example.com; `*` is refused: a payments API must not be callable from any web page');
  }
  return readOriginList(env, name, false);
}

function readLogLevel(env: Env): LogLevel {
  const raw = blankToUndefined(env.LOG_LEVEL)?.toLowerCase() ?? 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
}

function readKhaltiEnv(env: Env): KhaltiEnv {
  const raw = blankToUndefined(env.KHALTI_ENV) ?? 'embedded';
  if (raw === 'embedded' || raw === 'sandbox' || raw === 'production') return raw;
  throw new ConfigError('KHALTI_ENV', `must be embedded, sandbox or production, got "${raw}"`);
}

/** An http(s) origin (optionally with a path), returned without a trailing slash. */
function readUrl(env: Env, name: string): string | undefined {
  const raw = blankToUndefined(env[name]);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  if (url.search || url.hash) throw new ConfigError(name, 'must not carry a query string or fragment');
  return raw.replace(/\/+$/, '');
}

/** The WEBHOOK_* settings (DESIGN section 2 and 7). */
function readWebhooks(env: Env, embedded: boolean): WebhookConfig {
  const signingKey = blankToUndefined(env.WEBHOOK_SIGNING_KEY);
  if (signingKey !== undefined && signingKey.length < MIN_WEBHOOK_SIGNING_KEY_LENGTH) {
    throw new ConfigError('WEBHOOK_SIGNING_KEY', `must be at least ${MIN_WEBHOOK_SIGNING_KEY_LENGTH} characters`);
  }
  return {
    allowPrivate: readBoolean(env, 'WEBHOOK_ALLOW_PRIVATE', embedded),
    retryScheduleMs: readRetrySchedule(env),
    signingKey,
    timeoutMs: readInt(env, 'WEBHOOK_TIMEOUT_MS', 15000, 100, 120_000),
    pollIntervalMs: readInt(env, 'WEBHOOK_POLL_INTERVAL_MS', 1000, 10, 600_000),
    concurrency: readInt(env, 'WEBHOOK_CONCURRENCY', 8, 1, 256),
  };
}

function readRetrySchedule(env: Env): number[] {
  const raw = blankToUndefined(env.WEBHOOK_RETRY_SCHEDULE_MS);
  if (raw === undefined) return [...DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS];
  const parts = raw.split(',').map((part) => part.trim());
  const delays = parts.map(Number);
  if (parts.some((part) => !/^\d+$/.test(part)) || delays.some((delay) => delay < 1 || delay > 7 * 24 * 60 * 60 * 1000)) {
    throw new ConfigError('WEBHOOK_RETRY_SCHEDULE_MS', `must be comma-separated whole milliseconds between 1 and 604800000, got "${raw}"`);
  }
  if (delays.length > 50) throw new ConfigError('WEBHOOK_RETRY_SCHEDULE_MS', 'may list at most 50 delays');
  return delays;
}

/** REDIS_URL, checked here so a typo stops start-up; the message never repeats the URL (it may hold a password). */
function readRedis(env: Env): Config['redis'] {
  const raw = blankToUndefined(env.REDIS_URL);
  const keyPrefix = blankToUndefined(env.REDIS_KEY_PREFIX) ?? DEFAULT_REDIS_KEY_PREFIX;
  if (/\s/.test(keyPrefix)) throw new ConfigError('REDIS_KEY_PREFIX', 'must not contain whitespace');
  if (raw === undefined) return null;
  const shape = 'must be redis://[user:password@]host[:port][/db] (or rediss:// for TLS)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', shape);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname || url.search || url.hash) throw new ConfigError('REDIS_URL', shape);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new ConfigError('REDIS_URL', `${shape}; the database is a number (0-15 on a default server)`);
  return { url: raw, keyPrefix };
}

/** TRUSTED_PROXIES: comma-separated IPv4/IPv6 addresses or CIDR blocks. */
function readTrustedProxies(env: Env): string[] {
  const raw = blankToUndefined(env.TRUSTED_PROXIES);
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const [address = '', bits, extra] = entry.split('/');
      const family = isIP(address);
      const max = family === 4 ? 32 : 128;
      const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
      if (family === 0 || !validBits || extra !== undefined) {
        throw new ConfigError('TRUSTED_PROXIES', `"${entry}" is not an IP address or CIDR block such as 10.0.0.0/8 or fd00::/8`);
      }
      return entry;
    });
}

function readKeyList(env: Env, name: string): string[] {
  const raw = blankToUndefined(env[name]);
  if (raw === undefined) return [];
  const keys = raw
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  keys.forEach((key, index) => {
    // Never print the key itself: say which one (by position) is wrong.
    if (key.length < MIN_API_KEY_LENGTH) {
      throw new ConfigError(name, `key #${index + 1} is shorter than ${MIN_API_KEY_LENGTH} characters`);
    }
    if (/\s/.test(key)) throw new ConfigError(name, `key #${index + 1} contains whitespace`);
  });
  return keys;
}

function readDatabaseUrl(env: Env): string {
  const raw = blankToUndefined(env.DATABASE_URL) ?? DEFAULT_DATABASE_URL;
  if (raw === ':memory:') return raw;
  if (raw.startsWith('file:') && raw.length > 'file:'.length) return raw;
  if (/^postgres(ql)?:\/\//.test(raw)) {
    // Parsed here so a typo stops start-up with a line naming the variable (and never the password).
    try {
      const url = new URL(raw);
      if (!url.hostname) throw new Error('no host');
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres://user[:password]@host[:port]/database URL');
    }
    return raw;
  }
  throw new ConfigError('DATABASE_URL', 'must be file:PATH, :memory: or postgres://user[:password]@host[:port]/database');
}
