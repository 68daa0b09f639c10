// The fixture of an end-to-end test file: for each test, a git repository with
// its base commit, the platform's stateful fake and a real server, closed after.
import { afterEach, beforeEach } from 'vitest';
import { strictNock } from '../fakes/nock.js';
import { TestRepo } from './git-repo.js';
import type { TestServer } from './server.js';

export interface EndToEnd<Fake> {
  repo: TestRepo;
  base: string;
  fake: Fake;
  server: TestServer;
}

/** Sets up the test file; the returned object holds the current test's parts. */
export function endToEnd<Fake>(parts: { files: Record<string, string>; fake: () => Fake; server: () => Promise<TestServer> }): EndToEnd<Fake> {
  const current = {} as EndToEnd<Fake>;
  strictNock({ loopback: true });
  beforeEach(async () => {
    current.repo = new TestRepo();
    current.base = current.repo.commit(parts.files);
    current.fake = parts.fake();
    current.server = await parts.server();
  });
  afterEach(async () => {
    await current.server.close();
    current.repo.dispose();
  });
  return current;
}
