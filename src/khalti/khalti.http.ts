/**
 * The request core: one undici Pool for the Khalti origin, a bounded wait for one of its
 * connections, per-attempt timeouts and a total deadline counted from the moment the request is
 * sent, bounded retries for idempotent reads (honouring Retry-After), and one hook event per HTTP
 * attempt. It knows nothing about individual operations: each call brings its own `ResponseReader`.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type Dispatcher } from 'undici';
import {
  KhaltiDeadlineError,
  errorFromResponse,
  parseRetryAfter,
  unavailableFromTransport,
  type ReadBody,
} from './khalti.error-mapping';
import { KhaltiUnavailableError } from './khalti.errors';
import { WireShapeError } from './khalti.mapping';
import { excerpt, personalDataValues, reportedCopy, scrubPersonalData } from './khalti.redact';
import { sentTracker, whenSent } from './khalti.sent';
import { ConnectionSlots, type SlotStats } from './khalti.slots';
import type { KhaltiCallEvent, KhaltiCallHook, KhaltiOperation } from './khalti.types';

/**
 * undici runs its connect/headers/body timers on a coarse clock (ticking every ~0.5 s), so
 * those fire up to ~1 s late; the total deadline is a plain timer and fires on time.
 */
export interface KhaltiTimeouts {
  /** TCP (and TLS) connect. */
  connectMs: number;
  /** From request sent to response headers received. */
  headersMs: number;
  /** Longest silence between two body chunks. */
  bodyMs: number;
  /**
   * The deadline of an attempt, from the moment its request is written to a connection to the
   * last body byte (time spent waiting for a free connection or connecting does not count): also
   * catches a body dribbled slower than it should be. For initiate and refund (never resent) it
   * is the only limit once the request is sent: their headers and body timeouts are raised past it.
   */
  totalMs: number;
}

export interface KhaltiRetries {
  /** Retries after the first attempt (so `max: 2` means up to 3 attempts). */
  max: number;
  /** First backoff; doubles per retry, with jitter. */
  baseDelayMs: number;
}

export const DEFAULT_TIMEOUTS: KhaltiTimeouts = { connectMs: 3000, headersMs: 10000, bodyMs: 10000, totalMs: 15000 };
export const DEFAULT_RETRIES: KhaltiRetries = { max: 2, baseDelayMs: 200 };
export const DEFAULT_CONNECTIONS = 64;

/**
 * undici's connect/headers/body timers run on a clock that ticks every ~0.5 s: they may fire up
 * to ~0.5 s early or ~1 s late. A timeout that must never cut a call before our own (exact)
 * deadline is set this much past it.
 */
export const UNDICI_CLOCK_SLACK_MS = 1000;

/** Node's timers may fire a millisecond early against other clocks: waits Khalti asked for get this on top. */
const RETRY_AFTER_MARGIN_MS = 5;

/** The default wait for a free connection: short, so an overloaded client refuses instead of queueing. */
export function defaultQueueWaitMs(totalMs: number): number {
  return Math.max(1, Math.min(1000, Math.floor(totalMs / 4)));
}

/** An error message in a hook event is a sentence; a longer one (a wall of field errors) is cut. */
const ERROR_MESSAGE_MAX_CHARS = 1024;

/** Khalti's bodies are a few KB; a bank list page with branches maybe tens. Anything past this is not Khalti. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

export interface KhaltiHttpOptions {
  baseUrl: string;
  secretKey?: string;
  timeouts: KhaltiTimeouts;
  retries: KhaltiRetries;
  connections: number;
  /** Longest wait for a free connection before the call is refused (`pool_exhausted`, nothing sent). */
  queueWaitMs: number;
  onCall?: KhaltiCallHook;
}

export interface KhaltiHttpRequest {
  operation: KhaltiOperation;
  method: 'GET' | 'POST';
  /** Khalti API path, without our base path prefix and without query. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Send `Authorization: Key <secret>` (every call but the bank list). */
  authorized: boolean;
  /** Idempotent reads only: initiate and refund are never resent (a resend could pay or refund twice). */
  retryable: boolean;
  pidx?: string;
  transactionId?: string;
}

export interface KhaltiHttpResponse extends ReadBody {
  status: number;
  /** Retry-After of a 429 or 503, in seconds. */
  retryAfterSeconds?: number;
}

/** What one call (all its attempts) knows about its own timing. */
interface CallClock {
  /** performance.now() when the first attempt's request was sent. */
  firstSentAt?: number;
}

/**
 * How a call reads Khalti's answer. `ok` parses a 2xx JSON body; `result` may claim a non-2xx
 * answer as a result (lookup's 400 for Expired / User canceled, the legacy status's 404).
 * Either may throw WireShapeError for a body without the documented shape (-> `bad_body`).
 * Every other non-2xx answer becomes a typed error via errorFromResponse.
 */
export interface ResponseReader<T> {
  ok(json: unknown): T;
  result?(res: KhaltiHttpResponse): T | undefined;
  /** Extra event fields learnt from a result (e.g. the pidx an initiate returned). */
  describe?(result: T): Pick<KhaltiCallEvent, 'pidx' | 'transactionId'>;
}


export class KhaltiHttp {
  private readonly pool: Pool;
  /** The pool with the sent tracker in front: every request goes through this. */
  private readonly dispatcher: Dispatcher;
  private readonly slots: ConnectionSlots;
  /** Base path prefix (e.g. "/sandbox" for the embedded emulator), no trailing slash. */
  private readonly prefix: string;
  private readonly secret: string | undefined;
  private closed = false;

  constructor(private readonly options: KhaltiHttpOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError('KhaltiClient: baseUrl is not a valid absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('KhaltiClient: baseUrl must be an http(s) URL');
    }
    if (url.search || url.hash || url.username || url.password) {
      throw new TypeError('KhaltiClient: baseUrl must be an origin with an optional path, no query or credentials');
    }
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.secret = options.secretKey || undefined;
    const t = options.timeouts;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      connect: { timeout: t.connectMs },
      // Set here as well as per request so nothing can fall back to undici's 300 s defaults.
      headersTimeout: t.headersMs,
      bodyTimeout: t.bodyMs,
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
    this.dispatcher = this.pool.compose(sentTracker);
    // As many slots as connections: a call holding one never queues inside undici, so the only
    // queue is ours, bounded by queueWaitMs, and a call refused there was never handed to undici.
    this.slots = new ConnectionSlots(options.connections);
  }

  /** Connections in use, calls waiting for one, calls refused so far (for metrics and tests). */
  stats(): SlotStats {
    return this.slots.stats();
  }

  /** New calls fail at once; calls holding or waiting for a connection finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.slots.idle();
    await this.pool.close();
  }

  async send<T>(req: KhaltiHttpRequest, reader: ResponseReader<T>): Promise<T> {
    // Checked before any attempt: programming and configuration errors are not HTTP exchanges
    // to report, retry, or mistake for Khalti being down.
    if (this.closed) throw new Error(`KhaltiClient: closed; cannot ${req.operation}`);
    if (req.authorized && !this.secret) {
      throw new Error(`KhaltiClient: secretKey is not configured; the ${req.operation} call needs it`);
    }
    const maxAttempts = req.retryable ? 1 + this.options.retries.max : 1;
    const clock: CallClock = {};
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(req, attempt, reader, clock);
      } catch (err) {
        // pool_exhausted is our own congestion, not Khalti's: the wait for a connection was the
        // budget, and retrying would only queue again behind the same calls.
        const retry = err instanceof KhaltiUnavailableError && err.reason !== 'pool_exhausted' && attempt < maxAttempts;
        if (!retry) throw err;
        await sleep(this.retryDelay(req, err, attempt, clock));
      }
    }
  }

  /**
   * The wait before the next attempt: the backoff, or what Khalti's Retry-After asked for when
   * that is longer. A Retry-After that would send the retry past the call's deadline (totalMs
   * from the first attempt's send) is not waited out: the call fails now, saying when Khalti
   * asked to be called again.
   */
  private retryDelay(req: KhaltiHttpRequest, err: KhaltiUnavailableError, attempt: number, clock: CallClock): number {
    const backoff = this.backoff(attempt);
    if (err.retryAfterSeconds === undefined) return backoff;
    const askedMs = err.retryAfterSeconds * 1000;
    const { totalMs } = this.options.timeouts;
    const leftMs = clock.firstSentAt === undefined ? 0 : clock.firstSentAt + totalMs - performance.now();
    if (askedMs + RETRY_AFTER_MARGIN_MS > leftMs) {
      throw new KhaltiUnavailableError(
        req.operation,
        'server_error',
        `HTTP ${err.httpStatus ?? '?'}; Khalti asked to be called again in ${err.retryAfterSeconds} s ` +
          `(at ${err.retryAt!.toISOString()}), later than this call's deadline allows ` +
          `(${Math.max(0, Math.floor(leftMs))} ms left of ${totalMs} ms); not retried`,
        err.httpStatus,
        err,
        { retryAfterSeconds: err.retryAfterSeconds, retryAt: err.retryAt },
      );
    }
    return Math.max(backoff, askedMs + RETRY_AFTER_MARGIN_MS);
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries of many callers spread out. */
  private backoff(attempt: number): number {
    const ceiling = this.options.retries.baseDelayMs * 2 ** (attempt - 1);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private async attempt<T>(
    req: KhaltiHttpRequest,
    attempt: number,
    reader: ResponseReader<T>,
    clock: CallClock,
  ): Promise<T> {
    const queuedAt = performance.now();
    const { queueWaitMs } = this.options;
    // Refused here, nothing was handed to undici: no HTTP attempt to report, nothing can be sent later.
    if (!(await this.slots.acquire(queueWaitMs))) {
      throw new KhaltiUnavailableError(
        req.operation,
        'pool_exhausted',
        `no connection to Khalti free within ${queueWaitMs} ms (all ${this.options.connections} in use); nothing was sent`,
        undefined,
        undefined,
        { nothingSent: true },
      );
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.slots.release();
    };
    const startedAt = new Date();
    const t0 = performance.now();
    const pathWithQuery = req.query ? `${req.path}?${new URLSearchParams(req.query).toString()}` : req.path;
    // The buyer's personal data lives in the payment row only: the audit log gets these copies,
    // with customer_info and mobile replaced, and any echo of their values scrubbed.
    const personal = personalDataValues(req.body);
    const event: KhaltiCallEvent = {
      operation: req.operation,
      method: req.method,
      path: pathWithQuery,
      attempt,
      durationMs: 0,
      queuedMs: Math.round((t0 - queuedAt) * 1000) / 1000,
      request: reportedCopy(req.method === 'GET' ? (req.query ?? {}) : (req.body ?? {}), this.secret, personal),
      startedAt,
    };
    if (req.pidx !== undefined) event.pidx = req.pidx;
    if (req.transactionId !== undefined) event.transactionId = req.transactionId;

    try {
      const res = await this.exchange(req, pathWithQuery, (status) => (event.httpStatus = status), clock, release);
      event.response = res.isJson
        ? reportedCopy(res.json, this.secret, personal)
        : excerpt(scrubPersonalData(res.text, personal), this.secret);
      const result = this.read(req, res, reader, personal);
      if (reader.describe) Object.assign(event, definedOnly(reader.describe(result)));
      return result;
    } catch (err) {
      event.error = {
        name: err instanceof Error ? err.name : 'Error',
        message: excerpt(scrubPersonalData(err instanceof Error ? err.message : String(err), personal), this.secret, ERROR_MESSAGE_MAX_CHARS),
      };
      throw err;
    } finally {
      release();
      event.durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
      // Awaited: the audit row of the call is committed before anything follows from its answer.
      await this.emit(event);
    }
  }

  private read<T>(req: KhaltiHttpRequest, res: KhaltiHttpResponse, reader: ResponseReader<T>, personal: readonly string[]): T {
    try {
      if (res.status >= 200 && res.status < 300) {
        if (!res.isJson) {
          const what = res.text.trim() === '' ? 'an empty body' : 'a body that is not JSON';
          throw new KhaltiUnavailableError(req.operation, 'bad_body', `HTTP ${res.status} with ${what}`, res.status);
        }
        return reader.ok(res.json);
      }
      const claimed = reader.result?.(res);
      if (claimed !== undefined) return claimed;
    } catch (err) {
      if (err instanceof WireShapeError) {
        throw new KhaltiUnavailableError(req.operation, 'bad_body', err.message, res.status);
      }
      throw err;
    }
    throw errorFromResponse(req.operation, res.status, res, this.secret, personal, res.retryAfterSeconds);
  }

  /**
   * One HTTP exchange: send, read the whole body (or destroy it), and hand back status and body.
   * Transport failures come out as KhaltiUnavailableError, with `nothingSent` when the request
   * never reached a socket. The deadline (totalMs) starts when undici writes the request; the
   * connection slot is given back (`release`) as soon as undici is done with the exchange.
   */
  private async exchange(
    req: KhaltiHttpRequest,
    pathWithQuery: string,
    onStatus: (status: number) => void,
    clock: CallClock,
    release: () => void,
  ): Promise<KhaltiHttpResponse> {
    const { timeouts } = this.options;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'khalti-graphql' };
    if (req.authorized) {
      headers.authorization = `Key ${this.secret}`;
      headers['content-type'] = 'application/json';
    }
    // initiate and refund are never resent, so cutting one off after it was sent leaves its
    // outcome unknown (a payment Khalti holds that we never stored, a refund we cannot tell
    // happened): only the deadline may end them, never undici's coarser headers/body timers.
    const phaseFloor = req.retryable ? 0 : timeouts.totalMs + UNDICI_CLOCK_SLACK_MS;
    const controller = new AbortController();
    let deadline: NodeJS.Timeout | undefined;
    let sent = false;
    const options: Dispatcher.RequestOptions = {
      method: req.method,
      path: this.prefix + pathWithQuery,
      headers,
      body: req.method === 'POST' ? JSON.stringify(req.body ?? {}) : null,
      headersTimeout: Math.max(timeouts.headersMs, phaseFloor),
      bodyTimeout: Math.max(timeouts.bodyMs, phaseFloor),
      signal: controller.signal,
      // No redirect interceptor: a 3xx is an answer we refuse, never a hop carrying our key.
    };
    whenSent(options, () => {
      if (sent) return;
      sent = true;
      clock.firstSentAt ??= performance.now();
      deadline = setTimeout(() => controller.abort(new KhaltiDeadlineError(timeouts.totalMs)), timeouts.totalMs);
    });
    let status: number | undefined;
    try {
      const res = await this.dispatcher.request(options);
      status = res.statusCode;
      onStatus(status);
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        // Never leave a half-read body holding the socket.
        res.body.destroy();
        throw err;
      }
      const retryAfterSeconds = status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined;
      return { status, ...parseBody(text), ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
    } catch (err) {
      // A signal abort may surface as undici's RequestAbortedError; the reason is ours.
      const cause = controller.signal.aborted ? (controller.signal.reason as unknown) : err;
      throw unavailableFromTransport(req.operation, cause, this.secret, status, { nothingSent: !sent });
    } finally {
      clearTimeout(deadline);
      release();
    }
  }

  private async emit(event: KhaltiCallEvent): Promise<void> {
    const hook = this.options.onCall;
    if (!hook) return;
    try {
      await hook(event);
    } catch {
      // The audit hook must never change the outcome of a payment call.
    }
  }
}

function parseBody(text: string): ReadBody {
  if (text.trim() === '') return { json: undefined, text, isJson: false };
  try {
    return { json: JSON.parse(text) as unknown, text, isJson: true };
  } catch {
    return { json: undefined, text, isJson: false };
  }
}

/** Drops undefined-valued keys, so spreading options over defaults cannot erase a default. */
export function definedOnly<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
