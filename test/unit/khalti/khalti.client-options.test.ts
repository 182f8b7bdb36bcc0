import { KhaltiClient } from '../../../src/khalti/khalti.client';
import { DEFAULT_CONNECTIONS, DEFAULT_RETRIES, DEFAULT_TIMEOUTS } from '../../../src/khalti/khalti.http';

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
});
