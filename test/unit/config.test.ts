import { loadConfig } from '../../src/config';
import { configError } from '../support/config-error';
import { EMULATOR_DEFAULT_SECRET_KEY } from '../../src/sandbox/emulator.defaults';

const ADMIN = 'admin-key-0123456789abcdef';
const CLIENT = 'client-key-0123456789abcdef';
/** Everything KHALTI_ENV=production requires, so a test can take one thing away. */
const PRODUCTION = {
  KHALTI_ENV: 'production',
  NODE_ENV: 'production',
  KHALTI_SECRET_KEY: 'live_secret_key_x',
  GATEWAY_ADMIN_KEYS: ADMIN,
  PUBLIC_URL: 'https://pay.shop.example.com',
  RETURN_URL_ORIGINS: 'https://shop.example.com',
};


describe('loadConfig', () => {
  it('runs embedded with nothing set: default port, SQLite file, emulator key, generated keys', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.khalti.env).toBe('embedded');
    expect(config.khalti.baseUrl).toBeUndefined();
    expect(config.khalti.secretKey).toBe(EMULATOR_DEFAULT_SECRET_KEY);
    expect(config.database.url).toBe('file:./data/khalti-graphql.sqlite');
    expect(config.apiKeys.generated).toBe(true);
    expect(config.apiKeys.admin).toHaveLength(1);
    expect(config.apiKeys.client).toHaveLength(1);
    expect(config.apiKeys.admin[0]).not.toBe(config.apiKeys.client[0]);
    expect(config.reconcileIntervalMs).toBe(15000);
    expect(config.khalti.timeoutMs).toBe(15000);
    expect(config.khalti.maxConnections).toBe(64);
  });

  it('reads KHALTI_MAX_CONNECTIONS between 1 and 1024', () => {
    expect(loadConfig({ KHALTI_MAX_CONNECTIONS: '1' }).khalti.maxConnections).toBe(1);
    expect(loadConfig({ KHALTI_MAX_CONNECTIONS: ' 1024 ' }).khalti.maxConnections).toBe(1024);
    expect(loadConfig({ KHALTI_MAX_CONNECTIONS: '' }).khalti.maxConnections).toBe(64);
  });

  it('never invents keys outside embedded mode', () => {
    const error = configError({ KHALTI_ENV: 'sandbox', KHALTI_SECRET_KEY: 'live_secret_key_x' });
    expect(error.variable).toBe('GATEWAY_ADMIN_KEYS');
  });

  it('uses configured keys and the origin the environment implies', () => {
    const config = loadConfig({ ...PRODUCTION, GATEWAY_CLIENT_KEYS: ` ${CLIENT} ,` });
    expect(config.khalti.baseUrl).toBe('https://khalti.com');
    expect(config.apiKeys).toEqual({ admin: [ADMIN], client: [CLIENT], server: [], generated: false });
  });

  it('lets KHALTI_BASE_URL override the origin (tests point it at a fake)', () => {
    const config = loadConfig({ KHALTI_ENV: 'sandbox', KHALTI_SECRET_KEY: 'k', KHALTI_BASE_URL: 'http://127.0.0.1:9999/', GATEWAY_CLIENT_KEYS: CLIENT });
    expect(config.khalti.baseUrl).toBe('http://127.0.0.1:9999');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ KHALTI_ENV: 'staging' }, 'KHALTI_ENV'],
    [{ KHALTI_ENV: 'sandbox', GATEWAY_ADMIN_KEYS: ADMIN }, 'KHALTI_SECRET_KEY'],
    [{ KHALTI_BASE_URL: 'ftp://x' }, 'KHALTI_BASE_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://' }, 'DATABASE_URL'],
    [{ GATEWAY_ADMIN_KEYS: 'short' }, 'GATEWAY_ADMIN_KEYS'],
    [{ GATEWAY_ADMIN_KEYS: ADMIN, GATEWAY_CLIENT_KEYS: ADMIN }, 'GATEWAY_CLIENT_KEYS'],
    [{ RECONCILE_INTERVAL_MS: '-5' }, 'RECONCILE_INTERVAL_MS'],
    [{ RECONCILE_INTERVAL_MS: '10' }, 'RECONCILE_INTERVAL_MS'],
    [{ KHALTI_TIMEOUT_MS: '100' }, 'KHALTI_TIMEOUT_MS'],
    [{ KHALTI_TIMEOUT_MS: 'soon' }, 'KHALTI_TIMEOUT_MS'],
    [{ KHALTI_MAX_CONNECTIONS: '0' }, 'KHALTI_MAX_CONNECTIONS'],
    [{ KHALTI_MAX_CONNECTIONS: '1025' }, 'KHALTI_MAX_CONNECTIONS'],
    [{ KHALTI_MAX_CONNECTIONS: 'many' }, 'KHALTI_MAX_CONNECTIONS'],
    [{ GRAPHQL_INTROSPECTION: 'yes' }, 'GRAPHQL_INTROSPECTION'],
    [{ GRAPHQL_MAX_DEPTH: '1' }, 'GRAPHQL_MAX_DEPTH'],
    [{ GRAPHQL_MAX_TOKENS: 'lots' }, 'GRAPHQL_MAX_TOKENS'],
    [{ GRAPHQL_MAX_ALIASES: '-1' }, 'GRAPHQL_MAX_ALIASES'],
    [{ GRAPHQL_MAX_ROOT_FIELDS: '0' }, 'GRAPHQL_MAX_ROOT_FIELDS'],
    [{ GRAPHQL_MAX_COST: '1.5' }, 'GRAPHQL_MAX_COST'],
    [{ RATE_LIMIT_PER_MINUTE: 'ten' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ RATE_LIMIT_INITIATE_PER_MINUTE: '-1' }, 'RATE_LIMIT_INITIATE_PER_MINUTE'],
    [{ RATE_LIMIT_REFUND_PER_MINUTE: '2x' }, 'RATE_LIMIT_REFUND_PER_MINUTE'],
    [{ WS_ALLOWED_ORIGINS: 'shop.example.com' }, 'WS_ALLOWED_ORIGINS'],
    [{ WS_ALLOWED_ORIGINS: 'https://shop.example.com/checkout' }, 'WS_ALLOWED_ORIGINS'],
    [{ WS_ALLOWED_ORIGINS: 'ftp://shop.example.com' }, 'WS_ALLOWED_ORIGINS'],
  ])('stops on %j naming %s in one line', (env, variable) => {
    const error = configError(env as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('never echoes a key value in its error', () => {
    const error = configError({ GATEWAY_ADMIN_KEYS: `${ADMIN},tiny-secret` });
    expect(error.message).not.toContain('tiny-secret');
    expect(error.message).toContain('#2');
  });

  describe('GraphQL hardening', () => {
    it('defaults: introspection on outside production, limits and rate limits at their defaults, no extra origins', () => {
      const config = loadConfig({});
      expect(config.production).toBe(false);
      expect(config.graphql).toEqual({
        introspection: true,
        limits: { maxTokens: 2000, maxDepth: 8, maxAliases: 15, maxRootFields: 10, maxCost: 5000 },
        rateLimits: { perMinute: 600, initiatePerMinute: 120, refundPerMinute: 60 },
        wsAllowedOrigins: [],
        trustedDocuments: null,
        // The cap follows this machine's open-files limit (socket-limits.test.ts covers how).
        websocket: { maxConnections: expect.any(Number), messagesPerSecond: 50, messageBurst: 100 },
      });
    });

    it('turns introspection off in production unless GRAPHQL_INTROSPECTION enables it', () => {
      expect(loadConfig({ NODE_ENV: 'production' }).graphql.introspection).toBe(false);
      expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).graphql.introspection).toBe(true);
      expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: ' TRUE ' }).graphql.introspection).toBe(true);
      expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).graphql.introspection).toBe(false);
    });

    it('reads the limits and rate limits, 0 turning a rate limit off', () => {
      const config = loadConfig({
        GRAPHQL_MAX_TOKENS: '500',
        GRAPHQL_MAX_DEPTH: '6',
        GRAPHQL_MAX_ALIASES: '0',
        GRAPHQL_MAX_ROOT_FIELDS: '3',
        GRAPHQL_MAX_COST: '900',
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_INITIATE_PER_MINUTE: '30',
        RATE_LIMIT_REFUND_PER_MINUTE: '5',
      });
      expect(config.graphql.limits).toEqual({ maxTokens: 500, maxDepth: 6, maxAliases: 0, maxRootFields: 3, maxCost: 900 });
      expect(config.graphql.rateLimits).toEqual({ perMinute: 0, initiatePerMinute: 30, refundPerMinute: 5 });
    });

    it('reads WS_ALLOWED_ORIGINS as normalised origins, or *', () => {
      expect(loadConfig({ WS_ALLOWED_ORIGINS: ' https://Shop.Example.com/ , http://localhost:3000,' }).graphql.wsAllowedOrigins).toEqual([
        'https://shop.example.com',
        'http://localhost:3000',
      ]);
      expect(loadConfig({ WS_ALLOWED_ORIGINS: '*' }).graphql.wsAllowedOrigins).toEqual(['*']);
    });
  });
});

describe('loadConfig: roles, merchant secret and return-URL origins', () => {
  it('reads server keys and refuses a key in two roles', () => {
    const SERVER = 'server-key-0123456789abcdef';
    expect(loadConfig({ GATEWAY_ADMIN_KEYS: ADMIN, GATEWAY_SERVER_KEYS: SERVER }).apiKeys.server).toEqual([SERVER]);
    expect(configError({ GATEWAY_ADMIN_KEYS: ADMIN, GATEWAY_SERVER_KEYS: ADMIN }).variable).toBe('GATEWAY_SERVER_KEYS');
    expect(configError({ GATEWAY_CLIENT_KEYS: CLIENT, GATEWAY_SERVER_KEYS: CLIENT }).variable).toBe('GATEWAY_SERVER_KEYS');
  });

  it('wants a MERCHANT_SECRET of 32 characters or more and never echoes it', () => {
    const error = configError({ MERCHANT_SECRET: 'too-short-secret' });
    expect(error.variable).toBe('MERCHANT_SECRET');
    expect(error.message).not.toContain('too-short-secret');
    expect(loadConfig({ MERCHANT_SECRET: 'm'.repeat(32) }).merchantSecret).toBe('m'.repeat(32));
  });

  it('wants a METRICS_TOKEN of 16 characters or more without whitespace, and never echoes it', () => {
    const short = configError({ METRICS_TOKEN: 'short-token' });
    expect(short.variable).toBe('METRICS_TOKEN');
    expect(short.message).not.toContain('short-token');
    const spaced = configError({ METRICS_TOKEN: 'metrics token with spaces' });
    expect(spaced.variable).toBe('METRICS_TOKEN');
    expect(spaced.message).not.toContain('with spaces');
    expect(loadConfig({ METRICS_TOKEN: 't'.repeat(16) }).metricsToken).toBe('t'.repeat(16));
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });

  it('reads LOG_LEVEL (debug, info, warn, error; default info) and names it when it is anything else', () => {
    expect(loadConfig({}).logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    const error = configError({ LOG_LEVEL: 'verbose' });
    expect(error.variable).toBe('LOG_LEVEL');
    expect(error.message).toBe('LOG_LEVEL: must be one of debug, info, warn, error, got "verbose"');
  });

  it('requires RETURN_URL_ORIGINS in production, as origins without `*`', () => {
    const production = { ...PRODUCTION, RETURN_URL_ORIGINS: '' };
    expect(configError(production).variable).toBe('RETURN_URL_ORIGINS');
    expect(configError({ ...production, RETURN_URL_ORIGINS: '*' }).variable).toBe('RETURN_URL_ORIGINS');
    expect(configError({ RETURN_URL_ORIGINS: 'https://shop.example.com/path' }).variable).toBe('RETURN_URL_ORIGINS');
    expect(loadConfig({ ...production, RETURN_URL_ORIGINS: 'https://shop.example.com, https://m.shop.example.com:8443' }).returnUrlOrigins).toEqual([
      'https://shop.example.com',
      'https://m.shop.example.com:8443',
    ]);
    expect(loadConfig({}).returnUrlOrigins).toBeNull();
  });
});

describe('loadConfig: production refuses unsafe settings', () => {
  it('starts with everything production needs', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.production).toBe(true);
    expect(config.publicUrl).toBe('https://pay.shop.example.com');
    expect(config.database.url).toBe('file:./data/khalti-graphql.sqlite');
  });

  it.each([
    ['NODE_ENV unset', { NODE_ENV: undefined }, 'NODE_ENV'],
    ['NODE_ENV=development', { NODE_ENV: 'development' }, 'NODE_ENV'],
    ['no PUBLIC_URL', { PUBLIC_URL: undefined }, 'PUBLIC_URL'],
    ['an http PUBLIC_URL', { PUBLIC_URL: 'http://pay.shop.example.com' }, 'PUBLIC_URL'],
    ['no RETURN_URL_ORIGINS', { RETURN_URL_ORIGINS: undefined }, 'RETURN_URL_ORIGINS'],
    ['an in-memory database', { DATABASE_URL: ':memory:' }, 'DATABASE_URL'],
  ])('stops on %s, naming the variable in one line', (_what, change, variable) => {
    const error = configError({ ...PRODUCTION, ...change } as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).toContain('KHALTI_ENV=production');
    expect(error.message).not.toContain('\n');
  });

  it('allows each of those outside production', () => {
    for (const env of ['embedded', 'sandbox']) {
      const config = loadConfig({ ...PRODUCTION, KHALTI_ENV: env, NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:4000', RETURN_URL_ORIGINS: '', DATABASE_URL: ':memory:' });
      expect([config.khalti.env, config.database.url]).toEqual([env, ':memory:']);
    }
  });
});

describe('loadConfig: HOST and shutdown timing', () => {
  it('listens on 127.0.0.1 in embedded mode and on all interfaces otherwise, unless HOST says', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ KHALTI_ENV: 'sandbox', KHALTI_SECRET_KEY: 'k', GATEWAY_ADMIN_KEYS: ADMIN }).host).toBe('0.0.0.0');
    expect(loadConfig(PRODUCTION).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...PRODUCTION, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
  });

  it('waits for load balancers outside embedded mode and gives requests the Khalti timeout plus 10 s (the wait for a connection and connecting come before it)', () => {
    expect(loadConfig({}).shutdown).toEqual({ delayMs: 0, graceMs: 25000 });
    expect(loadConfig(PRODUCTION).shutdown).toEqual({ delayMs: 5000, graceMs: 25000 });
    expect(loadConfig({ KHALTI_TIMEOUT_MS: '30000' }).shutdown.graceMs).toBe(40000);
    expect(loadConfig({ SHUTDOWN_DELAY_MS: '15000', SHUTDOWN_GRACE_MS: '0' }).shutdown).toEqual({ delayMs: 15000, graceMs: 0 });
    expect(configError({ SHUTDOWN_DELAY_MS: 'soon' }).variable).toBe('SHUTDOWN_DELAY_MS');
    expect(configError({ SHUTDOWN_GRACE_MS: '-1' }).variable).toBe('SHUTDOWN_GRACE_MS');
  });
});
