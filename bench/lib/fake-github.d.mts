// Types of fake-github.mjs, for the tests that drive the server processes against it.
export interface FakeCheckRun {
  id: number;
  headSha: string;
  status: string;
  conclusion: string | null;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  performed_via_github_app: { id: number };
  created_at: string;
}

export interface FakeGitHub {
  /** host:port, for GHE_HOST with GHE_PROTOCOL=http. */
  host: string;
  completed: Map<string, number>;
  conclusions: Map<string, string>;
  checkRuns: FakeCheckRun[];
  /** Issue number (as a string) → its comments. */
  comments: Map<string, FakeComment[]>;
  whenCompleted(sha: string): Promise<number>;
  hold(method: string, path: RegExp): { arrived: Promise<void>; release(): void };
  until(condition: () => boolean, ms: number): Promise<void>;
  close(): Promise<void>;
}

export declare function startFakeGitHub(options?: { appId?: number }): Promise<FakeGitHub>;
