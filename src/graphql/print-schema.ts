import { printSchema, type GraphQLSchema } from 'graphql';

/** The committed SDL: what typed-client generators read. One place so the emit script and its test agree. */
export function printGatewaySchema(schema: GraphQLSchema): string {
  return `# Emitted from src/graphql by \`npm run schema:emit\`. Do not edit by hand; a test fails when it is stale.\n\n${printSchema(schema)}\n`;
}
