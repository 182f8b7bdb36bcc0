/**
 * The request core: one undici Pool for the Khalti origin, per-attempt timeouts and a total
 * deadline, bounded retries for idempotent reads, and one hook event per HTTP attempt.
 * It knows nothing about individual operations: each call brings its own `ResponseReader`.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import {
  KhaltiDeadlineError,
  errorFromResponse,
  unavailableFromTransport,
  type ReadBody,
} from './khalti.error-mapping';
import { KhaltiUnavailableError } from './khalti.errors';
import { WireShapeError } from './khalti.mapping';
import { excerpt, personalDataValues, reportedCopy, scrubPersonalData } from './khalti.redact';
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
  /** Whole attempt, connect to last body byte: catches a body dribbled slower than it should be. */
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
export const DEFAULT_CONNECTIONS = 10;

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
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
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
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(req, attempt, reader);
      } catch (err) {
        const retry = err instanceof KhaltiUnavailableError && attempt < maxAttempts;
        if (!retry) throw err;
        await sleep(this.backoff(attempt));
      }
    }
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
  ): Promise<T> {
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
      request: reportedCopy(req.method === 'GET' ? (req.query ?? {}) : (req.body ?? {}), this.secret, personal),
      startedAt,
    };
    if (req.pidx !== undefined) event.pidx = req.pidx;
    if (req.transactionId !== undefined) event.transactionId = req.transactionId;

    try {
      const res = await this.exchange(req, pathWithQuery, (status) => (event.httpStatus = status));
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
    throw errorFromResponse(req.operation, res.status, res, this.secret, personal);
  }

  /**
   * One HTTP exchange: send, read the whole body (or destroy it), and hand back status and body.
   * Transport failures come out as KhaltiUnavailableError.
   */
  private async exchange(
    req: KhaltiHttpRequest,
    pathWithQuery: string,
    onStatus: (status: number) => void,
  ): Promise<KhaltiHttpResponse> {
    const { timeouts } = this.options;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'khalti-graphql' };
    if (req.authorized) {
      headers.authorization = `Key ${this.secret}`;
      headers['content-type'] = 'application/json';
    }
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new KhaltiDeadlineError(timeouts.totalMs)), timeouts.totalMs);
    let status: number | undefined;
    try {
      const res = await this.pool.request({
        method: req.method,
        path: this.prefix + pathWithQuery,
        headers,
        body: req.method === 'POST' ? JSON.stringify(req.body ?? {}) : null,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        signal: controller.signal,
        // No redirect interceptor: a 3xx is an answer we refuse, never a hop carrying our key.
      });
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
      return { status, ...parseBody(text) };
    } catch (err) {
      // A signal abort may surface as undici's RequestAbortedError; the reason is ours.
      const cause = controller.signal.aborted ? (controller.signal.reason as unknown) : err;
      throw unavailableFromTransport(req.operation, cause, this.secret, status);
    } finally {
      clearTimeout(deadline);
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
