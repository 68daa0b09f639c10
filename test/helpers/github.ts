// A real safe-deploy server with the real Probot app, GitHub's API faked by nock.
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { githubOctokit } from '../../src/platforms/github/octokit.js';
import { createSafeDeployServer } from '../../src/server/server.js';
import { listening, type TestServer } from './server.js';

export type { TestServer };

export const WEBHOOK_SECRET = 'test-webhook-secret';
export const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

export const API = 'https://api.github.com';
export const OWNER = 'acme';
export const REPO = 'gitops';
export const INSTALLATION = 42;

export async function startGitHubServer(options: { concurrency?: number; log?: Logger; cacheDir?: string; env?: Record<string, string>; /** the production Octokit, waits included (otherwise retries and pacing stay on without waiting) */ production?: boolean } = {}): Promise<TestServer> {
  const cacheDir = options.cacheDir ?? mkdtempSync(join(tmpdir(), 'safe-deploy-cache-'));
  const server = await createSafeDeployServer({
    env: { APP_ID: '1234', PRIVATE_KEY: privateKey, WEBHOOK_SECRET, LOG_LEVEL: 'fatal', ...options.env },
    ...(options.production ? {} : { Octokit: githubOctokit({ waitScale: 0 }) }),
    cacheDir,
    concurrency: options.concurrency ?? 2,
    ...(options.log ? { log: options.log } : {}),
  });
  return listening(server, options.cacheDir ? undefined : cacheDir);
}

export function sign(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function sendWebhook(server: TestServer, event: string, payload: object, options: { delivery?: string; signature?: string } = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${server.url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': options.delivery ?? randomUUID(),
      'x-hub-signature-256': options.signature ?? sign(body),
    },
    body,
  });
}

export function pullRequestPayload(action: string, repoDir: string, number: number, baseSha: string, headSha: string): object {
  const repository = { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, clone_url: repoDir, html_url: `https://github.com/${OWNER}/${REPO}` };
  return {
    action,
    number,
    pull_request: { number, state: 'open', draft: false, head: { sha: headSha, ref: 'feature', repo: repository }, base: { sha: baseSha, ref: 'main', repo: repository } },
    repository,
    installation: { id: INSTALLATION },
    sender: { login: 'dev', type: 'User' },
  };
}
