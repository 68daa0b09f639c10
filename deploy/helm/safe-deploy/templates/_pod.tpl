{{/*
The pod template of one component. Call with
(dict "root" $ "component" "web|worker|all" "settings" .Values.web|.Values.worker).
*/}}
{{- define "safe-deploy.podTemplate" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $settings := .settings -}}
metadata:
  labels:
    {{- include "safe-deploy.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
    {{- if $values.redis.enabled }}
    {{- toYaml $values.redis.networkPolicy.clientLabels | nindent 4 }}
    {{- end }}
  {{- with $settings.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "safe-deploy.serviceAccountName" $root }}
  # The token is mounted only for live mode's in-cluster access.
  automountServiceAccountToken: {{ $values.live.inCluster.enabled }}
  {{- with $values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $values.podSecurityContext | nindent 4 }}
  {{- with $settings.terminationGracePeriodSeconds }}
  terminationGracePeriodSeconds: {{ . }}
  {{- end }}
  containers:
    - name: safe-deploy
      image: {{ include "safe-deploy.image" $root }}
      imagePullPolicy: {{ $values.image.pullPolicy }}
      args: [serve, --role, {{ .component }}]
      ports:
        - name: http
          containerPort: 3000
      env:
        - name: PORT
          value: "3000"
        - name: LOG_LEVEL
          value: {{ $values.logLevel | quote }}
        # The root file system is read-only: git and the renderers get a home in /tmp.
        - name: HOME
          value: /tmp
        - name: SAFE_DEPLOY_CACHE_DIR
          value: /var/cache/safe-deploy
        - name: SAFE_DEPLOY_CACHE_MB
          value: {{ $values.cacheMB | quote }}
        - name: SAFE_DEPLOY_RENDER_USER
          value: {{ $values.renderUser | quote }}
        {{- if $values.github.enabled }}
        - name: APP_ID
          valueFrom:
            secretKeyRef: { name: {{ $values.github.existingSecret }}, key: {{ $values.github.appIdKey }} }
        - name: PRIVATE_KEY_PATH
          value: /etc/safe-deploy/github/private-key.pem
        - name: WEBHOOK_SECRET
          valueFrom:
            secretKeyRef: { name: {{ $values.github.existingSecret }}, key: {{ $values.github.webhookSecretKey }} }
        {{- with $values.github.enterpriseHost }}
        - name: GHE_HOST
          value: {{ . | quote }}
        {{- end }}
        {{- end }}
        {{- if $values.gitlab.enabled }}
        {{- with $values.gitlab.url }}
        - name: GITLAB_URL
          value: {{ . | quote }}
        {{- end }}
        - name: GITLAB_TOKEN
          valueFrom:
            secretKeyRef: { name: {{ $values.gitlab.existingSecret }}, key: {{ $values.gitlab.tokenKey }} }
        - name: GITLAB_WEBHOOK_SECRET
          valueFrom:
            secretKeyRef: { name: {{ $values.gitlab.existingSecret }}, key: {{ $values.gitlab.webhookSecretKey }} }
        {{- end }}
        {{- with $values.recordKey.existingSecret }}
        - name: SAFE_DEPLOY_RECORD_KEY
          valueFrom:
            secretKeyRef: { name: {{ . }}, key: {{ $values.recordKey.key }} }
        {{- end }}
        {{- if $values.redis.enabled }}
        - name: REDIS_PASSWORD
          valueFrom:
            secretKeyRef:
              name: {{ $values.redis.auth.existingSecret | default (include "safe-deploy.redisHost" $root) }}
              key: {{ $values.redis.auth.existingSecretKey }}
        - name: REDIS_URL
          value: redis://:$(REDIS_PASSWORD)@{{ include "safe-deploy.redisHost" $root }}:6379/0
        {{- else if $values.externalRedis.existingSecret }}
        - name: REDIS_URL
          valueFrom:
            secretKeyRef: { name: {{ $values.externalRedis.existingSecret }}, key: {{ $values.externalRedis.existingSecretKey }} }
        {{- else if $values.externalRedis.url }}
        - name: REDIS_URL
          value: {{ $values.externalRedis.url | quote }}
        {{- end }}
        {{- if $values.live.inCluster.enabled }}
        - name: SAFE_DEPLOY_IN_CLUSTER
          value: "true"
        {{- end }}
        {{- if $values.live.kubeconfigSecret }}
        - name: SAFE_DEPLOY_KUBECONFIG_DIR
          value: /etc/safe-deploy/kubeconfigs
        {{- end }}
        {{- with $values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      readinessProbe:
        httpGet: { path: /healthz, port: http }
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      # Restarts only a process that stopped answering for two minutes.
      livenessProbe:
        httpGet: { path: /healthz, port: http }
        initialDelaySeconds: 10
        periodSeconds: 20
        timeoutSeconds: 5
        failureThreshold: 6
      resources:
        {{- toYaml $settings.resources | nindent 8 }}
      securityContext:
        {{- toYaml $values.securityContext | nindent 8 }}
      volumeMounts:
        - name: cache
          mountPath: /var/cache/safe-deploy
        - name: tmp
          mountPath: /tmp
        {{- if $values.github.enabled }}
        - name: github-key
          mountPath: /etc/safe-deploy/github
          readOnly: true
        {{- end }}
        {{- if $values.live.kubeconfigSecret }}
        - name: kubeconfigs
          mountPath: /etc/safe-deploy/kubeconfigs
          readOnly: true
        {{- end }}
  volumes:
    - name: cache
      emptyDir:
        sizeLimit: {{ $values.cacheSizeLimit }}
    - name: tmp
      emptyDir:
        sizeLimit: {{ $values.tmpSizeLimit }}
    {{- if $values.github.enabled }}
    # Readable by the pod's group (fsGroup) only.
    - name: github-key
      secret:
        secretName: {{ $values.github.existingSecret }}
        defaultMode: 288 # 0440 (decimal: YAML 1.1 and 1.2 parsers agree)
        items:
          - key: {{ $values.github.privateKeyKey }}
            path: private-key.pem
    {{- end }}
    {{- if $values.live.kubeconfigSecret }}
    - name: kubeconfigs
      secret:
        secretName: {{ $values.live.kubeconfigSecret }}
        defaultMode: 288 # 0440 (decimal: YAML 1.1 and 1.2 parsers agree)
    {{- end }}
  {{- if $values.topologySpread.enabled }}
  topologySpreadConstraints:
    {{- range $values.topologySpread.topologyKeys }}
    - maxSkew: {{ $values.topologySpread.maxSkew }}
      topologyKey: {{ . }}
      whenUnsatisfiable: {{ $values.topologySpread.whenUnsatisfiable }}
      labelSelector:
        matchLabels:
          {{- include "safe-deploy.componentSelector" (dict "root" $root "component" $.component) | nindent 10 }}
    {{- end }}
  {{- end }}
  {{- with $settings.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $settings.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $settings.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
