import { defineConfig } from 'drizzle-kit';

// One migrations folder per dialect: drizzle-kit's journal and snapshots are dialect-specific.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle/sqlite',
});
