# Multi-stage build of the docuvault image: a static binary on a small
# runtime with the extraction tools, run as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docuvault/docuvault/cmd.version=${VERSION}" -o /out/docuvault .

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates poppler-utils tesseract-ocr \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /nonexistent --shell /usr/sbin/nologin docuvault
COPY --from=build /out/docuvault /usr/local/bin/docuvault
USER docuvault
ENTRYPOINT ["docuvault"]
CMD ["health"]
