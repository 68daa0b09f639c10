// Module hooks of ts-threads.mjs: `.js` that does not exist resolves to its `.ts`,
// and `.ts` compiles on load. Compiled output is kept on disk by content, so the
// many worker threads of a test run compile each file once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = join(tmpdir(), 'safe-deploy-ts-threads');
let typescript;

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.endsWith('.js')) throw error;
    const url = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) throw error;
    return { url: url.href, format: 'module', shortCircuit: true };
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const cached = join(CACHE, `${createHash('sha256').update(file).update('\0').update(source).digest('hex')}.js`);
  if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  typescript ??= (await import('typescript')).default;
  const { outputText } = typescript.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2023, inlineSourceMap: true },
  });
  mkdirSync(CACHE, { recursive: true });
  // Written whole under another name first: other threads may be reading the cache.
  const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(partial, outputText);
  renameSync(partial, cached);
  return { format: 'module', source: outputText, shortCircuit: true };
}
