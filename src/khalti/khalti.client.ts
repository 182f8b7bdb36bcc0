/**
 * The Khalti client: camelCase in, camelCase out. Each method says which path it calls, whether it
 * is authorised and retryable, and how to read the answer; khalti.http.ts does the rest.
 */
import { KhaltiUnavailableError } from './khalti.errors';
import {
  DEFAULT_CONNECTIONS,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUTS,
  KhaltiHttp,
  UNDICI_CLOCK_SLACK_MS,
  defaultQueueWaitMs,
  definedOnly,
  type KhaltiHttpResponse,
} from './khalti.http';
import type { SlotStats } from './khalti.slots';
import {
  assertPaisa,
  fromWireBankPage,
  fromWireInitiate,
  fromWireLookup,
  fromWireRefund,
  fromWireTransactionStatus,
  looksLikeLookupResult,
  looksLikeTransactionStatus,
  toWireBankPaymentType,
  toWireInitiate,
  toWireRefund,
} from './khalti.mapping';
import type {
  Bank,
  BankPaymentType,
  InitiateRequest,
  InitiateResult,
  KhaltiCallHook,
  LookupResult,
  RefundRequest,
  RefundResult,
  TransactionStatusResult,
} from './khalti.types';
import { KHALTI_PATHS } from './khalti.wire';

export interface KhaltiClientOptions {
  /** Khalti origin, may carry a path prefix (embedded emulator: "http://127.0.0.1:4000/sandbox"). */
  baseUrl: string;
  /** Required for every call but the bank list; a call without it throws before any request. */
  secretKey?: string;
  /**
   * Per attempt. Defaults 3000 / 10000 / 10000 / 15000 ms; never undici's 300 s. totalMs counts
   * from the moment the request is sent (not while it waits for a connection). initiate and
   * refund are never cut by headersMs/bodyMs: once sent, only totalMs ends them.
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number; totalMs?: number };
  /**
   * Only lookup, banks and transactionStatus are retried, and only on KhaltiUnavailableError.
   * Defaults: 2 retries, 200 ms base delay, exponential with jitter.
   */
  retries?: { max?: number; baseDelayMs?: number };
  /** undici Pool size: most concurrent connections to Khalti (KHALTI_MAX_CONNECTIONS, default 64). */
  connections?: number;
  /**
   * Longest wait for a free connection. A call that gets none in time is refused with
   * KhaltiUnavailableError `pool_exhausted` (`nothingSent: true`) before anything is sent, and is
   * not retried. Default min(1000, totalMs / 4).
   */
  queueWaitMs?: number;
  /** Called once per HTTP attempt, with redacted request and response. */
  onCall?: KhaltiCallHook;
}

/** A bank list longer than this many pages is not Khalti's (it has a few dozen banks, 10 per page). */
export const MAX_BANK_PAGES = 50;

export class KhaltiClient {
  private readonly http: KhaltiHttp;
  /**
   * The longest one attempt of a call may take, for callers sizing leases: the wait for a
   * connection, connecting (undici's connect timer may run late), then the deadline from sending.
   */
  readonly totalTimeoutMs: number;

  constructor(options: KhaltiClientOptions) {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(options.timeouts ?? {}) };
    const retries = { ...DEFAULT_RETRIES, ...definedOnly(options.retries ?? {}) };
    for (const [name, ms] of Object.entries(timeouts)) positiveInteger(`timeouts.${name}`, ms);
    positiveInteger('retries.max', retries.max, true);
    positiveInteger('retries.baseDelayMs', retries.baseDelayMs, true);
    const connections = options.connections ?? DEFAULT_CONNECTIONS;
    positiveInteger('connections', connections);
    const queueWaitMs = options.queueWaitMs ?? defaultQueueWaitMs(timeouts.totalMs);
    positiveInteger('queueWaitMs', queueWaitMs);
    this.totalTimeoutMs = queueWaitMs + timeouts.connectMs + UNDICI_CLOCK_SLACK_MS + timeouts.totalMs;
    this.http = new KhaltiHttp({
      baseUrl: options.baseUrl,
      secretKey: options.secretKey,
      timeouts,
      retries,
      connections,
      queueWaitMs,
      onCall: options.onCall,
    });
  }

  /** Connections in use, calls waiting for one, calls refused for want of one so far. */
  connectionStats(): SlotStats {
    return this.http.stats();
  }

  /** Starts a payment. Never retried: a resend could create a second payment for the same order. */
  async initiate(req: InitiateRequest): Promise<InitiateResult> {
    const body = toWireInitiate(req);
    return this.http.send(
      { operation: 'initiate', method: 'POST', path: KHALTI_PATHS.initiate, body, authorized: true, retryable: false },
      { ok: fromWireInitiate, describe: (r) => ({ pidx: r.pidx }) },
    );
  }

  /**
   * The payment's status. Khalti answers Expired and User canceled with HTTP 400 and a full
   * lookup body: those are results, not errors.
   */
  async lookup(pidx: string): Promise<LookupResult> {
    nonEmpty('pidx', pidx);
    return this.http.send(
      { operation: 'lookup', method: 'POST', path: KHALTI_PATHS.lookup, body: { pidx }, authorized: true, retryable: true, pidx },
      {
        ok: (json) => fromWireLookup(json, pidx),
        result: (res: KhaltiHttpResponse) =>
          res.status === 400 && looksLikeLookupResult(res.json) ? fromWireLookup(res.json, pidx) : undefined,
        describe: (r) => (r.transactionId ? { transactionId: r.transactionId } : {}),
      },
    );
  }

  /**
   * Refunds a transaction: wallet `{}` (full) or `{amount}`; bank `{mobile}` or `{mobile, amount}`.
   * Never retried: Khalti's refund is not idempotent. A KhaltiUnavailableError means the outcome
   * is unknown and must be settled by lookup.
   */
  async refund(req: RefundRequest): Promise<RefundResult> {
    nonEmpty('transactionId', req.transactionId);
    const body = toWireRefund(req);
    return this.http.send(
      {
        operation: 'refund',
        method: 'POST',
        path: KHALTI_PATHS.refund(req.transactionId),
        body,
        authorized: true,
        retryable: false,
        transactionId: req.transactionId,
        pidx: req.pidx,
      },
      { ok: fromWireRefund },
    );
  }

  /**
   * The bank list for e-banking or mobile checkout, all pages. Unauthorised (no Authorization
   * header at all). Pages are requested as `page=2,3,...` on our own origin; Khalti's `next` URL is
   * never followed, so a tampered envelope cannot send us to another host.
   */
  async banks(type: BankPaymentType): Promise<Bank[]> {
    const paymentType = toWireBankPaymentType(type);
    const banks: Bank[] = [];
    for (let page = 1; ; page++) {
      const query: Record<string, string> = { payment_type: paymentType };
      if (page > 1) query.page = String(page);
      const result = await this.http.send(
        { operation: 'banks', method: 'GET', path: KHALTI_PATHS.banks, query, authorized: false, retryable: true },
        { ok: fromWireBankPage },
      );
      // Khalti clamps or ignores an unknown page parameter; either would loop forever or repeat records.
      if (result.currentPage !== page) {
        throw new KhaltiUnavailableError(
          'banks',
          'bad_body',
          `asked for page ${page}, got current_page ${result.currentPage}`,
          200,
        );
      }
      banks.push(...result.banks);
      if (result.currentPage >= result.totalPages) return banks;
      if (page >= MAX_BANK_PAGES) {
        throw new KhaltiUnavailableError(
          'banks',
          'bad_body',
          `bank list claims ${result.totalPages} pages; giving up after ${MAX_BANK_PAGES}`,
          200,
        );
      }
    }
  }

  /**
   * Legacy (KPG-1) status by token and amount. Khalti answers `{status, state, detail}` under any
   * HTTP code (e.g. 404 "Transaction not found"); that shape is a result, not an error.
   */
  async transactionStatus(token: string, amount: number): Promise<TransactionStatusResult> {
    nonEmpty('token', token);
    assertPaisa(amount, 'amount');
    return this.http.send(
      {
        operation: 'transactionStatus',
        method: 'GET',
        path: KHALTI_PATHS.transactionStatus,
        query: { token, amount: String(amount) },
        authorized: true,
        retryable: true,
      },
      {
        ok: fromWireTransactionStatus,
        result: (res: KhaltiHttpResponse) =>
          looksLikeTransactionStatus(res.json) ? fromWireTransactionStatus(res.json) : undefined,
      },
    );
  }

  /** Closes the connection pool; in-flight calls finish first. */
  async close(): Promise<void> {
    await this.http.close();
  }
}

function nonEmpty(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string`);
}

function positiveInteger(name: string, value: number, allowZero = false): void {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new TypeError(`KhaltiClient: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  }
}
