// A deterministic synthetic GitOps monorepo: 50 Kustomize bases (generators,
// RBAC, PDBs, a custom resource), 200 overlays over them sharing one component,
// 50 Helm charts deployed by Argo CD Applications with value files, and 50 plain
// directories — about 300 targets and 10,000 objects.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const BASES = 50;
export const ENVIRONMENTS = ['dev', 'staging', 'prod', 'canary'];
export const CHARTS = 50;
export const PLAIN = 50;

const pad = (i) => String(i).padStart(2, '0');

function workload(app, part, image) {
  const name = `${app}-${part}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}, part-of: ${app}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}, part-of: ${app}}}
    spec:
      serviceAccountName: ${name}
      securityContext: {runAsNonRoot: true}
      containers:
        - name: ${part}
          image: ${image}
          ports: [{containerPort: 8080, name: http}]
          envFrom: [{configMapRef: {name: ${app}-config}}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: ${name}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ${name}}
`;
}

export function baseFiles(i, tag = '1.0.0') {
  const app = `app-${pad(i)}`;
  const dir = `bases/${app}`;
  return {
    [`${dir}/kustomization.yaml`]: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [web.yaml, worker.yaml, api.yaml, rbac.yaml, widget.yaml]
configMapGenerator:
  - name: ${app}-config
    literals: [LOG_LEVEL=info, APP=${app}]
secretGenerator:
  - name: ${app}-credentials
    literals: [password=s3cr3t-${i}]
`,
    [`${dir}/web.yaml`]: workload(app, 'web', `registry.example.com/${app}/web:${tag}`),
    [`${dir}/worker.yaml`]: workload(app, 'worker', `registry.example.com/${app}/worker:${tag}`),
    [`${dir}/api.yaml`]: workload(app, 'api', `registry.example.com/${app}/api:${tag}`),
    [`${dir}/rbac.yaml`]: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ${app}-reader}
rules: [{apiGroups: [""], resources: [configmaps, secrets], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ${app}-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${app}-reader}
subjects: [{kind: ServiceAccount, name: ${app}-api}]
`,
    [`${dir}/widget.yaml`]: `apiVersion: example.com/v1
kind: Widget
metadata: {name: ${app}}
spec: {size: ${1 + (i % 5)}, color: blue}
`,
  };
}

export function componentFiles(label = 'platform') {
  return {
    'components/common/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
labels:
  - pairs: {managed-by: ${label}}
patches:
  - target: {kind: Deployment}
    patch: |
      - op: add
        path: /spec/revisionHistoryLimit
        value: 5
`,
  };
}

function overlayFiles(i) {
  const app = `app-${pad(i)}`;
  return Object.fromEntries(
    ENVIRONMENTS.map((env, e) => [
      `overlays/${app}/${env}/kustomization.yaml`,
      `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${app}-${env}
resources: [../../../bases/${app}]
components: [../../../components/common]
patches:
  - target: {kind: Deployment, name: ${app}-web}
    patch: |
      - op: replace
        path: /spec/replicas
        value: ${1 + e}
`,
    ]),
  );
}

function chartFiles(i) {
  const chart = `chart-${pad(i)}`;
  const dir = `charts/${chart}`;
  return {
    [`${dir}/Chart.yaml`]: `apiVersion: v2\nname: ${chart}\nversion: 1.0.${i}\n`,
    [`${dir}/values.yaml`]: `image: {repository: registry.example.com/${chart}, tag: "2.0.0"}\nreplicas: 1\nservices: [a, b, c, d, e, f, g, h, i, j]\n`,
    [`${dir}/values-prod.yaml`]: 'replicas: 3\n',
    [`${dir}/templates/services.yaml`]: `{{- range .Values.services }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $.Release.Name }}-{{ . }}
spec:
  replicas: {{ $.Values.replicas }}
  selector: {matchLabels: {app: {{ $.Release.Name }}-{{ . }}}}
  template:
    metadata: {labels: {app: {{ $.Release.Name }}-{{ . }}}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: app
          image: "{{ $.Values.image.repository }}:{{ $.Values.image.tag }}"
          readinessProbe: {tcpSocket: {port: 8080}}
          resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: {{ $.Release.Name }}-{{ . }}}
spec: {selector: {app: {{ $.Release.Name }}-{{ . }}}, ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: {{ $.Release.Name }}-{{ . }}}
data: {service: {{ . | quote }}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: {{ $.Release.Name }}-{{ . }}}
{{- end }}
`,
    [`apps/${chart}.yaml`]: `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${chart}, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/gitops.git
    path: ${dir}
    helm: {valueFiles: [values-prod.yaml]}
  destination: {server: https://kubernetes.default.svc, namespace: ${chart}}
`,
  };
}

function plainFiles(i) {
  const team = `team-${pad(i)}`;
  const files = {};
  for (let f = 0; f < 20; f++) {
    const name = `${team}-svc-${f}`;
    files[`plain/${team}/${name}.yaml`] = `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${team}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: app
          image: registry.example.com/${team}/svc-${f}:3.1.${f}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${team}}
spec: {selector: {app: ${name}}, ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: ${team}}
data: {LEVEL: info, 'settings.ini': "[server]\\nport = 8080\\nworkers = 4\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: ${team}}
stringData: {token: "t-${i}-${f}"}
`;
  }
  return files;
}

export function writeFiles(root, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };

export function git(root, ...args) {
  return execFileSync('git', args, { cwd: root, env: GIT_ENV, encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
}

/** Commits `files` on top of the current commit; returns its SHA. */
export function commit(root, files, message) {
  writeFiles(root, files);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', message);
  return git(root, 'rev-parse', 'HEAD');
}

/** Creates the monorepo at `root`; returns the base commit. */
export function generateMonorepo(root) {
  mkdirSync(root, { recursive: true });
  git(root, 'init', '-q', '-b', 'main');
  const files = { ...componentFiles() };
  for (let i = 0; i < BASES; i++) Object.assign(files, baseFiles(i), overlayFiles(i));
  for (let i = 0; i < CHARTS; i++) Object.assign(files, chartFiles(i));
  for (let i = 0; i < PLAIN; i++) Object.assign(files, plainFiles(i));
  return commit(root, files, 'monorepo');
}
