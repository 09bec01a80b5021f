# The gitops-pilot CLI as a container image, for CI jobs: node, git, the docker CLI (it drives the runner's
# Docker daemon through a mounted socket or DOCKER_HOST) and the bundled CLI. Build it after `npm run build`:
#
#   docker build -f docker/cli.Dockerfile -t gitops-pilot:0.1.0 .
#
# BASE is the official Node image users expect; DOCKER_CLI the official image the docker CLI is copied from.
# Both are build arguments so an offline machine can build from local images (test/support/ciImage.ts).
ARG BASE=node:20-bookworm-slim
ARG DOCKER_CLI=docker:27-cli
FROM ${DOCKER_CLI} AS docker-cli

FROM ${BASE}
# git (and CA certificates, ssh for git@ URLs) from Debian, unless the base has git already
RUN if ! command -v git >/dev/null 2>&1; then \
      apt-get update && apt-get install -y --no-install-recommends git ca-certificates openssh-client && \
      rm -rf /var/lib/apt/lists/*; \
    fi
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY dist/cli.js dist/lazy-ecr.js dist/lazy-kube.js /opt/gitops-pilot/
RUN printf '#!/bin/sh\nexec node /opt/gitops-pilot/cli.js "$@"\n' > /usr/local/bin/gitops-pilot && \
    chmod 755 /usr/local/bin/gitops-pilot && \
    gitops-pilot --version && git --version && docker --version
ENV AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# no ENTRYPOINT: CI systems run their own shell in the image (GitHub container jobs, GitLab, Jenkins docker agents)
CMD ["gitops-pilot", "--help"]
