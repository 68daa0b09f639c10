import { describe, expect, it } from 'vitest';
import { changeClusters } from '../../src/core/clusters.js';
import { parseFieldPath, parsePointer, withFieldValue, withoutFields } from '../../src/core/diff/field-patterns.js';
import { diffResources } from '../../src/core/diff/index.js';
import { analyzeImpacts } from '../../src/core/impact.js';
import type { TargetResult } from '../../src/core/model.js';
import type { JsonObject, Resource } from '../../src/core/resource.js';
import { res } from '../helpers/resources.js';

const cm = (name: string, data: Record<string, string>, annotations: Record<string, string> = {}) => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', annotations }, data });

function target(name: string, base: Resource[], head: Resource[]): TargetResult {
  return { name, path: name, renderer: 'plain', status: 'ok', changes: analyzeImpacts(diffResources(base, head), { base, head }) };
}

describe('changeClusters', () => {
  it('clusters identical field changes of three objects, across targets, and digests that differ per object', () => {
    const names = ['a', 'b', 'c'];
    const digest = (n: string, v: number) => `${n}${v}`.padEnd(64, '0').replace(/[^0-9a-f]/g, 'e');
    const one = target('one', names.slice(0, 2).map((n) => cm(n, { v: '1' }, { sum: digest(n, 1) })), names.slice(0, 2).map((n) => cm(n, { v: '2' }, { sum: digest(n, 2) })));
    const two = target('two', [cm('c', { v: '1' }, { sum: digest('c', 1) })], [cm('c', { v: '2' }, { sum: digest('c', 2) })]);
    const clusters = changeClusters([one, two]);
    expect(clusters.map((c) => ({ id: c.id, path: c.path, before: c.before, after: c.after, varied: c.varied, members: c.members.map((m) => `${m.target}:${m.change.name}`) }))).toEqual([
      { id: 'c1', path: 'data.v', before: '1', after: '2', varied: false, members: ['one:a', 'one:b', 'two:c'] },
      { id: 'c2', path: 'metadata.annotations.sum', before: null, after: null, varied: true, members: ['one:a', 'one:b', 'two:c'] },
    ]);
  });

  it('does not cluster values that differ and are no digests, nor two objects, nor one object counted twice as a unit', () => {
    const t = target('t', ['a', 'b', 'c'].map((n) => cm(n, { v: '1' })), [cm('a', { v: '2' }), cm('b', { v: '3' }), cm('c', { v: '4' })]);
    expect(changeClusters([t])).toEqual([]);
    const pair = target('p', ['a', 'b'].map((n) => cm(n, { v: '1' })), ['a', 'b'].map((n) => cm(n, { v: '2' })));
    expect(changeClusters([pair])).toEqual([]);
    // Three targets changing the same object: one unit, no cluster.
    const same = ['x', 'y', 'z'].map((name) => target(name, [cm('a', { v: '1' })], [cm('a', { v: '2' })]));
    expect(changeClusters(same, { unit: (change) => change.name })).toEqual([]);
    // Three objects told by one entry (the same change in three targets): no cluster either.
    expect(changeClusters(same, { entry: () => 'g1' })).toEqual([]);
    expect(changeClusters(same)).toHaveLength(1);
  });
});

describe('field patterns', () => {
  const pod: JsonObject & { spec: { containers: JsonObject[] }; metadata: JsonObject } = { spec: { containers: [{ name: 'web', image: 'w:1', resources: { limits: { cpu: '1' } } }, { name: 'side', image: 's:1' }] }, metadata: { labels: { 'helm.sh/chart': 'x-1', app: 'web' } } };

  it('parses the comment’s paths and JSON pointers', () => {
    expect(parseFieldPath('spec.containers[name=web].image')).toEqual([{ key: 'spec' }, { key: 'containers' }, { item: 'name', value: 'web' }, { key: 'image' }]);
    expect(parseFieldPath('metadata.labels["helm.sh/chart"]')).toEqual([{ key: 'metadata' }, { key: 'labels' }, { key: 'helm.sh/chart' }]);
    expect(parseFieldPath('spec.containers[*].image[0]')).toEqual([{ key: 'spec' }, { key: 'containers' }, { any: true }, { key: 'image' }, { index: 0 }]);
    expect(parseFieldPath('spec..x')).toMatch(/^cannot read "spec\.\.x" at character 5/);
    expect(parsePointer('/metadata/labels/helm.sh~1chart')).toEqual([{ key: 'metadata' }, { key: 'labels' }, { key: 'helm.sh/chart' }]);
    expect(parsePointer('metadata')).toMatch(/is not a JSON pointer/);
  });

  it('removes what a pattern matches and nothing else, copying only along the way', () => {
    const steps = parseFieldPath('spec.containers[*].resources') as Exclude<ReturnType<typeof parseFieldPath>, string>;
    const out = withoutFields(pod, steps);
    expect(out.spec).toEqual({ containers: [{ name: 'web', image: 'w:1' }, { name: 'side', image: 's:1' }] });
    expect(out.metadata).toBe(pod.metadata);
    expect(withoutFields(pod, parsePointer('/spec/containers/1') as never)).toEqual({ ...pod, spec: { containers: [pod.spec.containers[0]] } });
    expect(withoutFields(pod, parsePointer('/nothing/here') as never)).toBe(pod);
  });

  it('sets a field back to its base value, or removes it when it had none', () => {
    const image = parseFieldPath('spec.containers[name=side].image') as never;
    expect((withFieldValue(pod, image, 's:0').spec as typeof pod.spec).containers[1]).toEqual({ name: 'side', image: 's:0' });
    expect(withFieldValue(pod, parseFieldPath('metadata.labels["helm.sh/chart"]') as never, undefined).metadata).toEqual({ labels: { app: 'web' } });
    expect((withFieldValue(pod, parseFieldPath('spec.containers[name=side]') as never, undefined).spec as typeof pod.spec).containers).toHaveLength(1);
  });
});
