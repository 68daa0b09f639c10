// A merge request held in memory over a real git repository: what a platform
// would record (statuses, comments, reactions), and the roles it would answer.
import type { Principal, Role } from '../../src/commands/authorize.js';
import type { Actor, CommentId, LocalCode, MergeRequestSession, Reaction, StatusReport, ThreadComment } from '../../src/bot/session.js';
import type { TestRepo } from '../helpers/git-repo.js';

export class MemorySession implements MergeRequestSession {
  readonly platform = 'github' as const;
  readonly commentLimit = 65_536;
  readonly statusLimit = 0;
  readonly statuses: StatusReport[] = [];
  readonly comments: ThreadComment[] = [];
  readonly reactions: Array<[CommentId, Reaction]> = [];
  private nextId = 1;

  constructor(
    private readonly repo: TestRepo,
    private readonly local: LocalCode,
    readonly key = 'acme/fleet#1',
    private readonly roles: Record<string, Role | Error> = {},
  ) {}

  get headSha(): string {
    return this.local.headSha;
  }

  async code(): Promise<LocalCode> {
    return this.local;
  }

  sourceLink(): null {
    return null;
  }

  async setStatus(report: StatusReport): Promise<void> {
    this.statuses.push(report);
  }

  async listComments(): Promise<ThreadComment[]> {
    return this.comments.map((c) => ({ ...c }));
  }

  async createComment(body: string): Promise<void> {
    this.comments.push({ id: this.nextId++, body, author: 'safe-deploy[bot]', own: true });
  }

  async updateComment(id: CommentId, body: string): Promise<void> {
    this.comments.find((c) => c.id === id)!.body = body;
  }

  async react(comment: CommentId, reaction: Reaction): Promise<void> {
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
      memberOf: async () => false,
    };
  }

  async readFile(path: string, ref: string): Promise<string | null> {
    try {
      return this.repo.git('show', `${ref}:${path}`);
    } catch {
      return null;
    }
  }

  /** The bodies of comments others than the review. */
  replies(): string[] {
    return this.comments.filter((c) => !c.body.startsWith('<!-- safe-deploy:review -->')).map((c) => c.body);
  }
}
