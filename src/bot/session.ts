// The one interface every code-hosting platform implements (DESIGN §2): the
// review job talks only to this, so GitHub and GitLab share the whole pipeline.

import type { ThreadComment } from '../commands/thread.js';
import type { StatusReport } from '../report/status.js';

export type { Annotation, StatusReport, StatusState } from '../report/status.js';
export type { ThreadComment } from '../commands/thread.js';

/** One merge request on one platform, as the review job sees it. */
export interface MergeRequestSession {
  readonly platform: 'github' | 'gitlab';
  /** "owner/repo!12": identifies the merge request in logs, locks and metrics. */
  readonly key: string;
  /** Character limit of a comment. */
  readonly commentLimit: number;
  /** Character limit of a status summary; 0 when the platform's status has none (only a title). */
  readonly statusLimit: number;
  /** URL of a file at the head revision, for links in the comment. */
  sourceLink(file: string, line?: number): string | null;
  setStatus(report: StatusReport): Promise<void>;
  /** Every comment of the merge request thread, oldest first. */
  listComments(): Promise<ThreadComment[]>;
  createComment(body: string): Promise<void>;
  updateComment(id: ThreadComment['id'], body: string): Promise<void>;
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
