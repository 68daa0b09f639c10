// A cached bare mirror per remote repository: the server fetches only what a
// review needs (the base branch, the merge request head) and reuses history
// across reviews. Credentials go through git's environment, never the command
// line or the repository config.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './git.js';

export interface FetchRequest {
  /** Clone URL: http(s) with a token, or any git URL (a local path in tests). */
  url: string;
  /** Token for http(s) URLs, sent as `user:token` basic auth. */
  auth?: { username: string; token: string };
  /** Refs to fetch, e.g. "refs/heads/main", "refs/pull/7/head". */
  refs: string[];
  /** Commits the review needs; fetched by id when the refs did not bring them. */
  shas: string[];
}

export function defaultCacheDir(): string {
  return process.env.SAFE_DEPLOY_CACHE_DIR || join(tmpdir(), 'safe-deploy-mirrors');
}

/** The URL without credentials, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

export class MirrorCache {
  private locks = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string = defaultCacheDir()) {}

  private pathFor(url: string): string {
    return join(this.dir, `${createHash('sha256').update(redactUrl(url)).digest('hex').slice(0, 24)}.git`);
  }

  /** Runs `task` alone for this mirror: two fetches into one repository would fight over its locks. */
  private exclusive<T>(path: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(path) ?? Promise.resolve();
    const run = previous.then(task, task);
    this.locks.set(path, run.catch(() => undefined));
    return run;
  }

  /** Makes the requested commits present in the mirror; returns its path. */
  fetch(request: FetchRequest): Promise<string> {
    const path = this.pathFor(request.url);
    return this.exclusive(path, async () => {
      try {
        await mkdir(this.dir, { recursive: true });
        await git(this.dir, ['init', '-q', '--bare', path]);
      } catch (error) {
        throw new Error(`cannot prepare the mirror cache in ${this.dir} (${(error as Error).message.split('\n')[0]}); set SAFE_DEPLOY_CACHE_DIR to a writable directory`);
      }
      const missing = await this.missing(path, request.shas);
      if (missing.length === 0) return path;
      const env = authEnv(request);
      const refspecs = request.refs.map((ref) => `+${ref}:refs/safe-deploy/${ref.replace(/^refs\//, '')}`);
      try {
        await git(path, ['fetch', '--no-tags', '--quiet', request.url, ...refspecs], { env });
        const still = await this.missing(path, request.shas);
        if (still.length) await git(path, ['fetch', '--no-tags', '--quiet', request.url, ...still], { env });
      } catch (error) {
        const message = (error as Error).message.split(request.auth?.token ?? '\0').join('***');
        throw new Error(`cannot fetch from ${redactUrl(request.url)}: ${message}`);
      }
      const absent = await this.missing(path, request.shas);
      if (absent.length) throw new Error(`commit ${absent.join(', ')} not found in ${redactUrl(request.url)}`);
      return path;
    });
  }

  private async missing(path: string, shas: string[]): Promise<string[]> {
    const result: string[] = [];
    for (const sha of shas) {
      try {
        await git(path, ['cat-file', '-e', `${sha}^{commit}`]);
      } catch {
        result.push(sha);
      }
    }
    return result;
  }
}

function authEnv(request: FetchRequest): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  if (request.auth && /^https?:\/\//.test(request.url)) {
    const basic = Buffer.from(`${request.auth.username}:${request.auth.token}`).toString('base64');
    Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` });
  }
  return env;
}
