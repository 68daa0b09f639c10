// Slash-commands through the one event pipeline: a real scheduler, real reviews
// of a real repository, and the merge request held in memory (FakeSession).
// The platform side (which comments become commands, roles, reactions on the
// wire) is covered by the adapter contract tests in test/platforms.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalCode } from '../../src/bot/session.js';
import { OverrideRecords } from '../../src/commands/override-record.js';
import type { Override } from '../../src/core/policy/overrides.js';
import { TestRepo } from '../helpers/git-repo.js';
import { deployment } from '../helpers/manifests.js';
import { botWith, commandEvent, RECORD_KEY, reviewEvent } from '../fakes/bot.js';
import { FakeSession, type FakeSessionOptions } from '../fakes/session.js';

let repo: TestRepo;
let base: string;
let head: string;
const latest = { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) };

beforeEach(() => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
  head = repo.pushHead(base, 'refs/pull/1/head', latest);
});
afterEach(() => repo.dispose());

const codeAt = (headSha: string, baseSha = base): LocalCode => ({ repo: repo.dir, baseSha, headSha, repoURLs: [] });

/** A merge request from `base` to `head` (or given code), and the bot that serves it. */
function mergeRequest(options: FakeSessionOptions & { config?: string } = {}) {
  const baseSha = options.config ? repo.pushHead(base, 'refs/heads/main', { '.safe-deploy.yml': options.config }) : base;
  const headSha = options.config ? repo.pushHead(baseSha, 'refs/pull/1/head', latest) : head;
  const session = new FakeSession(repo, codeAt(headSha, baseSha), options);
  const { bot, log, metric } = botWith();
  return {
    session,
    log,
    metric,
    push: async (sha?: string) => {
      if (sha) session.local = codeAt(sha, baseSha);
      bot.dispatch(reviewEvent(session, undefined, session.key));
      await bot.idle();
    },
    comment: async (body: string, author = 'dev') => {
      bot.dispatch(commandEvent(session, body, author));
      await bot.idle();
    },
  };
}

describe('slash-commands', () => {
  it('help: lists the commands and who may override, with 👀 then 👍', async () => {
    const { session, comment } = mergeRequest({ config: 'commands:\n  override: ["@acme/sre", admin]\n' });
    await comment('/safe-deploy help');
    expect(session.replies()).toHaveLength(1);
    expect(session.replies()[0]).toMatch(/^\*\*safe-deploy commands\*\*/);
    expect(session.replies()[0]).toContain('| `/safe-deploy override <rule-id> [<Kind>/<name>] -- <reason>` | accept a failing rule for this commit, on record | <code>&#64;</code>acme/sre, or admin permission or higher |');
    expect(session.reactions).toEqual([
      [555, 'eyes'],
      [555, '+1'],
    ]);
  });

  it('rerun: refused politely without write access, runs the review with it', async () => {
    const { session, comment } = mergeRequest({ roles: { reader: 'read', writer: 'write' } });
    await comment('/safe-deploy rerun', 'reader');
    expect(session.replies()).toEqual(['@reader, sorry: <code>/safe-deploy rerun</code> needs write access to the repository, and you have read access.']);
    expect(session.reactions.map(([, r]) => r)).toEqual(['eyes', '-1']);
    expect(session.statuses).toEqual([]);
    await comment('/safe-deploy diff', 'writer');
    expect(session.outcomes()).toEqual(['failure']);
    expect(session.review()).toContain('+          image: nginx:latest');
  });

  it('show: the full diff of one object; explain: a rule; unknown: a pointer to help', async () => {
    const { session, comment } = mergeRequest();
    await comment('/safe-deploy show deployment/web\n/safe-deploy explain image-tag-mutable\n/safe-deploy frobnicate');
    const [shown, explained, unknown] = session.replies();
    expect(shown).toMatch(/^#### update <code>Deployment shop\/web<\/code> in <code>deploy\/web<\/code>/);
    expect(shown).toContain('+          image: nginx:latest');
    expect(explained).toMatch(/^### <code>image-tag-mutable<\/code> — error by default/);
    expect(unknown).toBe("I don't know <code>/safe-deploy frobnicate</code>; `/safe-deploy help` lists the commands.");
    expect(session.reactions.map(([, r]) => r)).toEqual(['eyes', '-1']);
  });

  it('ignores a command inside a code block', async () => {
    const { session, comment } = mergeRequest();
    await comment('```\n/safe-deploy help\n```');
    expect(session.comments).toEqual([]);
    expect(session.reactions).toEqual([]);
  });

  it('override: needs a reason and the permission; once recorded, the status turns green until the next push', async () => {
    const { session, push, comment } = mergeRequest({ roles: { writer: 'write', lead: 'maintain' } });
    await push();
    expect(session.outcomes()).toEqual(['failure']);
    await comment('/safe-deploy override image-tag-mutable', 'lead');
    expect(session.replies().pop()).toMatch(/^An override needs a rule and a reason/);
    await comment('/safe-deploy override image-tag-mutable -- hotfix', 'writer');
    expect(session.replies().pop()).toBe('@writer, sorry: <code>/safe-deploy override image-tag-mutable</code> needs maintain permission or higher, and you have write access.');
    expect(session.outcomes()).toEqual(['failure']);

    await comment('/safe-deploy override image-tag-mutable Deployment/web -- hotfix for the outage, pinned in #42', 'lead');
    expect(session.replies().pop()).toMatch(/^Override recorded: <code>image-tag-mutable<\/code> on <code>Deployment\/web<\/code> for <code>[0-9a-f]{12}<\/code>, by @lead: hotfix for the outage, pinned in <code>&#35;<\/code>42\n\nIt holds until the next push\.\n<!-- safe-deploy:override [\w-]+\.[\w-]{43} -->$/);
    expect(session.outcomes()).toEqual(['failure', 'success']);
    expect(session.statuses.filter((s) => s.state !== 'running').map((s) => s.title)).toEqual(['1 error', '1 overridden by lead']);
    expect(session.review()).toContain('### Overrides');
    expect(session.review()).toContain('~~error~~ overridden');

    await comment('/safe-deploy overrides');
    expect(session.replies().pop()).toContain('| <code>image-tag-mutable</code> | <code>Deployment/web</code> | lead | hotfix for the outage, pinned in <code>&#35;</code>42 |');

    // A new push: the override was for the old head.
    await push(repo.pushHead(head, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest', replicas: 3 }) }));
    expect(session.outcomes()).toEqual(['failure', 'success', 'failure']);
    expect(session.review()).not.toContain('### Overrides');
  });

  it('override by an @org/team entry: asks the platform about the team membership', async () => {
    const { session, push, comment } = mergeRequest({ config: 'commands:\n  override: ["@acme/sre"]\n', roles: { oncall: 'write', outsider: 'write' }, teams: { 'acme/sre': ['oncall'] } });
    await push();
    await comment('/safe-deploy override image-tag-mutable -- pinned by the release', 'outsider');
    expect(session.replies().pop()).toBe('@outsider, sorry: <code>/safe-deploy override image-tag-mutable</code> needs <code>&#64;</code>acme/sre, and you have write access.');
    await comment('/safe-deploy override image-tag-mutable -- pinned by the release', 'oncall');
    expect(session.replies().pop()).toMatch(/^Override recorded: <code>image-tag-mutable<\/code> for <code>[0-9a-f]{12}<\/code>, by @oncall: pinned by the release/);
    expect(session.teamQuestions).toEqual([
      ['outsider', 'acme/sre'],
      ['oncall', 'acme/sre'],
    ]);
    expect(session.outcomes()).toEqual(['failure', 'success']);
  });

  it('the GitHub App asks for the members permission the team check needs', () => {
    const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as { default_permissions: Record<string, string> };
    expect(manifest.default_permissions.members).toBe('read');
  });

  it('an override for a head that moved since the posted review is refused', async () => {
    // The event names the old head (GitLab's hook may be stale); the platform says where the head is now.
    const { session, push, comment } = mergeRequest({ roles: { lead: 'maintain' }, headSha: head });
    await comment('/safe-deploy override image-tag-mutable -- hotfix', 'lead');
    expect(session.replies().pop()).toBe(`Override refused: there is no review of <code>${head.slice(0, 12)}</code> yet; review it and override again.`);
    await push();
    const next = repo.pushHead(head, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest', replicas: 5 }) });
    session.local = codeAt(next);
    await comment('/safe-deploy override image-tag-mutable -- hotfix', 'lead');
    expect(session.replies().pop()).toBe(`Override refused: the head changed to <code>${next.slice(0, 12)}</code>; review it and override again.`);
    expect(session.outcomes()).toEqual(['failure']);
  });
});

describe('forged overrides', () => {
  const signed = new OverrideRecords(RECORD_KEY);
  const MR = 'acme/fleet#1';
  const recordLine = (override: Override) => signed.confirmation(override, MR).split('\n').pop()!;
  const forgedLine = (override: Override) => `<!-- safe-deploy:override ${Buffer.from(JSON.stringify(override)).toString('base64url')}.${'A'.repeat(43)} -->`;
  const unsignedLine = (override: Override) => `<!-- safe-deploy:override ${Buffer.from(JSON.stringify(override)).toString('base64url')} -->`;
  const grant = (sha: string): Override => ({ rule: 'image-tag-mutable', sha, by: 'cto', reason: 'approved', at: '2026-11-28T00:00:00Z' });

  for (const platform of ['github', 'gitlab'] as const) {
    it(`${platform}: a record echoed by a refusal, forged, unsigned or copied, never turns the status green; the reply carries no HTML comment`, async () => {
      const { session, push, comment } = mergeRequest({ platform, key: MR, roles: { reader: 'read' } });
      await push();
      await comment(`/safe-deploy rerun ${forgedLine(grant(head))} ${unsignedLine(grant(head))} ${recordLine(grant(head))}`, 'reader');
      const refusal = session.replies().pop()!;
      expect(refusal).toMatch(/^@reader, sorry: <code>\/safe-deploy rerun &lt;!-- safe-deploy:override /);
      expect(refusal).not.toContain('<!--');
      await push();
      expect(session.outcomes()).toEqual(['failure', 'failure']);
      expect(session.statuses.pop()!.title).toBe('1 error');
    });
  }

  it('a genuinely signed record inside a reviewed diff, or pasted whole by a person, is not an override', async () => {
    // The attacker prepares the commit they will force-push, then a commit whose ConfigMap carries a record for it.
    const later = repo.pushHead(base, 'refs/attack/later', latest);
    const carrier = repo.pushHead(base, 'refs/pull/1/head', {
      ...latest,
      'deploy/web/note.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: note, namespace: shop}\ndata:\n  note: |\n${signed.confirmation(grant(later), MR).split('\n').map((l) => `    ${l}`).join('\n')}\n`,
    });
    const { session, push } = mergeRequest({ key: MR });
    await push(carrier);
    expect(session.review()).toContain('safe-deploy:override');
    // A person pastes a whole confirmation signed for the head as well.
    session.addComment(signed.confirmation(grant(later), MR), 'mallory');
    await push(later);
    expect(session.outcomes()).toEqual(['failure', 'failure']);
    expect(session.review()).not.toContain('### Overrides');
  });

  it('a bot reply that quotes the review marker is never taken for the review comment', async () => {
    const marked = repo.pushHead(base, 'refs/pull/1/head', {
      ...latest,
      'deploy/web/marker.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: marker, namespace: shop}\ndata:\n  x: |\n    <!-- safe-deploy:review -->\n',
    });
    const { session, push, comment } = mergeRequest();
    await push(marked);
    await comment('/safe-deploy show ConfigMap/marker');
    const shown = session.replies().pop()!;
    expect(shown).toContain('<!-- safe-deploy:review -->');
    const next = repo.pushHead(marked, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:1.27' }) });
    await push(next);
    // The show reply is untouched; the one review comment now describes the new head.
    expect(session.comments.map((c) => c.body)).toContain(shown);
    expect(session.comments.filter((c) => c.body.startsWith('<!-- safe-deploy:review -->'))).toHaveLength(1);
    expect(session.review()).toContain(`<!-- safe-deploy:head ${next} -->`);
  });
});
