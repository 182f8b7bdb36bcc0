import { defineConfig } from 'drizzle-kit';

// generate needs no database; the URL is only read by drizzle-kit's push/pull/studio.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres/schema.ts',
  out: './drizzle/postgres',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/khalti_graphql' },
});
