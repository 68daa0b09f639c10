// YAML from untrusted files and tool output, read within bounded memory and time.
// The parser needs a few hundred bytes of heap per byte of some inputs (a 4 MB
// file of flow maps took 1 GB), so any text larger than a small file is parsed
// in a worker thread with a heap limit and a time limit: a hostile file fails
// with an error naming it, and the process that reads it carries on.
import { RenderError } from '../errors.js';
import { WorkerLimitError, WorkerPool } from './worker-pool.js';
import { parseYamlDocuments, type YamlDocument, type YamlOptions } from './yaml-documents.js';

export type { YamlDocument, YamlError, YamlOptions } from './yaml-documents.js';

/** Texts up to this many characters are parsed on the calling thread: at most tens of MB, and a worker would cost more than the parse. */
export const IN_THREAD_CHARS = 256 * 1024;
/** The heap of a parsing worker. */
export const PARSE_MEMORY_MB = 512;
/** How long a text may take to parse: 30 s and 2 s per MB (the library reads about 1.5 MB/s of manifests). */
export function parseTimeMs(chars: number): number {
  return 30_000 + Math.round((2_000 * chars) / 2 ** 20);
}

let pool: WorkerPool | undefined;

function parsers(): WorkerPool {
  pool ??= new WorkerPool({
    entry: new URL('./yaml-thread.js', import.meta.url),
    // One per thread that parses: memory stays within that many times the limit.
    size: 1,
    // A stack no deeper than the main thread's: what parses here, the review's recursive walks can take.
    resourceLimits: { maxOldGenerationSizeMb: PARSE_MEMORY_MB, maxYoungGenerationSizeMb: 32, stackSizeMb: 1 },
    // A parser's heap can be large: it goes back soon after the last parse.
    idleMs: 5_000,
  });
  return pool;
}

/**
 * The documents of `text`, the content of `file` (see util/yaml-documents).
 * A RenderError naming the file when it cannot be read within the limits.
 */
export async function readYaml(text: string, file: string, options: YamlOptions = {}): Promise<YamlDocument[]> {
  if (text.length <= IN_THREAD_CHARS) return parseYamlDocuments(text, options);
  try {
    return await parsers().run<YamlDocument[]>('parse', [text, options], parseTimeMs(text.length));
  } catch (error) {
    if (!(error instanceof WorkerLimitError) || error.limit === 'stopped') throw error;
    const why = error.limit === 'memory' ? `too large to read within ${PARSE_MEMORY_MB} MB of memory` : `too complex to read within ${Math.round(parseTimeMs(text.length) / 1000)} s`;
    throw new RenderError(`${why}; split it into smaller files`, file);
  }
}

/**
 * The one document of a configuration file (Chart.yaml, a kustomization,
 * .safe-deploy.yml) as plain data, null when empty; invalid YAML throws a
 * RenderError with the file and line.
 */
export async function readYamlFile(text: string, file: string): Promise<unknown> {
  const [doc] = await readYaml(text, file, { single: true });
  if (doc?.error) throw new RenderError(`invalid YAML: ${doc.error.message}`, file, doc.error.line);
  return doc?.value ?? null;
}
