// The structural-schema dialect of CRDs, read as the API server reads it.
import { describe, expect, it } from 'vitest';
import type { JsonObject, Resource } from '../../../src/core/resource.js';
import { crdKey, crdSchemas } from '../../../src/core/schema/crds.js';
import { crdFieldTree, customResourceFieldTree, customResourceSchema, toJsonSchema } from '../../../src/core/schema/crd-schema.js';
import { crdValidator } from '../../../src/core/schema/crd-validator.js';
import { LEAF, unknownFields, type FieldTree } from '../../../src/core/schema/field-tree.js';

const META: FieldTree = { kind: 'struct', names: () => ['name', 'labels'], field: (n) => (n === 'name' ? LEAF : n === 'labels' ? { kind: 'map', value: () => LEAF } : undefined) };

describe('toJsonSchema', () => {
  it('turns the OpenAPI 3.0 dialect into JSON Schema: int-or-string, boolean exclusive bounds, null dropped as unset', () => {
    expect(
      toJsonSchema({
        type: 'object',
        description: 'dropped',
        'x-kubernetes-validations': [{ rule: 'self.a > 0' }],
        properties: {
          port: { 'x-kubernetes-int-or-string': true },
          ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 },
          mode: { type: 'string', enum: ['A', 'B'], default: 'A' },
        },
        required: ['port'],
      }),
    ).toEqual({
      type: ['object', 'null'],
      required: ['port'],
      properties: {
        port: { type: ['integer', 'string', 'null'] },
        ratio: { type: ['number', 'null'], exclusiveMinimum: 0, maximum: 1 },
        mode: { type: ['string', 'null'], enum: ['A', 'B', null] },
      },
    });
  });

  it("leaves a custom resource's metadata to the API server's ObjectMeta", () => {
    expect(customResourceSchema({ type: 'object', required: ['metadata', 'spec'], properties: { metadata: { type: 'object' }, spec: { type: 'object' } } })).toEqual({
      type: ['object', 'null'],
      required: ['spec'],
      properties: { spec: { type: ['object', 'null'] } },
    });
  });
});

describe('CRD field trees and the unknown-field walker', () => {
  const root: JsonObject = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
          values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: {} } } },
          empty: { type: 'object' },
        },
      },
    },
  };
  const tree = customResourceFieldTree(root, META);

  it('names each field no schema node declares; maps, preserved fields and embedded resources accept their own', () => {
    const object: JsonObject = {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'x', labels: { a: 'b' }, lables: {} },
      spec: {
        replica: 1,
        labels: { anything: 'goes' },
        items: [{ name: 'a' }, { nmae: 'b' }],
        values: { deep: { free: [1] } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', nam: 'q' }, spec: { free: true } },
        open: { extra: 1, known: { inner: 2 } },
        empty: { dropped: 1 },
      },
      status: {},
    };
    expect(unknownFields(object, tree)).toEqual([
      { path: 'metadata.lables', suggestion: 'labels' },
      { path: 'spec.replica', suggestion: 'replicas' },
      { path: 'spec.items[1].nmae', suggestion: 'name' },
      { path: 'spec.template.metadata.nam', suggestion: 'name' },
      { path: 'spec.open.known.inner' },
      { path: 'spec.empty.dropped' },
      { path: 'status' },
    ]);
  });

  it('a node with no type says nothing about fields below it', () => {
    expect(unknownFields({ a: { b: 1 } }, crdFieldTree({}, META))).toEqual([]);
  });
});

describe('crdSchemas', () => {
  // Named as the API server requires: <plural>.<group>.
  const crd = (apiVersion: string, spec: JsonObject): Resource => ({
    apiVersion,
    kind: 'CustomResourceDefinition',
    namespace: null,
    name: `things.${String(spec.group)}`,
    object: { apiVersion, kind: 'CustomResourceDefinition', metadata: { name: `things.${String(spec.group)}` }, spec },
  });
  const names = { kind: 'Thing', plural: 'things' };

  it('reads each served version of v1, the shared spec.validation of v1beta1, and keeps anything for a version without a schema', () => {
    const schema = { type: 'object', properties: { spec: { type: 'object' } } };
    const found = crdSchemas([
      crd('apiextensions.k8s.io/v1', {
        group: 'example.com',
        names,
        versions: [
          { name: 'v1', served: true, schema: { openAPIV3Schema: schema } },
          { name: 'v0', served: false, schema: { openAPIV3Schema: schema } },
        ],
      }),
      crd('apiextensions.k8s.io/v1beta1', { group: 'old.example.com', names, version: 'v1alpha1', validation: { openAPIV3Schema: schema } }),
      crd('apiextensions.k8s.io/v1', { group: 'free.example.com', names, versions: [{ name: 'v1', served: true }] }),
    ]);
    expect([...found.keys()]).toEqual([crdKey('example.com/v1', 'Thing'), crdKey('old.example.com/v1alpha1', 'Thing'), crdKey('free.example.com/v1', 'Thing')]);
    expect(found.get(crdKey('old.example.com/v1alpha1', 'Thing'))).toBe(schema);
    expect(found.get(crdKey('free.example.com/v1', 'Thing'))).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });
});

describe('crdValidator', () => {
  it('matches patterns with RE2, as Go does: linear on hostile input, and a pattern RE2 refuses does not compile', () => {
    const validate = crdValidator({ type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } });
    if (validate instanceof Error) throw validate;
    const started = performance.now();
    expect(validate({ name: `${'a'.repeat(5000)}!` })).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
    expect(validate({ name: 'aaa' })).toBe(true);
    expect(crdValidator({ type: 'object', properties: { name: { type: 'string', pattern: '^(?=a)' } } })).toBeInstanceOf(Error);
  });

  it('compiles a schema once, however many CRDs carry it', () => {
    const schema = () => ({ type: 'object', properties: { n: { type: 'integer' } } });
    expect(crdValidator(schema())).toBe(crdValidator(schema()));
  });
});
