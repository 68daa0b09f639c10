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
    ]);
    expect(routed).toEqual([
      { name: 'security', require: ['@acme/security'], because: ['Service shop/web in deploy/shop: exposure', 'Service payments/pay in deploy/shop: exposure'] },
      { name: 'impacts exposure, namespaces pay*', require: ['@acme/payments'], because: ['Service payments/pay in deploy/shop: exposure'] },
      { name: 'rules privileged-*, kinds Deployment', require: ['@acme/platform'], because: ['Deployment shop/api in deploy/shop: privileged-container'] },
      { name: 'rules render-failed', require: ['@acme/sre'], because: ['target deploy/shop in deploy/shop: render-failed'] },
      { name: 'paths test.yaml, kinds Service', require: ['@files'], because: ['Service shop/web in deploy/shop', 'Service payments/pay in deploy/shop'] },
    ]);
  });

  it('names an entry by its conditions when it has no name', () => {
    expect(reviewName({ when: { kinds: ['Role', 'ClusterRole'], namespaces: ['prod-*'] }, require: ['@x'] })).toBe('kinds Role|ClusterRole, namespaces prod-*');
  });
});
