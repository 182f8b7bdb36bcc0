/**
 * Top-level errors and their `extensions.code` (DESIGN section 3). Anything we did not mean to
 * show is masked to INTERNAL_SERVER_ERROR with an id that also appears in the log line.
 */
import { randomUUID } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { describeStorageError } from '../db/storage-errors';
import type { LogFields } from '../logger';
import {
  KhaltiAuthError,
  KhaltiError,
  KhaltiNotFoundError,
  KhaltiRejectedError,
  KhaltiUnavailableError,
  KhaltiValidationError,
} from '../khalti/khalti.errors';
import { ERROR_CODES, type ErrorCode } from './error-codes';

export type { ErrorCode } from './error-codes';

export function gatewayError(code: ErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** Codes graphql-js and Apollo produce for requests that never reached a resolver. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE']);
/** Codes a resolver may raise as they are; anything else (INTERNAL_SERVER_ERROR included) is masked below. */
const OUR_CODES = new Set<string>(ERROR_CODES.filter((code) => code !== 'INTERNAL_SERVER_ERROR'));

export type ErrorLogger = (line: string, fields?: LogFields) => void;

export function createErrorFormatter(log: ErrorLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const path = formatted.path;

    if (original instanceof KhaltiUnavailableError) {
      return {
        message: `Khalti is unavailable (${original.reason}); nothing was changed, try again shortly.`,
        path,
        extensions: { code: 'UPSTREAM_UNAVAILABLE', ...upstreamStatus(original) },
      };
    }
    if (original instanceof KhaltiAuthError) {
      log(`khalti rejected the gateway's secret key: ${original.detail}`, { level: 'error' });
      return { message: "Khalti rejected the gateway's credentials; the operator must check KHALTI_SECRET_KEY.", path, extensions: { code: 'UPSTREAM_AUTH' } };
    }
    if (original instanceof KhaltiNotFoundError && original.operation === 'lookup') {
      // Khalti answered, and does not know the pidx (its record was lost, or it expired away):
      // not an outage, and the message says so rather than "could not answer".
      const status = original.httpStatus === undefined ? '' : `HTTP ${original.httpStatus}: `;
      return {
        message: `Khalti does not know this payment (its lookup answered ${status}${original.detail}); nothing was changed.`,
        path,
        extensions: { code: 'UPSTREAM_UNAVAILABLE', ...upstreamStatus(original) },
      };
    }
    if (original instanceof KhaltiError) {
      // A Khalti answer no service turned into a result or userErrors: a lookup answered 404
      // "Not found." or 400 without a lookup body, an initiate 404. The caller cannot fix it and
      // nothing was changed; it is Khalti's trouble, not ours, so not INTERNAL_SERVER_ERROR.
      return { message: upstreamRefusal(original), path, extensions: { code: 'UPSTREAM_UNAVAILABLE', ...upstreamStatus(original) } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && OUR_CODES.has(code) && !(original instanceof KhaltiError)) {
      return { message: formatted.message, path, locations: formatted.locations, extensions: { code } };
    }
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return { message: formatted.message, locations: formatted.locations, path, extensions: { code: 'BAD_USER_INPUT' } };
    }
    const errorId = randomUUID();
    const detail = original instanceof Error ? `${original.name}: ${original.message}` : String(original);
    // The stack goes to the log only (never to the caller), with the id the caller was given.
    log(`internal error ${errorId}: ${detail}`, { level: 'error', errorId, ...(original instanceof Error ? { err: original } : {}) });
    // Storage failures get a code of their own (a client may retry a busy database) and plain words.
    const storage = describeStorageError(original);
    if (storage) return { message: `${storage} (id ${errorId})`, path, extensions: { code: 'STORAGE_UNAVAILABLE', errorId } };
    return { message: `Internal server error (id ${errorId}).`, path, extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } };
  };
}

/** The HTTP status Khalti answered with, when it answered at all. */
function upstreamStatus(error: KhaltiError): { upstreamStatus?: number } {
  return error.httpStatus === undefined ? {} : { upstreamStatus: error.httpStatus };
}

/** Khalti's own words are short ("Not found.", a field message); a long body is cut. */
const DETAIL_MAX_CHARS = 200;

function upstreamRefusal(error: KhaltiError): string {
  let detail: string;
  if (error instanceof KhaltiValidationError) {
    detail = Object.entries(error.fields).map(([field, messages]) => `${field}: ${messages.join(' ')}`).join('; ');
  } else if (error instanceof KhaltiNotFoundError || error instanceof KhaltiRejectedError) {
    detail = error.detail;
  } else {
    detail = error.message;
  }
  if (detail.length > DETAIL_MAX_CHARS) detail = `${detail.slice(0, DETAIL_MAX_CHARS)}…`;
  const status = error.httpStatus === undefined ? '' : `HTTP ${error.httpStatus}: `;
  return `Khalti could not answer the ${error.operation} (${status}${detail}); nothing was changed.`;
}
