/**
 * Top-level error mapping for Khalti's answers that no service turned into a result: a lookup
 * answered 404 "Not found." or 400 without a lookup body is Khalti's trouble (UPSTREAM_UNAVAILABLE,
 * with the status Khalti sent), never a masked INTERNAL_SERVER_ERROR.
 */
import { GraphQLError } from 'graphql';
import { createErrorFormatter } from '../../../src/graphql/errors';
import {
  KhaltiNotFoundError,
  KhaltiRejectedError,
  KhaltiUnavailableError,
  KhaltiValidationError,
} from '../../../src/khalti/khalti.errors';

function format(original: Error) {
  const logs: string[] = [];
  const error = new GraphQLError(original.message, { path: ['verifyPayment'], originalError: original });
  const formatted = createErrorFormatter((line) => logs.push(line))({ message: original.message, path: ['verifyPayment'] }, error);
  return { formatted, logs };
}

describe('Khalti errors at the top level', () => {
  test.each([
    ['404 Not found.', new KhaltiNotFoundError('lookup', 404, 'Not found.'), 404, /^Khalti does not know this payment \(its lookup answered HTTP 404: Not found\.\)/],
    ['400 field errors', new KhaltiValidationError('lookup', 400, { pidx: ['This field may not be blank.'] }), 400, /^Khalti could not answer the lookup .*pidx: This field may not be blank\./],
    ['400 detail', new KhaltiRejectedError('lookup', 400, 'Something odd.'), 400, /^Khalti could not answer the lookup .*HTTP 400: Something odd\./],
  ])('a lookup answered %s is UPSTREAM_UNAVAILABLE with the upstream status', (_label, error, status, message) => {
    const { formatted, logs } = format(error);
    expect(formatted.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: status });
    expect(formatted.message).toMatch(message);
    expect(formatted.message).toMatch(/nothing was changed/);
    expect(formatted.path).toEqual(['verifyPayment']);
    expect(logs).toEqual([]);
  });

  test("Khalti's detail is cut short in the message", () => {
    const { formatted } = format(new KhaltiRejectedError('lookup', 400, 'x'.repeat(5000)));
    expect(formatted.message.length).toBeLessThan(300);
  });

  test('an unavailable Khalti carries the status it answered with, when it answered', () => {
    expect(format(new KhaltiUnavailableError('lookup', 'server_error', 'HTTP 503', 503)).formatted.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamStatus: 503,
    });
    expect(format(new KhaltiUnavailableError('lookup', 'connect', 'refused')).formatted.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  test('a storage failure has its own code and says what happened, with the id of its log line', () => {
    const { formatted } = format(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    expect(formatted.extensions).toMatchObject({ code: 'STORAGE_UNAVAILABLE', errorId: expect.any(String) });
    expect(formatted.message).toMatch(/database is busy; nothing was written/);
    const fromPostgres = format(Object.assign(new Error('could not extend file'), { code: '53100' })).formatted;
    expect(fromPostgres.extensions?.code).toBe('STORAGE_UNAVAILABLE');
  });

  test('anything else is still masked', () => {
    const { formatted, logs } = format(new Error('exploded'));
    expect(formatted.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(formatted.message).not.toContain('exploded');
    expect(logs.join('\n')).toContain('exploded');
  });
});
