# The docuvault container image: a static binary built in a Go stage, on a
# small Debian runtime that carries poppler-utils (pdftotext, pdftoppm,
# pdfimages), tesseract with its orientation model and the OCR languages of
# the build argument OCR_LANGUAGES (tesseract's names joined by +, default
# eng; e.g. --build-arg OCR_LANGUAGES=eng+deu+fra), and qpdf, so that text
# extraction and OCR of scans are at their best. Runs as an unprivileged user;
# `docuvault` is the entrypoint, so `docker run IMAGE worker --drain` works.
# Licensed Apache-2.0 (the OCI licences label); LICENSE and
# LICENSE-THIRD-PARTY.md are in /usr/share/doc/docuvault/.
#
#   docker build -t docuvault:local \
#     --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(git log -1 --format=%cI) .
#
# tests/ship runs this file's `go build` line and checks the runtime stage.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=none
ARG DATE=unknown
RUN go build -trimpath \
      -ldflags "-s -w -X github.com/docuvault/docuvault/cmd.version=${VERSION} -X github.com/docuvault/docuvault/cmd.commit=${COMMIT} -X github.com/docuvault/docuvault/cmd.date=${DATE}" \
      -o /out/docuvault .
RUN /out/docuvault version

FROM debian:trixie-slim
ARG OCR_LANGUAGES=eng
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates poppler-utils qpdf tesseract-ocr tesseract-ocr-osd \
      $(echo "$OCR_LANGUAGES" | tr '+_' ' -' | sed 's/[^ ][^ ]*/tesseract-ocr-&/g') \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 docuvault \
 && useradd --system --uid 10001 --gid docuvault --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin docuvault
COPY --from=build /out/docuvault /usr/local/bin/docuvault
# DocuVault's licence and the licences and notices of what the binary links
# (tests/ship checks that LICENSE-THIRD-PARTY.md lists every Go module).
COPY LICENSE LICENSE-THIRD-PARTY.md /usr/share/doc/docuvault/
ARG VERSION=dev
ARG COMMIT=none
LABEL org.opencontainers.image.title="DocuVault" \
      org.opencontainers.image.description="A document vault: documents in S3-compatible storage, metadata and search in PostgreSQL" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/docuvault/docuvault" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
# No ./.env or ./docuvault.yaml here: configuration comes from the environment.
WORKDIR /
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["docuvault"]
CMD ["health"]
