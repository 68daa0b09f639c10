// Field trees of built-in kinds from the Kubernetes client's generated models.
import { describe, expect, it } from 'vitest';
import * as models from '@kubernetes/client-node/dist/gen/models/all.js';
import type { JsonObject } from '../../../src/core/resource.js';
import { builtinFieldTrees, rootModelName } from '../../../src/core/schema/builtin-fields.js';
import { nodeAt, typoOf, unknownFields } from '../../../src/core/schema/field-tree.js';

describe('built-in field trees', () => {
  it('finds the model of a kind by group and version, the group first where the client names kinds by it', () => {
    expect(rootModelName('v1', 'Event', models)).toBe('CoreV1Event');
    expect(rootModelName('events.k8s.io/v1', 'Event', models)).toBe('EventsV1Event');
    expect(rootModelName('apps/v1', 'Deployment', models)).toBe('V1Deployment');
    expect(rootModelName('autoscaling/v2', 'HorizontalPodAutoscaler', models)).toBe('V2HorizontalPodAutoscaler');
    expect(rootModelName('example.com/v1', 'Widget', models)).toBeNull();
  });

  it('walks lists, maps and free-form values of a Deployment, and knows the int32 fields', () => {
    const tree = builtinFieldTrees(models)('V1Deployment');
    const object: JsonObject = {
      metadata: { name: 'web', labels: { app: 'web' }, annotaions: {} },
      spec: {
        replicas: 1,
        template: { spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 80, hostIP: '' }, { contanerPort: 81 }] }] } },
      },
    };
    expect(unknownFields(object, tree)).toEqual([
      { path: 'metadata.annotaions', suggestion: 'annotations' },
      { path: 'spec.template.spec.containers[0].ports[1].contanerPort', suggestion: 'containerPort' },
    ]);
    expect(nodeAt(tree, ['spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'containerPort'])).toEqual({ kind: 'leaf', format: 'int32' });
  });

  it('takes a name for a typo only when it is close to a declared one', () => {
    expect(typoOf('Image', ['image', 'name'])).toBe('image');
    expect(typoOf('nmae', ['image', 'name'])).toBe('name');
    expect(typoOf('port', ['host', 'name'])).toBeUndefined();
    expect(typoOf('restartPolicyRules', ['restartPolicy', 'resources'])).toBeUndefined();
  });
});
