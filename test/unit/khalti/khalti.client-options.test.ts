import { KhaltiClient } from '../../../src/khalti/khalti.client';
import { DEFAULT_CONNECTIONS, DEFAULT_RETRIES, DEFAULT_TIMEOUTS, UNDICI_CLOCK_SLACK_MS, defaultQueueWaitMs } from '../../../src/khalti/khalti.http';

describe('KhaltiClient options', () => {
  test('defaults: 3 s connect, 10 s headers, 10 s body, 15 s total; 2 retries from 200 ms; 64 connections', () => {
    expect(DEFAULT_TIMEOUTS).toStrictEqual({ connectMs: 3000, headersMs: 10000, bodyMs: 10000, totalMs: 15000 });
    expect(DEFAULT_RETRIES).toStrictEqual({ max: 2, baseDelayMs: 200 });
    expect(DEFAULT_CONNECTIONS).toBe(64);
  });

  test.each([
    ['not a URL', { baseUrl: '127.0.0.1:9' }],
    ['another scheme', { baseUrl: 'ftp://127.0.0.1:9' }],
    ['a query', { baseUrl: 'http://127.0.0.1:9/?x=1' }],
    ['credentials', { baseUrl: 'http://user:pw@127.0.0.1:9' }],
    ['a zero timeout', { timeouts: { totalMs: 0 } }],
    ['a fractional timeout', { timeouts: { connectMs: 1.5 } }],
    ['negative retries', { retries: { max: -1 } }],
    ['zero connections', { connections: 0 }],
    ['a zero queue wait', { queueWaitMs: 0 }],
    ['a fractional queue wait', { queueWaitMs: 2.5 }],
  ])('refuses %s', (_label, patch) => {
    expect(() => new KhaltiClient({ baseUrl: 'http://127.0.0.1:9', ...patch })).toThrow(TypeError);
  });

  test('accepts an origin with a path prefix, and partial timeouts over the defaults', async () => {
    const c = new KhaltiClient({ baseUrl: 'http://127.0.0.1:4000/sandbox/', timeouts: { totalMs: 100 }, retries: { max: 0 } });
    await c.close();
  });

  test('the wait for a free connection defaults to min(1000 ms, totalMs / 4)', () => {
    expect(defaultQueueWaitMs(15000)).toBe(1000);
    expect(defaultQueueWaitMs(2000)).toBe(500);
    expect(defaultQueueWaitMs(2)).toBe(1);
  });

  test('totalTimeoutMs (for leases) covers the wait for a connection, connecting and the deadline from sending', async () => {
    const c = new KhaltiClient({ baseUrl: 'http://127.0.0.1:9', timeouts: { connectMs: 3000, totalMs: 15000 } });
    expect(c.totalTimeoutMs).toBe(1000 + 3000 + UNDICI_CLOCK_SLACK_MS + 15000);
    expect(c.connectionStats()).toEqual({ size: DEFAULT_CONNECTIONS, inUse: 0, waiting: 0, refused: 0 });
    await c.close();
    const d = new KhaltiClient({ baseUrl: 'http://127.0.0.1:9', connections: 3, queueWaitMs: 250, timeouts: { connectMs: 500, totalMs: 2000 } });
    expect(d.totalTimeoutMs).toBe(250 + 500 + UNDICI_CLOCK_SLACK_MS + 2000);
    expect(d.connectionStats().size).toBe(3);
    await d.close();
  });
});
