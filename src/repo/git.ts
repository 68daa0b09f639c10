// Read-only access to a local git repository: revisions, changed files, trees.
// Never touches the user's working tree or index.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';

const execFileAsync = promisify(execFile);
const MAX_OUTPUT = 256 * 1024 * 1024;
/** About 500,000 paths: far beyond real repositories, far below what exhausts the heap. */
const MAX_TREE_LISTING = 48 * 1024 * 1024;

export interface GitOptions {
  input?: string;
  env?: Record<string, string>;
  /** Bytes of output before git is stopped (default 256 MB). */
  maxOutput?: number;
}

/** Runs git in `repo`; on failure the error carries git's first stderr line. */
export async function git(repo: string, args: string[], options: GitOptions = {}): Promise<string> {
  const child = execFileAsync('git', ['-C', repo, ...args], {
    maxBuffer: options.maxOutput ?? MAX_OUTPUT,
    encoding: 'utf8',
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
  });
  if (options.input !== undefined) {
    // git may exit before reading its input (on an error it reports itself); that is not a crash.
    child.child.stdin?.on('error', () => {});
    child.child.stdin?.end(options.input);
  }
  try {
    return (await child).stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    const code = (error as { code?: unknown }).code;
    throw new GitError(`git ${args[0]} failed: ${stderr.split('\n')[0] || (error as Error).message}`, typeof code === 'number' ? code : null, stderr);
  }
}

export class GitError extends Error {
  override name = 'GitError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export async function assertRepository(repo: string): Promise<void> {
  try {
    await git(repo, ['rev-parse', '--git-dir']);
  } catch {
    throw new UserError(`not a git repository: ${repo}`);
  }
}

/** The full SHA of a revision's commit; a UserError naming the revision when unknown. */
export async function resolveCommit(repo: string, revision: string): Promise<string> {
  if (revision.startsWith('-')) throw new UserError(`unknown revision '${revision}'`);
  try {
    return (await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`])).trim();
  } catch {
    throw new UserError(`unknown revision '${revision}' in ${repo}: fetch it or check the name`);
  }
}

/** The merge-base of two commits; the first one when the histories are unrelated. */
export async function mergeBase(repo: string, base: string, head: string): Promise<string> {
  try {
    return (await git(repo, ['merge-base', base, head])).trim() || base;
  } catch {
    return base;
  }
}

/** Paths added, modified or deleted between two commits (renames count as delete + add). */
export async function changedFiles(repo: string, from: string, to: string): Promise<string[]> {
  const out = await git(repo, ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', from, to, '--']);
  return out.split('\0').filter(Boolean);
}

export interface TreeEntry {
  mode: string;
  oid: string;
}

/**
 * Whether git would check the path out: a crafted tree can hold names such as
 * "..", "." or ".git" that no checkout (git's verify_path) ever writes, so no
 * tool that deploys the repository sees them; they must never reach a render copy.
 */
export function checkoutablePath(path: string): boolean {
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..' && part.toLowerCase() !== '.git' && !part.includes('\0'));
}

/** Every file of a commit's tree, with its blob id (equal ids mean byte-identical content). */
export async function listTree(repo: string, sha: string): Promise<Map<string, TreeEntry>> {
  let out: string;
  try {
    // A few tree objects can list millions of paths (each tree naming the next many times): bounded, not held whole.
    out = await git(repo, ['ls-tree', '-r', '-z', '--full-tree', sha], { maxOutput: MAX_TREE_LISTING });
  } catch (error) {
    if (error instanceof GitError && /maxBuffer/i.test(error.message)) {
      throw new UserError(`commit ${sha.slice(0, 12)} lists more files than safe-deploy reviews (its file list is over ${MAX_TREE_LISTING / 2 ** 20} MB); refused`);
    }
    throw error;
  }
  const files = new Map<string, TreeEntry>();
  for (const record of out.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    const path = record.slice(tab + 1);
    if (type === 'blob' && checkoutablePath(path)) files.set(path, { mode: mode!, oid: oid! });
  }
  return files;
}

/** The branch a revision names ("main", "origin/main"), or undefined for a commit id, a tag or an expression. */
export async function branchName(repo: string, revision: string): Promise<string | undefined> {
  // Named as an argument, a revision starting with "-" would be an option; resolveCommit refuses those already.
  if (revision.startsWith('-')) return undefined;
  const full = await git(repo, ['rev-parse', '--symbolic-full-name', revision]).catch(() => '');
  const branch = /^refs\/(?:heads|remotes\/[^/]+)\/(.+)$/.exec(full.trim())?.[1];
  return branch === 'HEAD' ? undefined : branch;
}

/** The fetch URLs of the repository's remotes: the names Argo CD and Flux may know it by. */
export async function remoteURLs(repo: string): Promise<string[]> {
  const out = await git(repo, ['config', '--get-regexp', '^remote\\..*\\.url$']).catch(() => '');
  return out.split('\n').flatMap((line) => {
    const space = line.indexOf(' ');
    return space === -1 ? [] : [line.slice(space + 1)];
  });
}

/** Files of a commit whose text contains any of the fixed strings (git grep, without reading them into the process). */
export async function grepFiles(repo: string, sha: string, needles: string[], pathspecs: string[]): Promise<string[]> {
  const args = ['grep', '-l', '-I', '-F', ...needles.flatMap((n) => ['-e', n]), sha, '--', ...pathspecs];
  try {
    const out = await git(repo, args);
    return out.split('\n').filter(Boolean).map((line) => line.slice(sha.length + 1));
  } catch (error) {
    // git grep exits 1 when nothing matches (warnings about paths it cannot stat aside); errors exit 128.
    if (error instanceof GitError && error.exitCode === 1) return [];
    throw error;
  }
}
