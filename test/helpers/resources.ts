import { toResource, type JsonObject, type Resource } from '../../src/core/resource.js';

/** A Resource from a plain object, as a renderer would give it. */
export function res(object: JsonObject, defaultNamespace = 'default'): Resource {
  const r = toResource(object, defaultNamespace, { file: 'test.yaml', line: 1 });
  if (!r) throw new Error('not a Kubernetes object');
  return r;
}

export function deploy(name: string, containers: JsonObject[], spec: JsonObject = {}): Resource {
  return res({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: { replicas: 3, selector: { matchLabels: { app: name } }, ...spec, template: { metadata: { labels: { app: name } }, spec: { containers } } },
  });
}
