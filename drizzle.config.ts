import { defineConfig } from 'drizzle-kit'

// `npm run db:generate` writes SQL migrations from src/stores/schema.ts into migrations/.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/stores/schema.ts',
  out: './migrations',
})
