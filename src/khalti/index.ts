/** The public surface of the Khalti client. Nothing outside src/khalti/ needs the wire types. */
export { KhaltiClient, MAX_BANK_PAGES, type KhaltiClientOptions } from './khalti.client';
export {
  KhaltiError,
  KhaltiValidationError,
  KhaltiAuthError,
  KhaltiNotFoundError,
  KhaltiRejectedError,
  KhaltiUnavailableError,
  type UnavailableReason,
} from './khalti.errors';
export { mapKhaltiStatus } from './khalti.status';
export { KHALTI_ORIGINS, khaltiOriginFor, type KhaltiRemoteEnv } from './khalti.origins';
export { redact, REDACTED, PERSONAL_DATA } from './khalti.redact';
export { DEFAULT_TIMEOUTS, DEFAULT_RETRIES, DEFAULT_CONNECTIONS } from './khalti.http';
export * from './khalti.types';
