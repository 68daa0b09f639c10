// Writes a target's input files into the render copy of its revision, after
// checking that the system can hold each path there. Git writes a file by its
// path relative to the copy, renderers and the clean-up open it by its full
// path: past the kernel's limits (PATH_MAX, NAME_MAX) one of them fails, and a
// file git could write but nothing can remove would abort the whole review and
// leave the copy behind. Such a path fails only its target, before anything is written.
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';

/** Linux's limits, in bytes: a whole path (with its terminating NUL) and one name in it. */
const PATH_MAX = 4096;
const NAME_MAX = 255;

/** A long path as an error message shows it: its start and its end. */
function shorten(path: string): string {
  return path.length <= 120 ? path : `${path.slice(0, 60)}…${path.slice(-50)}`;
}

/** Why `path` cannot be written under `root`, or null when it can. */
function unwritable(root: string, path: string): string | null {
  const limit = PATH_MAX - 1 - Buffer.byteLength(`${root}/`);
  const bytes = Buffer.byteLength(path);
  if (bytes > limit) return `the path "${shorten(path)}" is ${bytes} bytes long, over the ${limit} bytes a render copy can hold; shorten it`;
  const name = path.split('/').find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (name !== undefined) return `the path "${shorten(path)}" has a name of ${Buffer.byteLength(name)} bytes, over the ${NAME_MAX} a file system allows; shorten it`;
  return null;
}

/** Writes `paths` into the render copy; a RenderError naming `file` (what brought the paths in) when one cannot be written. */
export async function writeInputs(snapshot: Snapshot, paths: Iterable<string>, file: string): Promise<void> {
  const list = [...paths];
  for (const path of list) {
    const problem = unwritable(snapshot.root, path);
    if (problem) throw new RenderError(problem, file);
  }
  await snapshot.materialize(list);
}
