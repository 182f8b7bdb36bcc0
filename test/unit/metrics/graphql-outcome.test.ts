/** The GraphQL operations metric labels every top-level code as itself, from the one list of codes. */
import { ERROR_CODES } from '../../../src/graphql/error-codes';
import { outcomeOf } from '../../../src/metrics/graphql.metrics';

describe('graphql operation outcome label', () => {
  it.each(ERROR_CODES.map((code) => [code]))('%s is counted as itself', (code) => {
    expect(outcomeOf([{ extensions: { code } }], null)).toBe(code);
  });

  it('an error without one of the codes is an internal error; user errors and success have labels of their own', () => {
    expect(outcomeOf([{ extensions: { code: 'SOMETHING_ELSE' } }], null)).toBe('INTERNAL_SERVER_ERROR');
    expect(outcomeOf([{}], null)).toBe('INTERNAL_SERVER_ERROR');
    expect(outcomeOf(undefined, { refund: { userErrors: [{ field: ['input', 'pidx'] }] } })).toBe('user_error');
    expect(outcomeOf([], { refund: { userErrors: [] } })).toBe('ok');
  });
});
