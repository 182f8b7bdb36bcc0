/**
 * Khalti's two public origins. The API paths (`/api/v2/...`, `/api/v5/bank/`,
 * `/api/merchant-transaction/...`) are appended by the client, so these are bare origins.
 * Tests never contact them: they point the client at a local fake or the embedded emulator.
 */
export const KHALTI_ORIGINS = {
  sandbox: 'https://dev.khalti.com',
  production: 'https://khalti.com',
} as const;

export type KhaltiRemoteEnv = keyof typeof KHALTI_ORIGINS;

/** The Khalti origin for a remote environment (`embedded` has no fixed origin: it lives under our own PUBLIC_URL). */
export function khaltiOriginFor(env: KhaltiRemoteEnv): string {
  const origin = KHALTI_ORIGINS[env];
  if (!origin) throw new TypeError(`Unknown Khalti environment: ${String(env)}`);
  return origin;
}
