// Flux objects as `flux bootstrap` and users write them, and the CLI's review JSON,
// shared by the tests of Flux and Argo CD semantics.
import { expect } from 'vitest';
import { cli } from './cli.js';
import type { TestRepo } from './git-repo.js';

/** A Flux GitRepository in flux-system following branch main (the bootstrap source when named flux-system). */
export const gitRepository = (name = 'flux-system', url = 'https://git.example.com/platform/fleet.git') => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: ${name}, namespace: flux-system}
spec:
  interval: 1m
  url: ${url}
  ref: {branch: main}
`;

/** A Flux Kustomization apps in flux-system of path ./apps from the bootstrap source; `extra` adds spec lines. */
export const fluxKustomization = (prune: boolean, extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  prune: ${prune}
  path: ./apps
${extra}  sourceRef: {kind: GitRepository, name: flux-system}
`;

/** `safe-deploy review --format json` of two revisions; a review that cannot run throws its message, and nothing goes to stderr. */
export async function reviewJson<T>(repo: TestRepo, base: string, head: string, args: string[] = [], env: Record<string, string> = {}): Promise<T> {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json', ...args], env);
  if (result.status === 2) throw new Error(result.stderr);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as T;
}
