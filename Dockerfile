# syntax=docker/dockerfile:1
#
# runlens image: the runlens binary supervised by Litestream, distroless,
# non-root, no shell.
#
# PID 1 is litestream. On start it restores $RUNLENS_DB from the replica at
# $RUNLENS_REPLICA_URL when the file is missing (restore-if-db-not-exists in
# deploy/litestream.yml), then runs "runlens serve" as its child (-exec) and
# streams every committed change to the replica. When the child exits,
# Litestream makes a final sync and exits with it. See deploy/README.md.
#
# Build: docker build -t IMAGE .   or   gcloud builds submit --tag IMAGE
ARG GO_VERSION=1.26
ARG LITESTREAM_VERSION=v0.5.18

FROM golang:${GO_VERSION} AS build
ARG LITESTREAM_VERSION
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# runlens: one static binary; modernc.org/sqlite is pure Go, so CGO is off.
# Views, static assets, migrations, the role catalog and the demo
# organization are embedded.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/runlens ./cmd/server
# Litestream, built from its Go module at a pinned version. Its CLI uses
# modernc.org/sqlite too, so it also builds with CGO off.
RUN CGO_ENABLED=0 GOBIN=/out GOTOOLCHAIN=local go install -trimpath -ldflags="-s -w" \
    github.com/benbjohnson/litestream/cmd/litestream@${LITESTREAM_VERSION}
# The mount point for the database. On Cloud Run an in-memory volume is
# mounted over it; elsewhere it is the one writable directory the image needs.
RUN mkdir -p /out/data

# distroless/static: CA certificates, /etc/passwd with nonroot (65532),
# tzdata; no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/runlens /runlens
COPY --from=build /out/litestream /litestream
COPY deploy/litestream.yml /etc/litestream.yml
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
ENV RUNLENS_DB=/data/runlens.db
EXPOSE 8080
# No HEALTHCHECK: Cloud Run probes /healthz itself (startup probe in the
# Terraform module). The replica URL comes from the environment
# (RUNLENS_REPLICA_URL); without it Litestream refuses to start.
ENTRYPOINT ["/litestream", "replicate", "-config", "/etc/litestream.yml"]
CMD ["-exec", "/runlens serve"]
