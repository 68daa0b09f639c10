import { describe, expect, it } from 'vitest';
import { diffResources } from '../../../src/core/diff/index.js';
import { deploy, res } from '../../helpers/resources.js';

describe('diffResources', () => {
  it('lists only changed objects with create, update and delete', () => {
    const keep = deploy('keep', [{ name: 'a', image: 'a:1' }]);
    const base = [keep, deploy('web', [{ name: 'web', image: 'shop:1.0' }]), deploy('old', [{ name: 'o', image: 'o:1' }])];
    const head = [keep, deploy('web', [{ name: 'web', image: 'shop:1.1' }]), deploy('new', [{ name: 'n', image: 'n:1' }])];
    const changes = diffResources(base, head);
    expect(changes.map((c) => `${c.action} ${c.name}`)).toEqual(['update web', 'create new', 'delete old']);
    expect(changes[0]!.fields).toEqual([{ path: 'spec.template.spec.containers[name=web].image', before: 'shop:1.0', after: 'shop:1.1' }]);
  });

  it('writes a unified diff with context and headers', () => {
    const [change] = diffResources([deploy('web', [{ name: 'web', image: 'shop:1.0' }])], [deploy('web', [{ name: 'web', image: 'shop:1.1' }])]);
    expect(change!.diff).toContain('--- a/Deployment/shop/web\n+++ b/Deployment/shop/web\n@@ ');
    expect(change!.diff).toContain('\n-          image: shop:1.0\n+          image: shop:1.1');
    expect(change!.diff).toContain('\n         - name: web\n');
  });

  it('diffs multi-line strings line by line', () => {
    const cm = (conf: string) => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nginx' }, data: { 'nginx.conf': conf } });
    const [change] = diffResources([cm('server {\n  listen 80;\n  root /srv;\n}\n')], [cm('server {\n  listen 8080;\n  root /srv;\n}\n')]);
    expect(change!.diff).toContain('  nginx.conf: |\n');
    expect(change!.diff).toContain('\n-      listen 80;\n+      listen 8080;\n       root /srv;');
  });

  it('shows no map key order noise, and shows a new order of containers', () => {
    const base = deploy('web', [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }]);
    const head = deploy('web', [{ image: 'b:1', name: 'b' }, { image: 'a:2', name: 'a' }]);
    const [change] = diffResources([base], [head]);
    expect(change!.action).toBe('update');
    expect(change!.fields[0]).toEqual({ path: 'spec.template.spec.containers', before: ['a', 'b'], after: ['b', 'a'], reordered: true });
    // Keys keep the base's order inside each item; the items come in the head's order.
    expect(change!.diff).toContain('-        - name: a\n-          image: a:1\n         - name: b\n           image: b:1\n+        - name: a\n+          image: a:2');
  });

  it('pairs an object moved to another namespace as one replace with previousNamespace, only when unambiguous', () => {
    const svc = (ns: string, name = 'web') => res({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ port: 80 }] } });
    const [moved] = diffResources([svc('a')], [svc('b')]);
    expect(moved).toMatchObject({ action: 'replace', namespace: 'b', name: 'web', previousNamespace: 'a' });
    expect(moved!.fields).toEqual([{ path: 'metadata.namespace', before: 'a', after: 'b' }]);
    // Two left and one arrived: which one moved is unknown, so nothing is paired.
    const ambiguous = diffResources([svc('a'), svc('c')], [svc('b')]);
    expect(ambiguous.map((c) => `${c.action} ${c.namespace}`)).toEqual(['create b', 'delete a', 'delete c']);
  });

  it('shows a hash-renamed ConfigMap as one replace with previousName', () => {
    const cm = (name: string, level: string) => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { LEVEL: level } });
    const changes = diffResources([cm('app-7hk2m9tb5d', 'info')], [cm('app-b8f5c2gm4k', 'debug')]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ action: 'replace', name: 'app-b8f5c2gm4k', previousName: 'app-7hk2m9tb5d' });
    expect(changes[0]!.fields.map((f) => f.path)).toEqual(['metadata.name', 'data.LEVEL']);
  });

  it('keeps secret values out of fields and diff but marks the change', () => {
    const s = (v: string) => res({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: v, user: 'app' } });
    const [change] = diffResources([s('old-pass-123')], [s('new-pass-456')]);
    const text = JSON.stringify({ fields: change!.fields, diff: change!.diff });
    expect(text).not.toMatch(/old-pass-123|new-pass-456/);
    expect(change!.fields).toEqual([{ path: 'stringData.password', before: '***', after: '*** (changed)' }]);
    expect(change!.diff).toContain('+  password: "*** (changed)"');
  });

  it('summarizes a change too different to diff line by line, with its changed fields, in bounded time', () => {
    const keys = (prefix: string) => Object.fromEntries(Array.from({ length: 16_000 }, (_, i) => [`key-${i}`, `${prefix}-${i}`]));
    const cm = (data: Record<string, string>) => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'shop' }, data });
    const started = performance.now();
    const [change] = diffResources([cm(keys('old'))], [cm(keys('new'))]);
    const lines = change!.diff.split('\n');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(lines.slice(0, 5)).toEqual([
      '--- a/ConfigMap/shop/big',
      '+++ b/ConfigMap/shop/big',
      '# Too different to diff line by line: 16000 lines removed and 16000 added, from line 7. Changed fields:',
      '#   data.key-0',
      '#   data.key-1',
    ]);
    expect(lines).toHaveLength(24);
    expect(lines[23]).toBe('#   … and 15980 more');
    expect(change!.fields).toHaveLength(16_000);
  });

  it('still diffs a large insertion into a small value line by line', () => {
    const cm = (conf: string) => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { conf } });
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const [change] = diffResources([cm('x')], [cm(lines.join('\n'))]);
    expect(change!.diff).toContain('\n-  conf: x\n+  conf: |-\n+    line 0\n+    line 1\n');
    expect(change!.diff).toContain('\n+    line 4999');
  });

  it('counts a server-only difference as no change', () => {
    const a = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: '1' }, data: { a: '1' } });
    const b = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: '2', resourceVersion: '9' }, data: { a: '1' }, status: { x: 1 } } as never);
    expect(diffResources([a], [b])).toEqual([]);
  });
});
