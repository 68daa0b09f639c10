import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { githubOctokit } from '../../src/platforms/github/octokit.js';
import { GitHubSession } from '../../src/platforms/github/session.js';
import { Metrics } from '../../src/server/metrics.js';
import { strictNock } from '../fakes/nock.js';

strictNock();

describe('GitHub check run', () => {
  it('sends annotations in batches of 50 and the conclusion with the last batch', async () => {
    const Octokit = githubOctokit({ retries: false });
    const octokit = new Octokit({ auth: 'token' });
    const session = new GitHubSession(octokit, { owner: 'o', repo: 'r', number: 3, headSha: 'a'.repeat(40), htmlUrl: 'https://github.com/o/r' }, new Metrics(), { kind: 'app', appId: 1 });
    const updates: Array<{ conclusion?: string; count: number }> = [];
    nock('https://api.github.com')
      .post('/repos/o/r/check-runs')
      .reply(201, { id: 9 })
      .patch('/repos/o/r/check-runs/9')
      .times(3)
      .reply(200, (_uri, body) => {
        const b = body as { conclusion?: string; output: { annotations: unknown[] } };
        updates.push({ ...(b.conclusion ? { conclusion: b.conclusion } : {}), count: b.output.annotations.length });
        return {};
      });
    await session.setStatus({ state: 'running', title: 'running' });
    const annotations = Array.from({ length: 120 }, (_, i) => ({ file: 'a.yaml', line: i + 1, level: 'warning' as const, title: 'probes-missing', message: `m${i}` }));
    await session.setStatus({ state: 'failure', title: '120 warnings', summary: 's', annotations });
    expect(updates).toEqual([{ count: 50 }, { count: 50 }, { conclusion: 'failure', count: 20 }]);
    expect(session.sourceLink('deploy/my app.yaml', 4)).toBe(`https://github.com/o/r/blob/${'a'.repeat(40)}/deploy/my%20app.yaml#L4`);
  });
});

describe('GitHub API timeouts', () => {
  it('abandon a call that does not answer in time', async () => {
    nock('https://api.github.com').get('/repos/o/r').delay(2000).reply(200, {});
    const Octokit = githubOctokit({ retries: false, timeoutMs: 300 });
    const started = performance.now();
    await expect(new Octokit({ auth: 'token' }).rest.repos.get({ owner: 'o', repo: 'r' })).rejects.toThrow(/aborted due to timeout/);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
