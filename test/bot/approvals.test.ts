import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvalState, approvalsReport } from '../../src/bot/approvals.js';
import type { RoutedReview } from '../../src/core/model.js';
import { FakeSession } from '../fakes/session.js';
import { TestRepo } from '../helpers/git-repo.js';

const entry = (i: number, satisfied: boolean, because = [`Service shop/web-${i} in apps/shop: exposure`]): RoutedReview => ({
  name: `entry ${i}`,
  require: ['@acme/security', '@alice'],
  because,
  approvedBy: satisfied ? ['bob'] : [],
  satisfied,
});

describe('approvals check', () => {
  it('fails while an entry is open, lists open entries first, each with why', () => {
    expect(approvalsReport([entry(1, true), entry(2, false)])).toEqual({
      state: 'failure',
      title: 'Waiting for 1 of 2 required reviews',
      summary: [
        '- ⏳ entry 2: needs @acme/security or @alice (Service shop/web-2 in apps/shop: exposure)',
        '- ✅ entry 1: approved by @bob (Service shop/web-1 in apps/shop: exposure)',
        '',
        'Only an approval of this head commit counts.',
      ].join('\n'),
    });
    expect(approvalsReport([entry(1, true)])).toMatchObject({ state: 'success', title: 'All 1 required review approved' });
    expect(approvalsReport([])).toMatchObject({ state: 'success', title: 'No approval required' });
  });

  it('stays within GitHub’s summary limit, whatever the config and the merge request name', () => {
    const hostile = '|\u200B'.repeat(80);
    const reviews = Array.from({ length: 60 }, (_, i) => entry(i, i % 2 === 0, [...Array(5).fill(hostile), 'and 3 more']));
    const { summary } = approvalsReport(reviews);
    expect(summary!.length).toBeLessThanOrEqual(65_535);
    const lines = summary!.split('\n');
    // The 30 open entries come first: the 20 listed are all open.
    expect(lines.slice(0, 20).every((l) => l.startsWith('- ⏳ entry '))).toBe(true);
    expect(lines[20]).toBe('- …and 40 more');
  });
});

describe('approval state', () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = new TestRepo();
  });
  afterEach(() => repo.dispose());
  const head = 'b'.repeat(40);
  const routed = (name: string, require: string[]): RoutedReview => ({ name, require, because: ['Service shop/web in apps/shop: exposure'] });

  it('names who of each entry’s reviewers approved the head, asking the platform once per user and team', async () => {
    const session = new FakeSession(repo, { repo: repo.dir, baseSha: 'a'.repeat(40), headSha: head, repoURLs: [] }, { teams: { 'acme/security': ['sec-bob'], 'acme/sre': [] } });
    session.approvals[head] = [{ username: 'carol' }, { username: 'sec-bob' }, { username: 'Alice' }];
    session.approvals['c'.repeat(40)] = [{ username: 'dave' }];
    const state = await approvalState(session, [routed('security', ['@acme/security']), routed('security or alice', ['@acme/sre', '@ACME/Security', '@alice']), routed('dave', ['@dave'])], head);
    expect(state.map((r) => [r.name, r.approvedBy, r.satisfied])).toEqual([
      ['security', ['sec-bob'], true],
      ['security or alice', ['sec-bob', 'Alice'], true],
      ['dave', [], false],
    ]);
    // Entries are asked at once: the questions, each once, in any order.
    expect([...session.teamQuestions].sort()).toEqual([
      ['Alice', 'acme/security'],
      ['Alice', 'acme/sre'],
      ['carol', 'acme/security'],
      ['carol', 'acme/sre'],
      ['sec-bob', 'acme/security'],
      ['sec-bob', 'acme/sre'],
    ]);
  });
});
