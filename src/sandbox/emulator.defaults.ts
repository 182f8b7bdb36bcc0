/**
 * Keys the emulator accepts when nobody configured one. They are public on purpose: the emulator
 * holds no money, and a merchant (or the gateway's embedded mode) must be able to talk to it
 * without asking anyone for credentials. The names say loudly that they are not real keys.
 */
export const EMULATOR_DEFAULT_SECRET_KEY = 'emulator_secret_key_not_for_production';
export const EMULATOR_DEFAULT_PUBLIC_KEY = 'emulator_public_key_not_for_production';

/** Khalti's sandbox default link lifetime, as its initiate samples show (`expires_in: 1800`). */
export const DEFAULT_TTL_SECONDS = 1800;
/** Khalti disables a payment "after multiple incorrect pin attempts"; three is our reading. */
export const DEFAULT_MPIN_ATTEMPTS_BEFORE_LOCK = 3;
/** Small on purpose, so the ~20-bank fixture spans pages and clients must paginate. */
export const DEFAULT_BANK_PAGE_SIZE = 10;

/** Khalti's published sandbox test credentials (docs: "Test Credentials for sandbox environment"). */
export const TEST_KHALTI_IDS: readonly string[] = [
  '9800000000',
  '9800000001',
  '9800000002',
  '9800000003',
  '9800000004',
  '9800000005',
];
export const TEST_MPIN = '1111';
export const TEST_OTP = '987654';
