// A merge request held in memory over a real git repository: what a platform
// would record (statuses, comments, reactions), the roles and teams it would
// answer, and the API failures a test asks for. The bot, the commands and the
// scheduler are tested against it in milliseconds; the platform adapters have
// their own contract tests (test/platforms).
import type { Principal, Role } from '../../src/commands/authorize.js';
import type { Actor, CommentId, LocalCode, MergeRequestSession, Platform, Reaction, StatusReport, ThreadComment } from '../../src/bot/session.js';
import type { TestRepo } from '../helpers/git-repo.js';

export const REVIEW_MARKER = '<!-- safe-deploy:review -->';

/** The session calls a test can make fail (as a rejected API call). */
type Failing = 'code' | 'setStatus' | 'listComments' | 'createComment' | 'updateComment' | 'react' | 'readFile';

export interface FakeSessionOptions {
  platform?: Platform;
  key?: string;
  /** The head the event named; by default the code's head. Differs from it once the merge request moved. */
  headSha?: string;
  roles?: Record<string, Role | Error>;
  /** Members of each team or group ("acme/sre"). */
  teams?: Record<string, string[]>;
}

export class FakeSession implements MergeRequestSession {
  readonly platform: Platform;
  readonly key: string;
  readonly commentLimit = 65_536;
  readonly statusLimit = 0;
  /** A test makes the merge request a fork's. */
  fromFork = false;
  /** Each status with the head it was set on. */
  readonly statuses: Array<StatusReport & { head: string }> = [];
  readonly comments: ThreadComment[] = [];
  readonly reactions: Array<[CommentId, Reaction]> = [];
  /** Who was asked about which team, in order. */
  readonly teamQuestions: Array<[string, string]> = [];
  /** Calls that reject with the given error until the test deletes the entry. */
  readonly failing: Partial<Record<Failing, Error>> = {};
  /** The calls made, in order, as they start. */
  readonly calls: Failing[] = [];
  /** Calls that wait for the given promise first (a slow API). */
  readonly gates: Partial<Record<Failing, Promise<void>>> = {};
  readonly roles: Record<string, Role | Error>;
  private readonly teams: Record<string, string[]>;
  private eventHead: string | undefined;
  private ids = { next: 1 };

  constructor(
    private readonly repo: TestRepo,
    /** The merge request's code as the platform says it is now; a test moves its head by replacing it. */
    public local: LocalCode,
    options: FakeSessionOptions = {},
  ) {
    this.platform = options.platform ?? 'github';
    this.key = options.key ?? 'acme/fleet#1';
    this.eventHead = options.headSha;
    this.roles = options.roles ?? {};
    this.teams = options.teams ?? {};
  }

  get headSha(): string {
    return this.eventHead ?? this.local.headSha;
  }

  /** The same merge request after a push: another session (as the platform makes per event) on the same thread. */
  pushed(local: LocalCode): FakeSession {
    const next = new FakeSession(this.repo, local, { platform: this.platform, key: this.key, roles: this.roles, teams: this.teams });
    return Object.assign(next, { statuses: this.statuses, comments: this.comments, reactions: this.reactions, ids: this.ids });
  }

  private async check(call: Failing): Promise<void> {
    this.calls.push(call);
    await this.gates[call];
    const error = this.failing[call];
    if (error) throw error;
  }

  async code(): Promise<LocalCode> {
    await this.check('code');
    return this.local;
  }

  sourceLink(): null {
    return null;
  }

  async setStatus(report: StatusReport): Promise<void> {
    await this.check('setStatus');
    this.statuses.push({ ...report, head: this.local.headSha });
  }

  /** Statuses set under their own name (the approvals check), with the head. */
  readonly namedStatuses: Array<StatusReport & { name: string; head: string }> = [];
  /** Who approved which head. */
  readonly approvals: Record<string, Actor[]> = {};

  async setNamedStatus(name: string, report: StatusReport): Promise<void> {
    this.namedStatuses.push({ ...report, name, head: this.local.headSha });
  }

  async approvers(headSha: string): Promise<Actor[]> {
    return this.approvals[headSha] ?? [];
  }

  async listComments(): Promise<ThreadComment[]> {
    await this.check('listComments');
    return this.comments.map((c) => ({ ...c }));
  }

  async createComment(body: string): Promise<void> {
    await this.check('createComment');
    this.comments.push({ id: this.ids.next++, body, author: 'safe-deploy[bot]', own: true });
  }

  async updateComment(id: CommentId, body: string): Promise<void> {
    await this.check('updateComment');
    this.comments.find((c) => c.id === id)!.body = body;
  }

  async react(comment: CommentId, reaction: Reaction): Promise<void> {
    await this.check('react');
    this.reactions.push([comment, reaction]);
  }

  principal(actor: Actor): Principal {
    return {
      username: actor.username,
      role: async () => {
        const role = this.roles[actor.username] ?? 'none';
        if (role instanceof Error) throw role;
        return role;
      },
      memberOf: async (group) => {
        this.teamQuestions.push([actor.username, group]);
        return (this.teams[group] ?? []).includes(actor.username);
      },
    };
  }

  async readFile(path: string, ref: string): Promise<string | null> {
    await this.check('readFile');
    if (!this.repo.git('ls-tree', '--name-only', ref, '--', path)) return null;
    return this.repo.git('show', `${ref}:${path}`);
  }

  /** A comment someone else wrote in the thread. */
  addComment(body: string, author: string, own = false): void {
    this.comments.push({ id: this.ids.next++, body, author, own });
  }

  /** The bodies of comments other than the review. */
  replies(): string[] {
    return this.comments.filter((c) => !c.body.startsWith(REVIEW_MARKER)).map((c) => c.body);
  }

  /** The review comment's body ('' when there is none). */
  review(): string {
    return this.comments.find((c) => c.own && c.body.startsWith(REVIEW_MARKER))?.body ?? '';
  }

  /** The final states of the statuses, in order (running ones left out). */
  outcomes(): string[] {
    return this.statuses.filter((s) => s.state !== 'running').map((s) => s.state);
  }
}
