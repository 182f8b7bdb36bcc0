/**
 * PaymentStatusChange.cursor: a change's position in the change log (its status-change audit row
 * id), opaque to clients (base64url of `sc:<id>`) and stable (the row is never updated). Decoded
 * strictly: only what encodeStatusChangeCursor makes is accepted, so a connection's cursor or a
 * hand-edited string is refused rather than read as some other position.
 */
import { gatewayError } from './errors';

const PREFIX = 'sc:';
const DECODED = /^sc:([1-9][0-9]{0,15})$/;

export function encodeStatusChangeCursor(auditId: number): string {
  return Buffer.from(`${PREFIX}${auditId}`, 'utf8').toString('base64url');
}

/** The audit row id a cursor names; BAD_USER_INPUT naming `after` for anything else. */
export function decodeStatusChangeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = DECODED.exec(text);
  // base64url decoding ignores stray characters: the cursor must also be exactly what we would make.
  if (match && encodeStatusChangeCursor(Number(match[1])) === cursor && Number.isSafeInteger(Number(match[1]))) return Number(match[1]);
  throw gatewayError('BAD_USER_INPUT', 'after: not a cursor of a payment status change (use PaymentStatusChange.cursor as received).');
}
