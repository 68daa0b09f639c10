import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/model.js';
import { requiredReviews, reviewName } from '../../src/core/review-routing.js';
import { deploy, res } from '../helpers/resources.js';
import { reviewOf } from '../helpers/review.js';

const svc = (name: string, namespace: string, type: string) => res({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { type, selector: { app: name }, ports: [{ port: 80 }] } });
const finding = (rule: string, name: string, extra: Partial<Finding> = {}): Finding => ({ rule, severity: 'error', target: 'deploy/shop', kind: 'Deployment', namespace: 'shop', name, message: 'x', overridden: false, introduced: true, ...extra });

describe('requiredReviews', () => {
  const review = reviewOf(
    [svc('web', 'shop', 'ClusterIP'), svc('pay', 'payments', 'ClusterIP'), deploy('api', [{ name: 'api', image: 'a:1' }])],
    [svc('web', 'shop', 'LoadBalancer'), svc('pay', 'payments', 'NodePort'), deploy('api', [{ name: 'api', image: 'a:latest', securityContext: { privileged: true } }])],
    [finding('privileged-container', 'api'), finding('image-tag-mutable', 'api', { overridden: true }), finding('render-failed', '', { kind: undefined, name: undefined, namespace: undefined })],
  );

  it('calls for each entry some changed object or finding matches, every key of it on the same one, with why', () => {
    const routed = requiredReviews(review, [
      { name: 'security', when: { impacts: ['exposure'] }, require: ['@acme/security'] },
      { when: { impacts: ['exposure'], namespaces: ['pay*'] }, require: ['@acme/payments'] },
      { when: { rules: ['privileged-*'], kinds: ['Deployment'] }, require: ['@acme/platform'] },
      // Overridden findings call for nobody; no object is both exposed and in kube-system.
      { when: { rules: ['image-tag-mutable'] }, require: ['@nobody'] },
      { when: { impacts: ['exposure'], namespaces: ['kube-system'] }, require: ['@nobody'] },
      { when: { rules: ['render-failed'] }, require: ['@acme/sre'] },
      { when: { paths: ['test.yaml'], kinds: ['Service'] }, require: ['@files'] },
    ], ['deploy/shop/services.yaml']);
    expect(routed).toEqual([
      { name: 'security', require: ['@acme/security'], because: ['Service shop/web in deploy/shop: exposure', 'Service payments/pay in deploy/shop: exposure'] },
      { name: 'impacts exposure, namespaces pay*', require: ['@acme/payments'], because: ['Service payments/pay in deploy/shop: exposure'] },
      { name: 'rules privileged-*, kinds Deployment', require: ['@acme/platform'], because: ['Deployment shop/api in deploy/shop: privileged-container'] },
      { name: 'rules render-failed', require: ['@acme/sre'], because: ['target deploy/shop in deploy/shop: render-failed'] },
      { name: 'paths test.yaml, kinds Service', require: ['@files'], because: ['Service shop/web in deploy/shop', 'Service payments/pay in deploy/shop'] },
    ]);
  });

  it('asks an entry of paths alone about the changed files, rendered or not; with other keys, about the file each object comes from', () => {
    const changed = ['deploy/shop/values.yaml', 'test.yaml', 'README.md'];
    expect(
      requiredReviews(review, [
        { name: 'shop files', when: { paths: ['deploy/shop/**'] }, require: ['@shop'] },
        // The objects come from test.yaml; none of them from deploy/shop/.
        { name: 'shop services', when: { paths: ['deploy/shop/**'], kinds: ['Service'] }, require: ['@shop'] },
        { name: 'docs', when: { paths: ['docs/**'] }, require: ['@docs'] },
        { name: 'yaml', when: { paths: ['**/*.yaml'] }, require: ['@yaml'] },
      ], changed),
    ).toEqual([
      { name: 'shop files', require: ['@shop'], because: ['changed file deploy/shop/values.yaml'] },
      { name: 'yaml', require: ['@yaml'], because: ['changed file deploy/shop/values.yaml', 'changed file test.yaml'] },
    ]);
  });

  it('keeps each reason short and the list to five, whatever the merge request names', () => {
    const many = Array.from({ length: 7 }, (_, i) => svc(`${'x'.repeat(240)}-${i}`, 'shop', 'LoadBalancer'));
    const [routed] = requiredReviews(reviewOf([], many), [{ when: { kinds: ['Service'] }, require: ['@a'] }], []);
    expect(routed!.because).toHaveLength(6);
    expect(routed!.because[0]).toBe(`Service shop/${'x'.repeat(146)}…`); // 160 characters
    expect(routed!.because[5]).toBe('and 2 more');
  });

  it('names an entry by its conditions when it has no name', () => {
    expect(reviewName({ when: { kinds: ['Role', 'ClusterRole'], namespaces: ['prod-*'] }, require: ['@x'] })).toBe('kinds Role|ClusterRole, namespaces prod-*');
  });
});
