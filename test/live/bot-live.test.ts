// Live mode through the bot: the operator's kubeconfig directory, an Argo CD
// Application mapped to its cluster by destination name, the comment and the status.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operatorLiveSpec } from '../../src/live/access.js';
import { botWith, reviewEvent } from '../fakes/bot.js';
import { FakeKubeApi, kubeconfigFor, status } from '../fakes/kube-api.js';
import { nockKubeApi } from '../fakes/kube-api-nock.js';
import { strictNock } from '../fakes/nock.js';
import { FakeSession } from '../fakes/session.js';
import { TestRepo } from '../helpers/git-repo.js';

const SERVER = 'https://prod.kube.test:6443';
strictNock();

let repo: TestRepo;
let kubeconfigDir: string;
let fake: FakeKubeApi;

beforeEach(() => {
  repo = new TestRepo();
  kubeconfigDir = `${repo.dir}-kubeconfigs`;
  mkdirSync(kubeconfigDir);
  writeFileSync(join(kubeconfigDir, 'prod.yaml'), kubeconfigFor(SERVER, 'prod'));
  fake = new FakeKubeApi();
  nockKubeApi(SERVER, fake);
});
afterEach(() => {
  repo.dispose();
  rmSync(kubeconfigDir, { recursive: true, force: true });
});

const application = (destination: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/acme/fleet, path: apps/web, targetRevision: HEAD}
  destination: {name: ${destination}, namespace: shop}
  syncPolicy: {automated: {prune: true}}
`;
const settings = (level: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {level: ${level}}\n`;
const CONFIG = 'repoURLs: [https://github.com/acme/fleet]\nclusters:\n  prod: {kubeconfig: prod.yaml}\n  staging: {kubeconfig: staging.yaml}\n';

describe('live mode in the bot', () => {
  it("asks the Application's cluster, shows it in the comment, and fails the status on the cluster's refusal", async () => {
    const base = repo.commit({ '.safe-deploy.yml': CONFIG, 'argo/web.yaml': application('prod'), 'apps/web/settings.yaml': settings('warn') });
    // The change also points the Application at staging: the review still asks the cluster it deploys to today.
    const head = repo.commit({ 'argo/web.yaml': application('staging'), 'apps/web/settings.yaml': settings('error') });
    fake
      .put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } })
      .put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', labels: { 'app.kubernetes.io/instance': 'web' } }, data: { level: 'debug' } }, 'argocd-controller')
      .put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'leftover', namespace: 'shop', labels: { 'app.kubernetes.io/instance': 'web' } }, data: {} }, 'argocd-controller')
      .fault({ method: 'PATCH', path: /configmaps\/settings$/, status: 422, body: status(422, 'Invalid', 'ConfigMap "settings" is invalid: data.level: Invalid value: "error": denied by ValidatingAdmissionPolicy \'levels\'') });
    const session = new FakeSession(repo, { repo: repo.dir, baseSha: base, headSha: head, repoURLs: ['https://github.com/acme/fleet'], baseBranch: 'main' });
    const { bot } = botWith(1, { live: operatorLiveSpec({ SAFE_DEPLOY_KUBECONFIG_DIR: kubeconfigDir })! });
    expect(await bot.run(reviewEvent(session))).toEqual(['fail']);
    const body = session.comments[0]!.body;
    expect(body).toContain('**Cluster <code>prod</code>** · dry-run as <code>argocd-controller</code> (forced) · pruning on');
    expect(body).toContain('- <code>ConfigMap shop/settings</code>: changed in the cluster by hand: data.level warn → debug — merging will set it to error');
    expect(body).toContain('Only in the cluster, pruned by the sync:\n- 🗑️ <code>ConfigMap shop/leftover</code> (Argo CD Application argocd/web)');
    expect(body).toContain('Cluster prod rejects ConfigMap shop/settings: ConfigMap "settings" is invalid');
    expect(session.statuses.at(-1)).toMatchObject({ state: 'failure' });
    expect(fake.writes()).toEqual([]);
  });

  it('does nothing with clusters unless the operator allows it', async () => {
    const base = repo.commit({ '.safe-deploy.yml': CONFIG, 'argo/web.yaml': application('prod'), 'apps/web/settings.yaml': settings('warn') });
    const head = repo.commit({ 'apps/web/settings.yaml': settings('error') });
    const session = new FakeSession(repo, { repo: repo.dir, baseSha: base, headSha: head, repoURLs: ['https://github.com/acme/fleet'], baseBranch: 'main' });
    expect(operatorLiveSpec({})).toBeNull();
    const { bot } = botWith(1);
    expect(await bot.run(reviewEvent(session))).toEqual(['pass']);
    expect(session.comments[0]!.body).not.toContain('Cluster');
    expect(fake.requests).toEqual([]);
  });
});
