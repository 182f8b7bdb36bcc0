import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildGatewaySchema } from '../../../src/graphql/schema';
import { printGatewaySchema } from '../../../src/graphql/print-schema';

describe('schema/schema.graphql', () => {
  it('is what the code emits (run `npm run schema:emit` when this fails)', async () => {
    const committed = readFileSync(resolve(__dirname, '../../../schema/schema.graphql'), 'utf8');
    expect(printGatewaySchema(await buildGatewaySchema())).toBe(committed);
  });
});
