import { isObject, type JsonObject, type Resource } from '../resource.js';

// Fields the server owns: they say nothing about what a merge changes.
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/**
 * The object as it will be compared: server-owned fields dropped, the effective
 * namespace written in for namespaced kinds. No defaulting: a field absent in the
 * manifest stays absent, so the diff shows what the author wrote.
 */
export function normalize(resource: Resource): JsonObject {
  const { status: _status, ...rest } = resource.object;
  const metadata = isObject(rest.metadata) ? { ...rest.metadata } : {};
  for (const field of SERVER_METADATA) delete metadata[field];
  if (resource.namespace !== null) metadata.namespace = resource.namespace;
  else delete metadata.namespace;
  return { ...rest, metadata };
}
