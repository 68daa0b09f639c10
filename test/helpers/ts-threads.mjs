// Loaded with --import into the test processes (vitest.config.ts): worker threads
// started from TypeScript sources (`new URL('./x-thread.js', import.meta.url)`)
// get the .ts file beside the missing .js, compiled by TypeScript on load, as
// `npm run build` would compile it. Vitest transforms test code itself; these
// hooks only serve what Node loads natively, which is what worker threads do.
import { register } from 'node:module';

register('./ts-threads-hooks.mjs', import.meta.url);
