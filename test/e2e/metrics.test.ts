/**
 * GET /metrics over real HTTP: counters move by exactly what was done, gauges read the database,
 * the subscription gauge follows a real WebSocket, and METRICS_TOKEN guards the route.
 */
import { request } from 'undici';
import { ADMIN_KEY, SERVER_KEY, startGateway, type TestGateway } from '../support/gateway';
import { scrape, type Scrape } from '../support/metrics';
import { INITIATE, REFUND, STATUS_CHANGED, VERIFY, orderInput } from '../support/operations';
import { completed, initiated } from '../support/payments';
import { connected, subscribe } from '../support/subscriptions';

/** Waits (bounded) until the scrape satisfies the condition; a condition reached, never an absence proved. */
async function until(url: string, condition: (metrics: Scrape) => boolean, tries = 200): Promise<Scrape> {
  for (let i = 0; ; i++) {
    const metrics = await scrape(url);
    if (condition(metrics)) return metrics;
    if (i >= tries) throw new Error(`metrics never matched:\n${metrics.text.split('\n').filter((l) => l.startsWith('gateway_')).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('GET /metrics', () => {
  let gateway: TestGateway;
  let clock = Date.now();
  beforeAll(async () => {
    gateway = await startGateway({}, { now: () => new Date(clock) });
  });
  afterAll(() => gateway.close());
  afterEach(() => gateway.control('DELETE', '/faults'));

  it('serves the text format, open without METRICS_TOKEN, with Node process metrics and every documented metric', async () => {
    const metrics = await scrape(gateway.app.url);
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'khalti_requests_total',
      'khalti_request_duration_seconds',
      'gateway_graphql_operations_total',
      'gateway_payments_by_status',
      'gateway_refunds_unknown',
      'gateway_reconciler_due',
      'gateway_subscriptions_active',
      'gateway_webhook_deliveries_total',
      'gateway_late_completions_total',
      'gateway_amount_mismatches_total',
      'gateway_reconciler_last_pass_timestamp_seconds',
    ]) {
      expect(metrics.text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts Khalti calls and GraphQL operations by exactly what was done', async () => {
    const before = await scrape(gateway.app.url);
    const delta = (after: Scrape, name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);

    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    // One 503, then the retry succeeds: two lookup attempts, one of each outcome.
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 503, count: 1 });
    const verified = await gateway.gql(VERIFY, { pidx });
    expect(verified.data.verifyPayment.status).toBe('COMPLETED');
    // A userError (amount below the minimum) never reaches Khalti.
    const refused = await gateway.gql(INITIATE, { input: orderInput({ amount: 5, amountBreakdown: null }) });
    expect(refused.data.initiatePayment.userErrors.length).toBeGreaterThan(0);
    // A read of an unknown pidx answers null: an ok operation, no Khalti call.
    const unknown = await gateway.gql('{ payment(pidx: "x") { pidx } }', {}, ADMIN_KEY);
    expect(unknown.errors).toBeUndefined();

    const after = await scrape(gateway.app.url);
    expect(delta(after, 'khalti_requests_total', { operation: 'initiate', outcome: 'ok' })).toBe(1);
    expect(delta(after, 'khalti_requests_total', { operation: 'lookup', outcome: 'ok' })).toBe(1);
    expect(delta(after, 'khalti_requests_total', { operation: 'lookup', outcome: 'http_5xx' })).toBe(1);
    expect(delta(after, 'khalti_requests_total', { operation: 'lookup', outcome: 'unavailable' })).toBe(0);
    expect(delta(after, 'khalti_request_duration_seconds_count', { operation: 'lookup' })).toBe(2);
    expect(delta(after, 'khalti_request_duration_seconds_count', { operation: 'initiate' })).toBe(1);
    expect(delta(after, 'gateway_graphql_operations_total', { operation: 'initiatePayment', outcome: 'ok' })).toBe(1);
    expect(delta(after, 'gateway_graphql_operations_total', { operation: 'initiatePayment', outcome: 'user_error' })).toBe(1);
    expect(delta(after, 'gateway_graphql_operations_total', { operation: 'verifyPayment', outcome: 'ok' })).toBe(1);
    expect(delta(after, 'gateway_graphql_operations_total', { operation: 'payment', outcome: 'ok' })).toBe(1);
  });

  it('counts a call that got no answer as unavailable', async () => {
    const before = await scrape(gateway.app.url);
    await gateway.control('POST', '/faults', { route: 'initiate', kind: 'reset' });
    const result = await gateway.gql(INITIATE, { input: orderInput() });
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const after = await scrape(gateway.app.url);
    const labels = { operation: 'initiate', outcome: 'unavailable' };
    expect(after.value('khalti_requests_total', labels) - before.value('khalti_requests_total', labels)).toBe(1);
    const failed = { operation: 'initiatePayment', outcome: 'UPSTREAM_UNAVAILABLE' };
    expect(after.value('gateway_graphql_operations_total', failed) - before.value('gateway_graphql_operations_total', failed)).toBe(1);
  });

  it('labels a failed operation with its error code, and bounds operation names to the schema', async () => {
    const before = await scrape(gateway.app.url);
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 503, count: 10 });
    const { pidx } = await initiated(gateway);
    const failed = await gateway.gql(VERIFY, { pidx });
    expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const invalid = await gateway.gql('query Anything { noSuchField }', {});
    expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const after = await scrape(gateway.app.url);
    expect(after.value('gateway_graphql_operations_total', { operation: 'verifyPayment', outcome: 'UPSTREAM_UNAVAILABLE' }) - before.value('gateway_graphql_operations_total', { operation: 'verifyPayment', outcome: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(after.value('gateway_graphql_operations_total', { operation: 'unknown', outcome: 'BAD_USER_INPUT' }) - before.value('gateway_graphql_operations_total', { operation: 'unknown', outcome: 'BAD_USER_INPUT' })).toBe(1);
    expect(after.text).not.toContain('noSuchField');
    expect(after.text).not.toContain('Anything');
  });

  it('reads payments by status, UNKNOWN refunds and due lookups from the database at scrape time', async () => {
    const before = await scrape(gateway.app.url);
    const { pidx } = await initiated(gateway);
    const paid = await completed(gateway);
    await gateway.control('POST', '/faults', { route: 'refund', kind: 'reset', phase: 'before' });
    const lost = await gateway.gql(REFUND, { input: { pidx: paid.pidx, amount: 300 } }, ADMIN_KEY);
    expect(lost.data.refund.refund.state).toBe('UNKNOWN');

    const after = await scrape(gateway.app.url);
    expect(after.value('gateway_payments_by_status', { status: 'INITIATED' })).toBe(before.value('gateway_payments_by_status', { status: 'INITIATED' }) + 1);
    expect(after.value('gateway_payments_by_status', { status: 'COMPLETED' })).toBe(before.value('gateway_payments_by_status', { status: 'COMPLETED' }) + 1);
    expect(after.text).toMatch(/^gateway_payments_by_status\{status="EXPIRED"\} \d+$/m);
    expect(after.value('gateway_refunds_unknown')).toBe(before.value('gateway_refunds_unknown') + 1);

    // Nothing is due until the clock passes the first lookup time; then the reconciler's pass clears it.
    expect(after.value('gateway_reconciler_due')).toBe(0);
    clock += 60_000;
    const due = await scrape(gateway.app.url);
    expect(due.value('gateway_reconciler_due')).toBeGreaterThanOrEqual(1);
    await gateway.control('DELETE', '/faults');
    await gateway.app.reconciler.runOnce();
    const passed = await scrape(gateway.app.url);
    expect(passed.value('gateway_reconciler_due')).toBe(0);
    expect(passed.value('gateway_reconciler_last_pass_timestamp_seconds')).toBe(clock / 1000);
    // Khalti never received that refund: a lookup cannot prove it failed, so it stays UNKNOWN (and alerting).
    expect(passed.value('gateway_refunds_unknown')).toBe(before.value('gateway_refunds_unknown') + 1);
    expect((await gateway.app.services.state.get(pidx))?.status).toBe('INITIATED');
  });

  it('counts an amount mismatch once', async () => {
    const before = await scrape(gateway.app.url);
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    await gateway.control('POST', `/payments/${pidx}/lookup-override`, { total_amount: 999 });
    const verified = await gateway.gql(VERIFY, { pidx });
    expect(verified.data.verifyPayment).toMatchObject({ status: 'COMPLETED', amountMismatch: true });
    await gateway.gql(VERIFY, { pidx });
    const after = await scrape(gateway.app.url);
    expect(after.value('gateway_amount_mismatches_total') - before.value('gateway_amount_mismatches_total')).toBe(1);
  });

  it('counts a late completion', async () => {
    const before = await scrape(gateway.app.url);
    const { pidx } = await initiated(gateway);
    // The gateway's clock passes expires_at (Khalti's does not): the reconciler's lookup infers EXPIRED.
    clock = (await gateway.app.services.state.get(pidx))!.expiresAt.getTime() + 10_000;
    await gateway.app.reconciler.runOnce();
    expect((await gateway.app.services.state.get(pidx))).toMatchObject({ status: 'EXPIRED', expiryInferred: true });
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    expect((await gateway.gql(VERIFY, { pidx })).data.verifyPayment.status).toBe('COMPLETED');
    const after = await scrape(gateway.app.url);
    expect(after.value('gateway_late_completions_total') - before.value('gateway_late_completions_total')).toBe(1);
  });

  it('shows an active subscription in gateway_subscriptions_active until it ends', async () => {
    const { pidx } = await initiated(gateway, {}, SERVER_KEY);
    const start = (await scrape(gateway.app.url)).value('gateway_subscriptions_active');
    const events = subscribe(gateway.app.url, ADMIN_KEY, STATUS_CHANGED, { pidx });
    await connected(events.client);
    await until(gateway.app.url, (metrics) => metrics.value('gateway_subscriptions_active') === start + 1);
    await events.dispose();
    await until(gateway.app.url, (metrics) => metrics.value('gateway_subscriptions_active') === start);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => gateway.close());

  it('answers 401 without the token or with a wrong one, 200 with it, and never shows the token', async () => {
    const none = await scrape(gateway.app.url);
    expect(none.status).toBe(401);
    const wrong = await scrape(gateway.app.url, `${TOKEN}x`);
    expect(wrong.status).toBe(401);
    const basic = await scrape(gateway.app.url, null, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`);
    expect(basic.status).toBe(401);
    const right = await scrape(gateway.app.url, TOKEN);
    expect(right.status).toBe(200);
    expect(right.text).toContain('khalti_requests_total');
    for (const body of [none.text, wrong.text, right.text]) expect(body).not.toContain(TOKEN);
    // Other routes are unaffected.
    expect((await request(`${gateway.app.url}/healthz`)).statusCode).toBe(200);
    await initiated(gateway);
    expect(gateway.logs.join('\n')).not.toContain(TOKEN);
  });
});
