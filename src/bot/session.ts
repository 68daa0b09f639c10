// The one per-merge-request adapter every code-hosting platform implements
// (DESIGN §2): the bot talks only to this, so GitHub, GitLab and CI mode share
// the review job, the commands and the failure reporting.
import type { Principal } from '../commands/authorize.js';
import type { ThreadComment } from '../commands/thread.js';
import type { StatusReport } from '../report/status.js';

export type { Annotation, StatusReport, StatusState } from '../report/status.js';
export type { ThreadComment } from '../commands/thread.js';

export type Platform = 'github' | 'gitlab';
export type CommentId = ThreadComment['id'];
export type Reaction = 'eyes' | '+1' | '-1';

/** Who wrote a comment; GitLab asks about members by numeric id. */
export interface Actor {
  username: string;
  id?: number;
}

/** One merge request on one platform, as the bot sees it. */
export interface MergeRequestSession {
  readonly platform: Platform;
  /** "owner/repo!12": identifies the merge request in logs, locks and metrics. */
  readonly key: string;
  /** The head commit the event named (statuses go to the head `code()` returns once it has). */
  readonly headSha: string;
  /** The head is in another repository (a fork): the base config decides whether it is reviewed before a maintainer asks. */
  readonly fromFork: boolean;
  /** Character limit of a comment. */
  readonly commentLimit: number;
  /** Character limit of a status summary; 0 when the platform's status has none (only a title). */
  readonly statusLimit: number;
  /** The code as the platform says it is now (a remote with its credentials, or the CI checkout). May fail like any API call. */
  code(): Promise<CodeSource>;
  /** URL of a file at the head revision, for links in the comment. */
  sourceLink(file: string, line?: number): string | null;
  setStatus(report: StatusReport): Promise<void>;
  /** A status of its own beside the review's, on the head commit (the approvals check). */
  setNamedStatus(name: string, report: StatusReport): Promise<void>;
  /** Who approved the head commit itself (GitHub reviews, GitLab approvals given since it was pushed), the author left out. */
  approvers(headSha: string): Promise<Actor[]>;
  /** Every comment of the merge request thread, oldest first. */
  listComments(): Promise<ThreadComment[]>;
  createComment(body: string): Promise<void>;
  updateComment(id: CommentId, body: string): Promise<void>;
  react(comment: CommentId, reaction: Reaction): Promise<void>;
  /** What the platform grants a user: no access answers 'none' / false, a failed API call rejects. */
  principal(actor: Actor): Principal;
  /** A file of the repository at a commit; null when there is none. */
  readFile(path: string, ref: string): Promise<string | null>;
}

/** Where the code of a merge request comes from: a remote fetched into the mirror cache… */
export interface RemoteCode {
  cloneUrl: string;
  auth?: { username: string; token: string };
  baseRef: string;
  headRef: string;
  baseSha: string;
  headSha: string;
  /** The URLs the platform knows the repository by: how Argo CD and Flux may name it. */
  repoURLs: string[];
}

/** …or a checkout already on disk (CI mode). */
export interface LocalCode {
  repo: string;
  baseSha: string;
  headSha: string;
  repoURLs: string[];
  /** The branch the merge request targets, when the CI job says it. */
  baseBranch?: string;
}

export type CodeSource = RemoteCode | LocalCode;
