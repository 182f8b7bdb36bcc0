/**
 * The top-level error codes are one list: the schema documents exactly it (enum ErrorCode), and
 * the formatter emits nothing outside it, whatever it is handed.
 */
import { GraphQLEnumType, GraphQLError } from 'graphql';
import { ERROR_CODES } from '../../../src/graphql/error-codes';
import { createErrorFormatter, gatewayError } from '../../../src/graphql/errors';
import { buildGatewaySchema } from '../../../src/graphql/schema';
import { KhaltiAuthError, KhaltiNotFoundError, KhaltiUnavailableError } from '../../../src/khalti/khalti.errors';

describe('top-level error codes', () => {
  it('are in the schema as the enum ErrorCode, each described', async () => {
    const schema = await buildGatewaySchema();
    const enumType = schema.getType('ErrorCode') as GraphQLEnumType;
    expect(enumType.getValues().map((value) => value.value)).toEqual([...ERROR_CODES]);
    for (const value of enumType.getValues()) expect(value.description?.length).toBeGreaterThan(20);
  });

  it('are the only codes the formatter emits', () => {
    const format = createErrorFormatter(() => undefined);
    const inputs: [unknown, string | undefined][] = [
      [new KhaltiUnavailableError('lookup', 'timeout', 'slow'), undefined],
      [new KhaltiAuthError('lookup', 401, 'Invalid token.'), undefined],
      [new KhaltiNotFoundError('lookup', 404, 'Not found.'), undefined],
      [gatewayError('FORBIDDEN', 'no'), 'FORBIDDEN'],
      [new Error('boom'), undefined],
      [new GraphQLError('Cannot query field', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }), 'GRAPHQL_VALIDATION_FAILED'],
      [new GraphQLError('made up', { extensions: { code: 'SOMETHING_ELSE' } }), 'SOMETHING_ELSE'],
    ];
    for (const [error, code] of inputs) {
      const formatted = format({ message: error instanceof Error ? error.message : 'x', extensions: code ? { code } : {} }, error);
      expect(ERROR_CODES).toContain(formatted.extensions?.code);
    }
  });
});
