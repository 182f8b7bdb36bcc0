/** `npm run schema:emit`: writes schema/schema.graphql from the type-graphql code. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { printGatewaySchema } from './print-schema';
import { buildGatewaySchema } from './schema';

export const SCHEMA_FILE = resolve(__dirname, '..', '..', 'schema', 'schema.graphql');

async function main(): Promise<void> {
  const sdl = printGatewaySchema(await buildGatewaySchema());
  mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
  writeFileSync(SCHEMA_FILE, sdl);
  console.log(`wrote ${SCHEMA_FILE}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
