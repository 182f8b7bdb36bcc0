import { khaltiOutcome } from '../../../src/metrics/khalti.metrics';

describe('khaltiOutcome', () => {
  const error = { name: 'KhaltiUnavailableError', message: 'x' };
  it('maps every call to one of a closed set of outcomes', () => {
    expect(khaltiOutcome({ httpStatus: 200 })).toBe('ok');
    // A 4xx the client read as an answer (a lookup of a finished payment) is still an answer.
    expect(khaltiOutcome({ httpStatus: 400 })).toBe('ok');
    expect(khaltiOutcome({ httpStatus: 401, error })).toBe('http_4xx');
    expect(khaltiOutcome({ httpStatus: 503, error })).toBe('http_5xx');
    expect(khaltiOutcome({ error })).toBe('unavailable');
    expect(khaltiOutcome({ httpStatus: 200, error })).toBe('bad_response');
    expect(khaltiOutcome({ httpStatus: 302, error })).toBe('bad_response');
  });
});
