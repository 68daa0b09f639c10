import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Worker threads started from the TypeScript sources load them through these hooks.
    execArgv: ['--import', fileURLToPath(new URL('./test/helpers/ts-threads.mjs', import.meta.url))],
  },
});
