// Reading files of a checkout without leaving it: symlinks are followed only when
// they resolve inside the checkout, and file sizes are bounded.
import { lstat, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { RenderError } from '../errors.js';

export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

/** Reads `file` (relative to `root`) as UTF-8; a RenderError naming it when it escapes the root, is too big or is not text. */
export async function readInside(root: string, file: string, maxBytes = MAX_FILE_BYTES): Promise<string> {
  const path = join(root, file);
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    const link = await lstat(path).catch(() => null);
    throw new RenderError(link?.isSymbolicLink() ? 'symlink points to a missing file or loops' : 'file not found', file);
  }
  if (!isInside(realRoot, real)) throw new RenderError('symlink points outside the repository; refused', file);
  const stats = await lstat(real);
  if (!stats.isFile()) throw new RenderError('not a regular file', file);
  if (stats.size > maxBytes) {
    throw new RenderError(`file is ${Math.round(stats.size / 1024 / 1024)} MB, over the ${Math.round(maxBytes / 1024 / 1024)} MB limit`, file);
  }
  const bytes = await readFile(real);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RenderError('file is not valid UTF-8', file);
  }
}
