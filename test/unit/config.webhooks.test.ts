import { DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS, loadConfig } from '../../src/config';
import { configError } from '../support/config-error';

const SANDBOX = { KHALTI_ENV: 'sandbox', KHALTI_SECRET_KEY: 'sandbox-secret-key', GATEWAY_ADMIN_KEYS: 'admin-key-0123456789abcdef' };

describe('loadConfig: WEBHOOK_*', () => {
  it('defaults: DESIGN section 2 schedule, 15 s attempts, private addresses only in embedded mode, no signing key', () => {
    const embedded = loadConfig({}).webhooks;
    expect(embedded).toEqual({ allowPrivate: true, retryScheduleMs: DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS, signingKey: undefined, timeoutMs: 15000, pollIntervalMs: 1000, concurrency: 8 });
    expect(DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS).toEqual([5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000]);
    expect(loadConfig(SANDBOX).webhooks.allowPrivate).toBe(false);
    expect(loadConfig({ ...SANDBOX, WEBHOOK_ALLOW_PRIVATE: 'true' }).webhooks.allowPrivate).toBe(true);
  });

  it('reads the schedule, the signing key and the worker settings', () => {
    const key = 'k'.repeat(32);
    const config = loadConfig({ WEBHOOK_RETRY_SCHEDULE_MS: ' 50, 100 ,2000', WEBHOOK_SIGNING_KEY: key, WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_CONCURRENCY: '2' }).webhooks;
    expect(config).toMatchObject({ retryScheduleMs: [50, 100, 2000], signingKey: key, timeoutMs: 500, pollIntervalMs: 20, concurrency: 2 });
  });

  it.each([
    [{ WEBHOOK_RETRY_SCHEDULE_MS: '5000,soon' }, 'WEBHOOK_RETRY_SCHEDULE_MS', /comma-separated whole milliseconds/],
    [{ WEBHOOK_RETRY_SCHEDULE_MS: '0' }, 'WEBHOOK_RETRY_SCHEDULE_MS', /between 1 and 604800000/],
    [{ WEBHOOK_RETRY_SCHEDULE_MS: '1.5' }, 'WEBHOOK_RETRY_SCHEDULE_MS', /whole milliseconds/],
    [{ WEBHOOK_RETRY_SCHEDULE_MS: Array(51).fill('10').join(',') }, 'WEBHOOK_RETRY_SCHEDULE_MS', /at most 50 delays/],
    [{ WEBHOOK_SIGNING_KEY: 'short' }, 'WEBHOOK_SIGNING_KEY', /at least 32 characters/],
    [{ WEBHOOK_ALLOW_PRIVATE: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE', /true or false/],
  ])('refuses %j in one line naming the variable', (env, variable, message) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('never puts the signing key in a refusal', () => {
    expect(configError({ WEBHOOK_SIGNING_KEY: 'too-short-secret' }).message).not.toContain('too-short-secret');
  });
});
