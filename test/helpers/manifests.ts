// Small manifest builders for tests, written as YAML text like a user would.
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
      containers:
        - name: app
          image: ${opts.image ?? `registry.example.com/${name}:1.0.0`}
${opts.extra ?? ''}`;
}

export function configMap(name: string, data: Record<string, string>, namespace?: string): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}data:
${lines.join('\n')}
`;
}

export function secret(name: string, stringData: Record<string, string>, namespace?: string): string {
  const lines = Object.entries(stringData).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}type: Opaque
stringData:
${lines.join('\n')}
`;
}
