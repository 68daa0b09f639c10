# safe-deploy server image: `docker build -t safe-deploy .`
# Renderer binaries are pinned official releases, verified by SHA-256 (linux/amd64;
# for another platform pass its release checksums as build arguments).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS tools
ARG HELM_VERSION=v3.19.0
ARG HELM_SHA256=a7f81ce08007091b86d8bd696eb4d86b8d0f2e1b9f6c714be62f82f96a594496
ARG KUSTOMIZE_VERSION=v5.7.1
ARG KUSTOMIZE_SHA256=ea375e7372f9aa029129d4b2d16c66b7750b7f1213c4f66f910d981c895818d8
ARG TOOLS_ARCH=amd64
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN curl -fsSLo /tmp/helm.tgz "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TOOLS_ARCH}.tar.gz" \
 && echo "${HELM_SHA256}  /tmp/helm.tgz" | sha256sum -c - \
 && tar -xzf /tmp/helm.tgz -C /tmp "linux-${TOOLS_ARCH}/helm" \
 && install -m 0755 "/tmp/linux-${TOOLS_ARCH}/helm" /usr/local/bin/helm
RUN curl -fsSLo /tmp/kustomize.tgz "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2F${KUSTOMIZE_VERSION}/kustomize_${KUSTOMIZE_VERSION}_linux_${TOOLS_ARCH}.tar.gz" \
 && echo "${KUSTOMIZE_SHA256}  /tmp/kustomize.tgz" | sha256sum -c - \
 && tar -xzf /tmp/kustomize.tgz -C /tmp kustomize \
 && install -m 0755 /tmp/kustomize /usr/local/bin/kustomize

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
# No install scripts: the image uses the pinned binaries above, not the development copies.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}
# Renderers run as safe-deploy-render, which can open none of the server's files
# (the mirror cache, mounted keys) nor read /proc/<server>/environ; bubblewrap
# adds a private mount namespace where the container runtime allows one.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --no-create-home --user-group --uid 10002 --shell /usr/sbin/nologin safe-deploy-render \
 && mkdir -p /var/cache/safe-deploy \
 && chmod 0700 /var/cache/safe-deploy
COPY --from=tools /usr/local/bin/helm /usr/local/bin/kustomize /usr/local/bin/
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
ENV NODE_ENV=production \
    PORT=3000 \
    SAFE_DEPLOY_CACHE_DIR=/var/cache/safe-deploy \
    SAFE_DEPLOY_HELM=/usr/local/bin/helm \
    SAFE_DEPLOY_KUSTOMIZE=/usr/local/bin/kustomize \
    SAFE_DEPLOY_RENDER_USER=10002:10002
# The server runs as root only to start each renderer as safe-deploy-render: run
# it with the capabilities that needs and no others (docs/security.md):
#   --cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add CHOWN
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "/app/bin/safe-deploy.js"]
CMD ["serve"]
