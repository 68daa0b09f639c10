// Small manifest builders for tests, written as YAML text like a user would.
// A deployment() passes every static rule, so a test sees only the findings it provokes.
export function deployment(name: string, opts: { image?: string; replicas?: number; namespace?: string; extra?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${opts.namespace ? `  namespace: ${opts.namespace}\n` : ''}spec:
  replicas: ${opts.replicas ?? 2}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: app
          image: ${opts.image ?? `registry.example.com/${name}:1.0.0`}
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
${opts.extra ?? ''}`;
}

function dataObject(kind: string, field: string, name: string, data: Record<string, string>, namespace?: string, extra = ''): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1
kind: ${kind}
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}${extra}${field}:
${lines.join('\n')}
`;
}

export function configMap(name: string, data: Record<string, string>, namespace?: string): string {
  return dataObject('ConfigMap', 'data', name, data, namespace);
}

export function secret(name: string, stringData: Record<string, string>, namespace?: string): string {
  return dataObject('Secret', 'stringData', name, stringData, namespace, 'type: Opaque\n');
}
