// A stateful GitLab REST API for one project (nock): the merge request, its
// notes, award emoji, commit statuses, members and files, kept as GitLab keeps
// them. Every call is recorded ("METHOD /path"); anything else is a 'no match'.
import nock from 'nock';
import { keep } from './nock.js';

export const GITLAB = 'https://gitlab.example.com';
export const PROJECT = 5;
export const BOT_USER = { id: 99, username: 'safe-deploy-bot' };
const P = `/api/v4/projects/${PROJECT}`;

export interface GitLabNote {
  id: number;
  body: string;
  system: boolean;
  author: { id: number; username: string };
}

/** What a failing route answers: its status and message. */
type Failure = [status: number, message: string];

export class FakeGitLab {
  readonly calls: string[] = [];
  readonly notes: GitLabNote[] = [];
  readonly emojis: Array<{ note: number; name: string }> = [];
  readonly statuses: Array<{ sha: string; state: string; name: string; description: string; pipeline_id?: number }> = [];
  /** user id → access level, inherited included. */
  readonly members: Record<number, number> = {};
  /** "group/sub" → member user ids. */
  readonly groups: Record<string, number[]> = {};
  /** path → raw content at every ref. */
  readonly files: Record<string, string> = {};
  /** The merge request as GET /merge_requests/:iid answers. */
  mergeRequest: object = {};
  /** Who approved, and when, as GET /merge_requests/:iid/approvals lists them. */
  readonly approvedBy: Array<{ user: { id: number; username: string }; approved_at?: string }> = [];
  /** The merge request's diff versions, newest first, as GET /merge_requests/:iid/versions lists them. */
  readonly versions: Array<{ id: number; head_commit_sha: string; created_at: string }> = [];
  /** Failures the next calls of a route answer, in order ("GET /api/v4/projects/5/merge_requests/1"). */
  readonly failures: Record<string, Failure[]> = {};
  private nextId = 100;

  constructor() {
    const record = (method: string, uri: string) => {
      const call = `${method} ${decodeURIComponent(uri.split('?')[0]!)}`;
      this.calls.push(call);
      const failure = this.failures[call]?.shift();
      return failure ? ([failure[0], { message: failure[1] }] as const) : null;
    };
    const route = (scope: nock.Interceptor, method: string, answer: (uri: string, body: Record<string, unknown>) => nock.ReplyFnResult) =>
      scope.reply(function (uri, body) {
        return record(method, uri) ?? answer(uri, (typeof body === 'string' && body ? Object.fromEntries(new URLSearchParams(body)) : body) as Record<string, unknown>);
      });
    const n = (uri: string, fromEnd = 1) => Number(uri.split('?')[0]!.split('/').at(-fromEnd));
    const api = nock(GITLAB).persist();
    route(api.get('/api/v4/user'), 'GET', () => [200, BOT_USER]);
    route(api.get(new RegExp(`^${P}/merge_requests/\\d+$`)), 'GET', () => [200, this.mergeRequest]);
    route(api.get(new RegExp(`^${P}/merge_requests/\\d+/notes`)).query(true), 'GET', () => [200, this.notes]);
    route(api.get(new RegExp(`^${P}/merge_requests/\\d+/approvals$`)), 'GET', () => [200, { approved: this.approvedBy.length > 0, approved_by: this.approvedBy }]);
    route(api.get(new RegExp(`^${P}/merge_requests/\\d+/versions`)).query(true), 'GET', () => [200, this.versions]);
    route(api.post(new RegExp(`^${P}/merge_requests/\\d+/notes$`)), 'POST', (_uri, body) => {
      const note = { id: this.nextId++, body: String(body.body), system: false, author: BOT_USER };
      this.notes.push(note);
      return [201, note];
    });
    route(api.put(new RegExp(`^${P}/merge_requests/\\d+/notes/\\d+$`)), 'PUT', (uri, body) => {
      const note = this.notes.find((x) => x.id === n(uri));
      if (!note) return [404, { message: '404 Not found' }];
      note.body = String(body.body);
      return [200, note];
    });
    route(api.post(new RegExp(`^${P}/merge_requests/\\d+/notes/\\d+/award_emoji$`)), 'POST', (uri, body) => {
      this.emojis.push({ note: n(uri, 2), name: String(body.name) });
      return [201, {}];
    });
    route(api.post(new RegExp(`^${P}/statuses/[0-9a-f]+$`)), 'POST', (uri, body) => {
      this.statuses.push({ sha: uri.split('/').at(-1)!, ...(body as { state: string; name: string; description: string; pipeline_id?: number }) });
      return [201, {}];
    });
    route(api.get(new RegExp(`^${P}/members/all/\\d+$`)), 'GET', (uri) => {
      const level = this.members[n(uri)];
      return level ? [200, { id: n(uri), access_level: level }] : [404, { message: '404 Not found' }];
    });
    route(api.get(/^\/api\/v4\/groups\/[^/]+\/members\/all\/\d+$/), 'GET', (uri) => {
      const group = decodeURIComponent(uri.split('/')[4]!);
      return this.groups[group]?.includes(n(uri)) ? [200, { id: n(uri), access_level: 30 }] : [404, { message: '404 Not found' }];
    });
    route(api.get(new RegExp(`^${P}/repository/files/[^/]+/raw`)).query(true), 'GET', (uri) => {
      const content = this.files[decodeURIComponent(uri.split('?')[0]!.split('/')[7]!)];
      return content === undefined ? [404, { message: '404 File Not Found' }] : [200, content, { 'content-type': 'text/plain; charset=utf-8' }];
    });
    keep(api);
  }

  /** A note someone wrote in the thread. */
  note(body: string, author: { id: number; username: string }, system = false): GitLabNote {
    const note = { id: this.nextId++, body, system, author };
    this.notes.push(note);
    return note;
  }
}
