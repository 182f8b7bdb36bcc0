/**
 * Makes one webhook attempt over HTTP: POST the signed body, read (and discard) a little of the
 * answer, and say what happened in a few words. A pool of its own (never Khalti's): a slow
 * receiver must not take connections payments need.
 *
 * The address actually dialled is checked, not the one seen at registration: DNS may have changed
 * since (or be made to, between a check and a connect), so the check sits in the connector, on the
 * very address handed to connect(2).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { isPrivateAddress } from './private-address';

/** Most of an answer's body read before the connection is dropped (it is never kept). */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** What one attempt came to; `kind` labels the attempts metric. */
export type AttemptKind = 'accepted' | 'http_status' | 'redirect' | 'timeout' | 'refused' | 'dns' | 'private_address' | 'tls' | 'network' | 'aborted';

export interface AttemptResult {
  kind: AttemptKind;
  /** What the endpoint answered; null when no answer came. */
  httpStatus: number | null;
  /** A short text for lastError (never a secret, never the body); null when accepted. */
  error: string | null;
  /** Retry-After as answered, for the retry schedule. */
  retryAfter: string | null;
  durationMs: number;
}

export interface WebhookSenderOptions {
  /** The whole attempt, connecting included. */
  timeoutMs: number;
  /** Loopback, private and link-local addresses may be dialled (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Connections kept per origin. */
  connections?: number;
}

const PRIVATE_ADDRESS = 'WEBHOOK_PRIVATE_ADDRESS';

class PrivateAddressError extends Error {
  readonly code = PRIVATE_ADDRESS;
  constructor() {
    super('the endpoint resolves to a private address');
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup, keeping only addresses a webhook may dial; none left is a PrivateAddressError. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const usable = addresses.filter((entry) => !isPrivateAddress(entry.address));
    if (usable.length === 0) return callback(new PrivateAddressError(), []);
    if (options.all) return callback(null, usable);
    return callback(null, usable[0]!.address, usable[0]!.family);
  });
}

class Aborted extends Error {
  constructor(readonly why: 'timeout' | 'shutdown') {
    super(why);
  }
}

export class WebhookSender {
  private readonly agent: Agent;
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: WebhookSenderOptions) {
    const base = buildConnector({ timeout: options.timeoutMs, ...(options.allowPrivate ? {} : { lookup: guardedLookup }) });
    this.agent = new Agent({
      connections: options.connections ?? 16,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // A literal IP is dialled without a lookup: it is checked here, before any packet leaves.
      connect: (connectOptions, callback) => {
        const host = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
        if (!options.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) return callback(new PrivateAddressError(), null);
        return base(connectOptions, callback);
      },
    });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    const started = performance.now();
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(new Aborted('timeout')), this.options.timeoutMs);
    const finish = (result: Omit<AttemptResult, 'durationMs'>): AttemptResult => ({ ...result, durationMs: Math.round(performance.now() - started) });
    try {
      // undici's request never follows redirects: a 3xx is this attempt's answer.
      const answer = await request(url, { method: 'POST', headers, body, dispatcher: this.agent, signal: controller.signal });
      const status = answer.statusCode;
      const retryAfter = headerValue(answer.headers['retry-after']);
      await answer.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => undefined);
      if (status >= 200 && status < 300) return finish({ kind: 'accepted', httpStatus: status, error: null, retryAfter: null });
      if (status >= 300 && status < 400) return finish({ kind: 'redirect', httpStatus: status, error: `redirect not followed (${status})`, retryAfter: null });
      return finish({ kind: 'http_status', httpStatus: status, error: `answered ${status}`, retryAfter });
    } catch (error) {
      return finish({ ...describeFailure(error, controller.signal.reason, this.options.timeoutMs), httpStatus: null, retryAfter: null });
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  /** Ends every attempt in flight now (shutdown after the grace): they come back 'aborted'. */
  abortAll(): void {
    for (const controller of this.inFlight) controller.abort(new Aborted('shutdown'));
  }

  async close(): Promise<void> {
    this.abortAll();
    await this.agent.destroy();
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_NONAME', 'EAI_FAIL']);

/** A short text from an error's code only: messages may carry a URL (and its userinfo). */
function describeFailure(error: unknown, abortReason: unknown, timeoutMs: number): { kind: AttemptKind; error: string } {
  if (abortReason instanceof Aborted) {
    return abortReason.why === 'timeout' ? { kind: 'timeout', error: `timed out after ${timeoutMs} ms` } : { kind: 'aborted', error: 'aborted at shutdown' };
  }
  const code = errorCode(error);
  if (code === PRIVATE_ADDRESS) return { kind: 'private_address', error: 'refused: the endpoint resolves to a private address (WEBHOOK_ALLOW_PRIVATE is off)' };
  if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', error: `timed out after ${timeoutMs} ms` };
  if (code === 'ECONNREFUSED') return { kind: 'refused', error: 'connection refused' };
  if (DNS_CODES.has(code)) return { kind: 'dns', error: `DNS lookup failed (${code})` };
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/.test(code)) return { kind: 'tls', error: `TLS failed (${code})` };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return { kind: 'network', error: 'connection closed before an answer' };
  return { kind: 'network', error: `network error (${code || 'unknown'})` };
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  // undici wraps some causes (fetch-style); the first code along the chain is the telling one.
  for (let depth = 0; depth < 3 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}
