// Manifests of realistic shapes, about `bytes` long each, for parsing benchmarks.

/** One ConfigMap with many short keys. */
function configMap(bytes) {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: big', 'data:'];
  for (let i = 0, size = 60; size < bytes; i++) {
    const line = `  key-${i}: value-${i}-abcdefghij`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** Many small Deployments, one document each. */
function documents(bytes) {
  const docs = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const doc = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${i}
  labels: {app: web-${i}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web-${i}}}
  template:
    metadata: {labels: {app: web-${i}}}
    spec:
      containers:
        - name: app
          image: registry.example.com/web:${i}
          ports: [{containerPort: 8080}]
`;
    docs.push(doc);
    size += doc.length + 4;
  }
  return docs.join('---\n');
}

/** One ConfigMap whose data values are flow maps nested eight deep. */
function flowMaps(bytes) {
  const nested = (depth) => (depth === 0 ? 'v' : `{a: ${nested(depth - 1)}, b: ${depth}}`);
  const value = nested(8);
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: flow}', 'data:'];
  for (let i = 0, size = 50; size < bytes; i++) {
    const line = `  k${i}: ${value}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** One object with a long block list of short scalars: the most nodes per byte. */
function longList(bytes) {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: list}', 'data:', '  items:'];
  for (let i = 0, size = 60; size < bytes; i++) {
    const line = `  - ${i % 10}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

export const SHAPES = { configMap, documents, flowMaps, longList };
