# syntax=docker/dockerfile:1
# One image for every process of the system; the command picks which:
#   services.assignment | services.scoring | services.surveys   gRPC services
#   gateway                                                     HTTP gateway
#   services.<svc> migrate                                      migrations only
#   services.scoring.bulletin [--period YYYY-MM]                monthly bulletin
# e.g. `docker run IMAGE services.scoring` (the entrypoint is `python -m`).
#
# The install step is the README's: the generated gRPC package dgcp/ is
# committed (`make protos` refreshes it), so installing requirements.lock (exact
# versions, each checked against its SHA-256) and then `pip install --no-deps .` is the
# whole build.

# No HEALTHCHECK: the image runs four kinds of process (gRPC, HTTP, two jobs),
# and Kubernetes ignores HEALTHCHECK; deploy/k8s declares grpc/http probes.
# checkov:skip=CKV_DOCKER_2: one image, many commands; probes live in deploy/k8s

# Build arguments (`make image` passes them; all optional):
#   PIP_INDEX_URL    the package index pip installs from (a mirror; default PyPI)
#   EXTRA_CA_CERT    a PEM certificate to trust besides Debian's (a proxy's or the mirror's CA),
#                    for pip and apt here and for the services' own TLS calls (SMTP, OTLP)
# The base image is python:3.11-slim-bookworm; where it cannot be pulled, `make image` can build
# on a local stand-in given as BASE_IMAGE (tagged under this name before the build).

# ---- build: resolve and install into a self-contained virtualenv ----------
FROM python:3.11-slim-bookworm AS build
ARG PIP_INDEX_URL=""
ARG EXTRA_CA_CERT=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN if [ -n "$EXTRA_CA_CERT" ]; then \
      printf '%s\n' "$EXTRA_CA_CERT" > /usr/local/share/ca-certificates/dgcp-extra.crt \
      && update-ca-certificates; \
    fi \
 && python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Copy only what the package is built from (.dockerignore keeps the rest out).
COPY pyproject.toml requirements.lock ./
COPY dgcp/ dgcp/
COPY runtime/ runtime/
COPY services/ services/
COPY gateway/ gateway/
# `pip install .` (not -e): the runtime stage gets site-packages, not /src.
# pip compiles byte-code at install time, which matters: the runtime root
# filesystem is read-only. pip itself is dropped from the venv afterwards.
RUN if [ -z "$PIP_INDEX_URL" ]; then unset PIP_INDEX_URL; fi \
 && if [ -n "$EXTRA_CA_CERT" ]; then export PIP_CERT=/etc/ssl/certs/ca-certificates.crt; fi \
 && pip install --require-hashes -r requirements.lock \
 && pip install --no-deps . \
 && pip uninstall -y pip

# ---- runtime: the interpreter, the venv and nothing that builds -----------
FROM python:3.11-slim-bookworm AS runtime
ARG EXTRA_CA_CERT=""
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# tini reaps children and forwards SIGTERM, so graceful shutdown works for the
# jobs too, not only for servers that install their own handler as PID 1.
# DL3008: tini is not pinned because Debian replaces a version when it ships a
# security fix, which would break the pin; the base image tag fixes the release.
# hadolint ignore=DL3008
RUN if [ -n "$EXTRA_CA_CERT" ]; then \
      printf '%s\n' "$EXTRA_CA_CERT" > /usr/local/share/ca-certificates/dgcp-extra.crt \
      && update-ca-certificates; \
    fi \
 && apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dgcp \
 && useradd --system --uid 10001 --gid dgcp --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin dgcp \
 && python -m pip uninstall -y pip setuptools wheel
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DGCP_HOST=0.0.0.0 \
    DGCP_DATA_DIR=/tmp/dgcp \
    DGCP_LOG_FORMAT=json \
    DGCP_METRICS_PORT=9090 \
    HOME=/tmp
WORKDIR /tmp
USER 10001:10001
EXPOSE 50051 50052 50053 8080 9090
ENTRYPOINT ["/usr/bin/tini", "--", "python", "-m"]
CMD ["gateway"]
