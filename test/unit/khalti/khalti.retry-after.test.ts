import { MAX_RETRY_AFTER_SECONDS, errorFromResponse, parseRetryAfter } from '../../../src/khalti/khalti.error-mapping';
import { KhaltiUnavailableError } from '../../../src/khalti/khalti.errors';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);

describe('parseRetryAfter', () => {
  test.each([
    ['0', 0],
    ['1', 1],
    [' 120 ', 120],
    ['Thu, 02 Jan 2025 03:04:35 GMT', 30],
    ['Thursday, 02-Jan-25 03:04:35 GMT', 30],
    ['Thu, 02 Jan 2025 03:04:05 GMT', 0],
    ['Thu, 02 Jan 2025 03:00:00 GMT', 0], // in the past: now
    ['Thu, 02 Jan 2025 03:04:05 GMT'.replace('05 GMT', '06 GMT'), 1],
    [String(10 * MAX_RETRY_AFTER_SECONDS), MAX_RETRY_AFTER_SECONDS],
  ])('%j -> %d s', (value, seconds) => {
    expect(parseRetryAfter(value, NOW)).toBe(seconds);
  });

  test.each([[undefined], [''], ['soon'], ['-1'], ['1.5'], ['Thu, 02 Jan 2025 03:04:35'], [['1', '2']]])('%j is ignored', (value) => {
    expect(parseRetryAfter(value as string | string[] | undefined, NOW)).toBeUndefined();
  });
});

describe('errorFromResponse with Retry-After', () => {
  const body = { json: { detail: 'busy' }, text: '{"detail":"busy"}', isJson: true };

  test('a 429 or 503 carries the seconds and says when Khalti asked to be called again', () => {
    const before = Date.now();
    const err = errorFromResponse('initiate', 429, body, undefined, [], 30) as KhaltiUnavailableError;
    expect(err).toBeInstanceOf(KhaltiUnavailableError);
    expect(err.reason).toBe('server_error');
    expect(err.retryAfterSeconds).toBe(30);
    expect(err.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(err.nothingSent).toBe(false);
    expect(err.message).toBe('Khalti initiate failed (server_error): HTTP 429; Khalti asked to be called again in 30 s');
  });

  test('without it, nothing changes', () => {
    const err = errorFromResponse('lookup', 503, body, undefined) as KhaltiUnavailableError;
    expect(err.retryAfterSeconds).toBeUndefined();
    expect(err.retryAt).toBeUndefined();
    expect(err.message).toBe('Khalti lookup failed (server_error): HTTP 503');
  });
});
