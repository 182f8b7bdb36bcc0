/**
 * Typed errors of the Khalti client. None of them ever carries the secret key: messages are
 * built from Khalti's response bodies (which never echo it) and from fixed text.
 */
import type { KhaltiOperation } from './khalti.types';

export abstract class KhaltiError extends Error {
  abstract readonly kind: 'validation' | 'auth' | 'not_found' | 'rejected' | 'unavailable';
  constructor(
    message: string,
    readonly operation: KhaltiOperation,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Khalti's `400 {"<field>": ["msg"], "error_key": "validation_error"}`: field -> messages, verbatim. */
export class KhaltiValidationError extends KhaltiError {
  readonly kind = 'validation' as const;
  constructor(
    operation: KhaltiOperation,
    httpStatus: number,
    readonly fields: Record<string, string[]>,
  ) {
    super(
      `Khalti rejected the ${operation} request: ` +
        Object.entries(fields)
          .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
          .join('; '),
      operation,
      httpStatus,
    );
  }
}

/** 401: `Invalid token.` (wrong key) or `Authentication credentials were not provided.` (no `Key ` prefix). */
export class KhaltiAuthError extends KhaltiError {
  readonly kind = 'auth' as const;
  constructor(
    operation: KhaltiOperation,
    httpStatus: number,
    readonly detail: string,
  ) {
    super(`Khalti refused our credentials: ${detail}`, operation, httpStatus);
  }
}

/** `{"detail":"Not found.","error_key":"validation_error"}`, e.g. an unknown pidx. */
export class KhaltiNotFoundError extends KhaltiError {
  readonly kind = 'not_found' as const;
  constructor(
    operation: KhaltiOperation,
    httpStatus: number,
    readonly detail: string,
  ) {
    super(`Khalti: ${detail}`, operation, httpStatus);
  }
}

/** Any other 4xx with a readable body: Khalti understood and refused (e.g. a refund it will not make). */
export class KhaltiRejectedError extends KhaltiError {
  readonly kind = 'rejected' as const;
  constructor(
    operation: KhaltiOperation,
    httpStatus: number,
    readonly detail: string,
  ) {
    super(`Khalti refused the ${operation} request: ${detail}`, operation, httpStatus);
  }
}

export type UnavailableReason =
  | 'connect' // could not connect
  | 'timeout' // connect, headers or body took too long
  | 'reset' // the connection broke mid-exchange
  | 'server_error' // 5xx or 429
  | 'bad_body' // unreadable, non-JSON or unexpected JSON
  | 'pool_exhausted'; // no connection to Khalti came free in time: refused before anything was sent

export interface UnavailableDetails {
  /**
   * True only when it is certain that no byte of the request left this process: the call was
   * refused while waiting for a connection (`pool_exhausted`), or the connection to Khalti could
   * not be made. False means Khalti may have received the request.
   */
  nothingSent?: boolean;
  /** Khalti's Retry-After (429 or 503), in whole seconds. */
  retryAfterSeconds?: number;
  /** When Khalti asked to be called again; default: now plus retryAfterSeconds. */
  retryAt?: Date;
}

/**
 * Khalti could not be reached or did not answer usefully. For non-idempotent calls
 * (initiate, refund) the outcome is unknown, unless `nothingSent`: the caller must settle it by
 * lookup, not by resending.
 */
export class KhaltiUnavailableError extends KhaltiError {
  readonly kind = 'unavailable' as const;
  /** See UnavailableDetails.nothingSent: true means Khalti certainly holds nothing from this call. */
  readonly nothingSent: boolean;
  /** Khalti's Retry-After in seconds, when it sent one with a 429 or 503. */
  readonly retryAfterSeconds?: number;
  /** When Khalti asked to be called again (the answer's arrival plus retryAfterSeconds). */
  readonly retryAt?: Date;
  constructor(
    operation: KhaltiOperation,
    readonly reason: UnavailableReason,
    message: string,
    httpStatus?: number,
    cause?: unknown,
    details: UnavailableDetails = {},
  ) {
    super(`Khalti ${operation} failed (${reason}): ${message}`, operation, httpStatus, { cause });
    this.nothingSent = details.nothingSent ?? false;
    if (details.retryAfterSeconds !== undefined) {
      this.retryAfterSeconds = details.retryAfterSeconds;
      this.retryAt = details.retryAt ?? new Date(Date.now() + details.retryAfterSeconds * 1000);
    }
  }
}
