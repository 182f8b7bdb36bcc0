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
  | 'bad_body'; // unreadable, non-JSON or unexpected JSON

/**
 * Khalti could not be reached or did not answer usefully. For non-idempotent calls
 * (initiate, refund) the outcome is unknown: the caller must settle it by lookup, not by resending.
 */
export class KhaltiUnavailableError extends KhaltiError {
  readonly kind = 'unavailable' as const;
  constructor(
    operation: KhaltiOperation,
    readonly reason: UnavailableReason,
    message: string,
    httpStatus?: number,
    cause?: unknown,
  ) {
    super(`Khalti ${operation} failed (${reason}): ${message}`, operation, httpStatus, { cause });
  }
}
