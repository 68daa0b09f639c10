#!/usr/bin/env node
// `npm run demo`: builds a throw-away git repository from examples/demo (base
// commit = repo/, head commit = repo/ + head.patch) and reviews head against base.
// `npm run demo -- --json` prints the JSON; `npm run demo -- --html report.html` writes the report page.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = join(root, 'examples', 'demo');
const repo = mkdtempSync(join(tmpdir(), 'safe-deploy-demo-'));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
};
const git = (...args) => execFileSync('git', args, { cwd: repo, env, stdio: ['ignore', 'ignore', 'inherit'] });

try {
  cpSync(join(demo, 'repo'), repo, { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'Shop as deployed');
  git('checkout', '-q', '-b', 'release-1.5');
  git('apply', '--index', join(demo, 'head.patch'));
  git('commit', '-q', '-m', 'Release frontend 1.5.0, rotate the DB password, retire legacy-worker');
  // --json prints the review JSON; --html FILE writes the full report page.
  const html = process.argv.indexOf('--html');
  const format = html > 0 ? 'html' : process.argv.includes('--json') ? 'json' : 'markdown';
  const out = html > 0 ? ['--out', process.argv[html + 1] ?? 'report.html'] : [];
  const result = spawnSync(
    process.execPath,
    [join(root, 'bin', 'safe-deploy.js'), 'review', '--repo', repo, '--base', 'main', '--head', 'release-1.5', '--format', format, ...out],
    { stdio: 'inherit' },
  );
  // Exit 1 only says the verdict is "fail": the demo itself worked.
  process.exitCode = result.status === 0 || result.status === 1 ? 0 : (result.status ?? 2);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
