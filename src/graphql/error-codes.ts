/**
 * The top-level error codes (`errors[].extensions.code`, DESIGN section 3), defined once: the
 * formatter only ever emits these, and the schema carries them as the enum `ErrorCode` (no field
 * returns it; it is there so typed clients and people reading the SDL can switch on the codes).
 */
import { GraphQLEnumType } from 'graphql';

export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_AUTH',
  'RATE_LIMITED',
  'STORAGE_UNAVAILABLE',
  'SUBSCRIBER_TOO_SLOW',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const DESCRIPTIONS: Record<ErrorCode, string> = {
  UNAUTHENTICATED: 'No API key, or one the gateway does not know (HTTP 401). Send `Authorization: Bearer <key>`.',
  FORBIDDEN: "The key's role may not run this operation or read this field; for a field, the rest of the answer is still returned.",
  BAD_USER_INPUT:
    'The request itself is wrong: GraphQL syntax or validation, bad variables or cursors, a limit exceeded (depth, aliases, cost...). ' +
    'Nothing ran. (Problems with the values of an input come back as `userErrors` instead.)',
  UPSTREAM_UNAVAILABLE:
    'Khalti could not be reached, timed out, failed (5xx), or answered something the gateway cannot trust; `extensions.upstreamStatus` ' +
    'carries its HTTP status when it answered. Nothing was changed; try again shortly.',
  UPSTREAM_AUTH: "Khalti rejected the gateway's own credentials (KHALTI_SECRET_KEY): an operator must fix the configuration.",
  RATE_LIMITED: 'Too many operations for this key; `extensions.retryAfterSeconds` (and, over HTTP, `Retry-After`) says when to try again.',
  STORAGE_UNAVAILABLE:
    "The gateway's database could not take the request (busy with another writer, out of space, read-only or unreachable); " +
    'nothing was written. Busy: try again shortly; otherwise an operator must act. `extensions.errorId` is also in its log.',
  SUBSCRIBER_TOO_SLOW:
    'A subscriber fell too far behind the events sent to it (over WebSocket or /graphql/stream) and its subscription was ended. ' +
    'Nothing was lost: subscribe again with `after` set to the cursor of the last event received.',
  INTERNAL_SERVER_ERROR: 'Something failed inside the gateway; the message is masked to an id (`extensions.errorId`) that is also in its log.',
};

export const ERROR_CODE_ENUM = new GraphQLEnumType({
  name: 'ErrorCode',
  description:
    'The codes of top-level GraphQL errors (`errors[].extensions.code`). Switch on these, not on messages. No field returns this ' +
    'enum: it documents the codes for typed clients.',
  values: Object.fromEntries(ERROR_CODES.map((code) => [code, { value: code, description: DESCRIPTIONS[code] }])),
});
