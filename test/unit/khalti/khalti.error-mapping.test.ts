import { inspect } from 'node:util';
import { errors as undiciErrors } from 'undici';
import {
  KhaltiDeadlineError,
  classifyTransportError,
  errorFromResponse,
  extractFieldErrors,
  safeCause,
  unavailableFromTransport,
  type ReadBody,
} from '../../../src/khalti/khalti.error-mapping';
import {
  KhaltiAuthError,
  KhaltiNotFoundError,
  KhaltiRejectedError,
  KhaltiUnavailableError,
  KhaltiValidationError,
} from '../../../src/khalti/khalti.errors';

const SECRET = 'live_secret_key_0123456789abcdef';

function json(value: unknown): ReadBody {
  return { json: value, text: JSON.stringify(value), isJson: true };
}
function text(value: string): ReadBody {
  return { json: undefined, text: value, isJson: false };
}

describe('errorFromResponse', () => {
  test('400 field arrays -> validation, fields verbatim, error_key dropped', () => {
    const err = errorFromResponse(
      'initiate',
      400,
      json({ amount: ['A valid integer is required.'], error_key: 'validation_error' }),
      SECRET,
    );
    expect(err).toBeInstanceOf(KhaltiValidationError);
    expect((err as KhaltiValidationError).fields).toStrictEqual({ amount: ['A valid integer is required.'] });
    expect(err.message).toBe('Khalti rejected the initiate request: amount: A valid integer is required.');
  });

  test('401/403 -> auth with the detail', () => {
    const a = errorFromResponse('lookup', 401, json({ detail: 'Invalid token.', status_code: 401 }), SECRET);
    expect(a).toBeInstanceOf(KhaltiAuthError);
    expect((a as KhaltiAuthError).detail).toBe('Invalid token.');
    const b = errorFromResponse('lookup', 403, json({}), SECRET);
    expect(b).toBeInstanceOf(KhaltiAuthError);
    expect((b as KhaltiAuthError).detail).toBe('HTTP 403');
  });

  test('404 or "Not found." -> not found', () => {
    expect(errorFromResponse('lookup', 404, json({ detail: 'Not found.' }), SECRET)).toBeInstanceOf(KhaltiNotFoundError);
    expect(errorFromResponse('lookup', 404, json({}), SECRET)).toBeInstanceOf(KhaltiNotFoundError);
    expect(
      errorFromResponse('lookup', 400, json({ detail: 'Not found.', error_key: 'validation_error' }), SECRET),
    ).toBeInstanceOf(KhaltiNotFoundError);
  });

  test('other 4xx with a readable body -> rejected', () => {
    const a = errorFromResponse('refund', 400, json({ detail: 'Refund not allowed.' }), SECRET);
    expect(a).toBeInstanceOf(KhaltiRejectedError);
    expect((a as KhaltiRejectedError).detail).toBe('Refund not allowed.');
    const b = errorFromResponse('refund', 409, json({ code: 7 }), SECRET);
    expect(b).toBeInstanceOf(KhaltiRejectedError);
    expect((b as KhaltiRejectedError).detail).toBe('HTTP 409: {"code":7}');
  });

  test.each([500, 502, 503, 504, 429])('%i -> server_error whatever the body', (status) => {
    const err = errorFromResponse('lookup', status, json({ amount: ['x'] }), SECRET) as KhaltiUnavailableError;
    expect(err).toBeInstanceOf(KhaltiUnavailableError);
    expect(err.reason).toBe('server_error');
    expect(err.httpStatus).toBe(status);
  });

  test.each([
    [404, text('<html>nginx</html>')],
    [401, text('')],
    [400, json(['a list'])],
    [400, json('a string')],
    [302, json({})],
  ])('%i with an unreadable or unexpected body -> bad_body', (status, body) => {
    const err = errorFromResponse('lookup', status, body, SECRET) as KhaltiUnavailableError;
    expect(err).toBeInstanceOf(KhaltiUnavailableError);
    expect(err.reason).toBe('bad_body');
  });

  test('the secret is scrubbed from details and field messages', () => {
    const a = errorFromResponse('lookup', 401, json({ detail: `bad ${SECRET}` }), SECRET) as KhaltiAuthError;
    expect(a.detail).toBe('bad [REDACTED]');
    const b = errorFromResponse('initiate', 400, json({ f: [SECRET] }), SECRET) as KhaltiValidationError;
    expect(b.fields).toStrictEqual({ f: ['[REDACTED]'] });
    expect(b.message).not.toContain(SECRET);
  });
});

describe('extractFieldErrors', () => {
  test('keeps top-level arrays, flattens nested errors, ignores the envelope', () => {
    expect(
      extractFieldErrors({
        return_url: ['This field may not be blank.'],
        customer_info: { email: ['Enter a valid email address.'] },
        product_details: [{ unit_price: ['A valid integer is required.'] }],
        non_field_errors: ['Something.'],
        error_key: 'validation_error',
        status_code: 400,
        detail: 'x',
      }),
    ).toStrictEqual({
      return_url: ['This field may not be blank.'],
      'customer_info.email': ['Enter a valid email address.'],
      'product_details.0.unit_price': ['A valid integer is required.'],
      non_field_errors: ['Something.'],
    });
  });

  test('a body with only a detail has no field errors', () => {
    expect(extractFieldErrors({ detail: 'Not found.', error_key: 'validation_error' })).toStrictEqual({});
  });
});

describe('classifyTransportError', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });
  test.each([
    [withCode('ECONNREFUSED'), 'connect'],
    [withCode('ENOTFOUND'), 'connect'],
    [withCode('EAI_AGAIN'), 'connect'],
    [new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), 'connect'],
    [new undiciErrors.ConnectTimeoutError(), 'timeout'],
    [new undiciErrors.HeadersTimeoutError(), 'timeout'],
    [new undiciErrors.BodyTimeoutError(), 'timeout'],
    [new KhaltiDeadlineError(100), 'timeout'],
    [new undiciErrors.SocketError('other side closed'), 'reset'],
    [withCode('ECONNRESET'), 'reset'],
    [withCode('EPIPE'), 'reset'],
    [new undiciErrors.ResponseContentLengthMismatchError(), 'reset'],
    [new undiciErrors.HTTPParserError('Response does not match the HTTP/1.1 protocol'), 'bad_body'],
    [new undiciErrors.ResponseExceededMaxSizeError(), 'bad_body'],
    [new Error('something else'), 'reset'],
  ])('%s -> %s', (err, reason) => {
    expect(classifyTransportError(err)).toBe(reason);
  });
});

describe('safeCause / unavailableFromTransport', () => {
  test('an error that does not mention the key is kept as is', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(safeCause(err, SECRET)).toBe(err);
  });

  test('an error carrying the key anywhere (e.g. request options) is replaced by a scrubbed copy', () => {
    const err = Object.assign(new undiciErrors.SocketError('other side closed'), {
      request: { headers: { authorization: `Key ${SECRET}` } },
    });
    const cause = safeCause(err, SECRET) as Error & { code?: string };
    expect(cause).not.toBe(err);
    expect(cause.name).toBe('SocketError');
    expect(cause.code).toBe('UND_ERR_SOCKET');
    expect(inspect(cause, { depth: 20, showHidden: true })).not.toContain(SECRET);

    const wrapped = unavailableFromTransport('lookup', err, SECRET);
    expect(wrapped.reason).toBe('reset');
    expect(inspect(wrapped, { depth: 20, showHidden: true })).not.toContain(SECRET);
    expect(JSON.stringify(wrapped)).not.toContain(SECRET);
  });

  test('the secret in an undici message is scrubbed from our message too', () => {
    const err = Object.assign(new Error(`failed for Key ${SECRET}`), { code: 'ECONNRESET' });
    const wrapped = unavailableFromTransport('banks', err, SECRET);
    expect(wrapped.message).toBe('Khalti banks failed (reset): failed for Key [REDACTED] (ECONNRESET)');
  });
});

test('a connection broken after the headers arrived is a truncated body (bad_body), before them a reset', () => {
  const err = new undiciErrors.SocketError('other side closed');
  expect(unavailableFromTransport('lookup', err, SECRET).reason).toBe('reset');
  const after = unavailableFromTransport('lookup', err, SECRET, 200);
  expect(after.reason).toBe('bad_body');
  expect(after.httpStatus).toBe(200);
  // A timeout stays a timeout whenever it happens.
  expect(unavailableFromTransport('lookup', new undiciErrors.BodyTimeoutError(), SECRET, 200).reason).toBe('timeout');
});
