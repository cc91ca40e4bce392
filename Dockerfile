# syntax=docker/dockerfile:1
# Build: one static binary (modernc.org/sqlite is pure Go, so CGO is off).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/runlens ./cmd/server

# Run: distroless static, non-root. Views, static assets, migrations, the role
# catalog and the demo organization are all embedded.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/runlens /runlens
USER nonroot:nonroot
ENV RUNLENS_DB=/data/runlens.db
EXPOSE 8080
ENTRYPOINT ["/runlens"]
CMD ["serve"]
