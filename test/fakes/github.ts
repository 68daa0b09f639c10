// A stateful GitHub REST API for one repository (nock): pull requests, the
// issue thread, check runs, reactions, permissions, team memberships and files,
// kept as GitHub keeps them. Every call is recorded ("METHOD /path"), so a
// test asserts exactly what the adapter asked; anything else is a 'no match'.
import nock from 'nock';
import { keep } from './nock.js';

export const API = 'https://api.github.com';
export const OWNER = 'acme';
export const REPO = 'gitops';
export const INSTALLATION = 42;
export const APP_ID = 1234;
const repoPath = `/repos/${OWNER}/${REPO}`;

export interface GitHubComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  performed_via_github_app: { id: number } | null;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion?: string;
  output: { title: string; summary: string; annotations?: unknown[] };
}

/** What a failing route answers: its status and message, once per entry. */
type Failure = [status: number, message: string];

const isFailure = (answer: unknown): answer is Failure => Array.isArray(answer) && answer.length === 2 && typeof answer[0] === 'number' && typeof answer[1] === 'string';

export class FakeGitHub {
  readonly calls: string[] = [];
  /** Each pull request's thread by number. */
  readonly threads = new Map<number, GitHubComment[]>();
  readonly checks: CheckRun[] = [];
  readonly reactions: Array<{ comment: number; content: string }> = [];
  /** login → role_name (GitHub's permission follows from it). */
  readonly roles: Record<string, string> = {};
  /** "org/team" → active members. */
  readonly teams: Record<string, string[]> = {};
  /** path → content at every ref. */
  readonly files: Record<string, string> = {};
  /** ref → path → content at that ref only (before `files`). */
  readonly filesAt: Record<string, Record<string, string>> = {};
  /** number → pull request as GET /pulls/:n answers; a failure answers instead. */
  readonly pulls: Record<number, object | Failure> = {};
  /** number → the pull request's reviews, oldest first, as GET /pulls/:n/reviews lists them. */
  readonly reviews: Record<number, Array<{ id: number; user: { login: string; id: number }; state: string; commit_id: string }>> = {};
  /** commit → open pull request numbers. */
  readonly commitPulls: Record<string, number[] | Failure> = {};
  /** Failures the next calls of a route answer, in order ("POST /repos/acme/gitops/issues/1/comments"). */
  readonly failures: Record<string, Failure[]> = {};
  private nextId = 100;

  constructor() {
    const record = (method: string, uri: string) => {
      const call = `${method} ${uri.split('?')[0]}`;
      this.calls.push(call);
      const failure = this.failures[call]?.shift();
      return failure ? ([failure[0], { message: failure[1] }] as const) : null;
    };
    const route = (scope: nock.Interceptor, method: string, answer: (uri: string, body: Record<string, unknown>) => nock.ReplyFnResult) =>
      scope.reply(function (uri, body) {
        return record(method, uri) ?? answer(uri, body as Record<string, unknown>);
      });
    const n = (uri: string, fromEnd = 1) => Number(uri.split('?')[0]!.split('/').at(-fromEnd));
    const api = nock(API).persist();
    route(api.post(`/app/installations/${INSTALLATION}/access_tokens`), 'POST', () => [201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} }]);
    route(api.get(new RegExp(`^${repoPath}/pulls/\\d+$`)), 'GET', (uri) => this.answer(this.pulls[n(uri)]));
    route(api.get(new RegExp(`^${repoPath}/pulls/\\d+/reviews`)).query(true), 'GET', (uri) => [200, this.reviews[n(uri, 2)] ?? []]);
    route(api.get(new RegExp(`^${repoPath}/commits/[0-9a-f]+/pulls`)).query(true), 'GET', (uri) => {
      const found = this.commitPulls[uri.split('?')[0]!.split('/').at(-2)!] ?? [];
      return this.answer(isFailure(found) ? found : found.map((number) => ({ number, state: 'open' })));
    });
    route(api.get(new RegExp(`^${repoPath}/issues/\\d+/comments`)).query(true), 'GET', (uri) => [200, this.thread(n(uri, 2))]);
    route(api.post(new RegExp(`^${repoPath}/issues/\\d+/comments$`)), 'POST', (uri, body) => {
      const comment = { id: this.nextId++, body: String(body.body), user: { login: 'safe-deploy[bot]', type: 'Bot' }, performed_via_github_app: { id: APP_ID } };
      this.thread(n(uri, 2)).push(comment);
      return [201, comment];
    });
    route(api.patch(new RegExp(`^${repoPath}/issues/comments/\\d+$`)), 'PATCH', (uri, body) => {
      const comment = [...this.threads.values()].flat().find((c) => c.id === n(uri));
      if (!comment) return [404, { message: 'Not Found' }];
      comment.body = String(body.body);
      return [200, comment];
    });
    route(api.post(new RegExp(`^${repoPath}/issues/comments/\\d+/reactions$`)), 'POST', (uri, body) => {
      this.reactions.push({ comment: n(uri, 2), content: String(body.content) });
      return [201, {}];
    });
    route(api.post(`${repoPath}/check-runs`), 'POST', (_uri, body) => {
      const check = { ...(body as unknown as CheckRun), id: this.nextId++ };
      this.checks.push(check);
      return [201, check];
    });
    route(api.patch(new RegExp(`^${repoPath}/check-runs/\\d+$`)), 'PATCH', (uri, body) => {
      const check = this.checks.find((c) => c.id === n(uri));
      if (!check) return [404, { message: 'Not Found' }];
      Object.assign(check, body);
      return [200, check];
    });
    route(api.get(new RegExp(`^${repoPath}/collaborators/[^/]+/permission$`)), 'GET', (uri) => {
      const user = uri.split('/').at(-2)!;
      const role = this.roles[user];
      const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return role ? [200, { permission, role_name: role, user: { login: user } }] : [404, { message: 'Not Found' }];
    });
    route(api.get(new RegExp(`^/orgs/[^/]+/teams/[^/]+/memberships/[^/]+$`)), 'GET', (uri) => {
      const [, , org, , team, , user] = uri.split('/');
      return this.teams[`${org}/${team}`]?.includes(user!) ? [200, { state: 'active', role: 'member' }] : [404, { message: 'Not Found' }];
    });
    route(api.get(new RegExp(`^${repoPath}/contents/`)).query(true), 'GET', (uri) => {
      const path = decodeURIComponent(uri.split('?')[0]!.slice(`${repoPath}/contents/`.length));
      const ref = new URLSearchParams(uri.split('?')[1] ?? '').get('ref') ?? '';
      const content = this.filesAt[ref]?.[path] ?? this.files[path];
      return content === undefined ? [404, { message: 'Not Found' }] : [200, { content: Buffer.from(content).toString('base64'), encoding: 'base64' }];
    });
    keep(api);
  }

  private answer(found: object | Failure | undefined): nock.ReplyFnResult {
    if (found === undefined) return [404, { message: 'Not Found' }];
    return isFailure(found) ? [found[0], { message: found[1] }] : [200, found];
  }

  /** The thread of a pull request (created empty). */
  thread(number: number): GitHubComment[] {
    let thread = this.threads.get(number);
    if (!thread) this.threads.set(number, (thread = []));
    return thread;
  }

  /** The thread of pull request 1. */
  get comments(): GitHubComment[] {
    return this.thread(1);
  }

  /** A comment someone wrote in the thread of pull request 1. */
  comment(body: string, user: { login: string; type?: string }, app: number | null = null): GitHubComment {
    const comment = { id: this.nextId++, body, user: { login: user.login, type: user.type ?? 'User' }, performed_via_github_app: app === null ? null : { id: app } };
    this.comments.push(comment);
    return comment;
  }
}

/** A pull request as GitHub's API and webhooks describe it, its code at `cloneUrl`. */
export function pullRequest(number: number, baseSha: string, headSha: string, cloneUrl = `https://github.com/${OWNER}/${REPO}.git`): object {
  const repository = { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, clone_url: cloneUrl, html_url: `https://github.com/${OWNER}/${REPO}` };
  return { number, state: 'open', draft: false, head: { sha: headSha, ref: 'feature', repo: repository }, base: { sha: baseSha, ref: 'main', repo: repository } };
}
