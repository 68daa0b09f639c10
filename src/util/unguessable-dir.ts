// A directory with a random 122-bit name inside `parent`. Renderers that run as
// another user may traverse the parent (mode 0711) but not list it: they reach
// the one copy whose path they are given, never another review's.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function unguessableDir(parent: string): Promise<string> {
  const dir = join(parent, randomUUID());
  await mkdir(dir);
  return dir;
}
