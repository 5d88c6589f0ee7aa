#!/usr/bin/env bash
# API benchmark (issue 6): one `docuvault serve` on loopback, loaded by a
# second process (scripts/benchapi, a small Go load driver), against the
# dev services of scripts/services.sh.
#
#   bash scripts/bench-api.sh [--out FILE]
#
# What it measures (targets in brackets):
#   1. GET /api/documents with 100,000 documents for one user: first page and
#      a page 50,000 documents deep (by cursor), at 200 requests/s for 20 s
#      each, open loop; p50/p90/p99/max.            [p99 <= 20 ms]
#   2. 100 KB uploads from 32 concurrent clients through serve, against the
#      same bytes PUT straight to MinIO with minio-go, 5 runs of 2,000 files
#      each, alternating, after an unmeasured warm-up of 300 each way;
#      medians.                           [ratio >= 0.7]
#      Beside them, the same uploads through a bare proxy (the driver's
#      -floor-proxy mode: multipart in, PutObject out, no database): the
#      floor any upload API in front of MinIO stands on, on this machine.
#   3. serve's RSS during 1 and 2 [<= 100 MiB], and its growth during one
#      1 GiB upload [<= 64 MiB].
#
# MinIO is the benchmark's own: a fresh data directory on the same disk,
# removed at exit. The dev MinIO's data directory keeps earlier runs'
# deleted objects in its trash, and MinIO empties that in the background
# while later runs measure (its CPU per file rose run after run by up to
# half); a fresh one gives every run the same start. The driver seeds the
# documents with SQL into a scratch database of the dev PostgreSQL, dropped
# at exit. Knobs: BENCH_DOCS=100000 BENCH_RATE=200 BENCH_DURATION=20s
# BENCH_FILES=2000 BENCH_SIZE=100000 BENCH_BIG=1073741824 BENCH_RUNS=5
# BENCH_WARMUP=300 BENCH_FSCK_OBJECTS=0.
# Issue 20's scale run: BENCH_DOCS=1000000 BENCH_RUNS=0 BENCH_BIG=0 (lists
# only: BENCH_RUNS=0 skips the uploads); BENCH_FSCK_OBJECTS=N stores a
# 64-byte object for the newest N documents and times `docuvault fsck
# --json` when N covers every document, or else fsck's database statements
# over all rows and the listing of the N objects apart (see fsckStep in
# scripts/benchapi/main.go).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    -h|--help) sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 64 ;;
  esac
done
say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

RUN_ID=$(date -u +%Y%m%d-%H%M%S)-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
WORK=$(mktemp -d)
SERVE_PID=""
FLOOR_PID=""
MINIO_PID=""
SCRATCH_DB=""
SCRATCH_MADE=""
cleanup() {
  if [ -n "$SERVE_PID" ]; then kill -TERM "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
  if [ -n "$FLOOR_PID" ]; then kill -TERM "$FLOOR_PID" 2>/dev/null || true; wait "$FLOOR_PID" 2>/dev/null || true; fi
  if [ -n "$MINIO_PID" ]; then kill -TERM "$MINIO_PID" 2>/dev/null || true; wait "$MINIO_PID" 2>/dev/null || true; fi
  if [ -n "$SCRATCH_MADE" ]; then
    psql -q "$DOCUVAULT_TEST_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $SCRATCH_DB WITH (FORCE)" >/dev/null 2>&1 ||
      say "dropping the scratch database $SCRATCH_DB failed: drop it by hand"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say "run $RUN_ID; services up"
bash scripts/services.sh up >"$WORK/services.log" 2>&1 ||
  { bash scripts/services.sh status >/dev/null 2>&1 || { cat "$WORK/services.log" >&2; die "services.sh up failed"; }; }
# shellcheck disable=SC1091
. .dev/env
# The benchmark's own database: a scratch one on the dev PostgreSQL, owned
# by docuvault_migrate and granted like a real one, dropped at exit (1M
# seeded rows stay out of the shared dev database).
SCRATCH_DB="dvbench_api_$(head -c5 /dev/urandom | od -An -tx1 | tr -d ' \n')"
with_db() { python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$1" "$2"; }
psql -q -v ON_ERROR_STOP=1 "$DOCUVAULT_TEST_PG_ADMIN_URL" -c "CREATE DATABASE $SCRATCH_DB OWNER docuvault_migrate" \
  -c "REVOKE ALL ON DATABASE $SCRATCH_DB FROM PUBLIC" -c "GRANT CONNECT ON DATABASE $SCRATCH_DB TO docuvault_app" >/dev/null ||
  die "creating the scratch database failed"
SCRATCH_MADE=1
psql -q -v ON_ERROR_STOP=1 "$(with_db "$DOCUVAULT_TEST_PG_ADMIN_URL" "$SCRATCH_DB")" -c "ALTER SCHEMA public OWNER TO docuvault_migrate" \
  -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null || die "preparing the scratch database failed"
DATABASE_URL=$(with_db "$DATABASE_URL" "$SCRATCH_DB")
DATABASE_MIGRATE_URL=$(with_db "$DATABASE_MIGRATE_URL" "$SCRATCH_DB")
export DATABASE_URL DATABASE_MIGRATE_URL
say "scratch database $SCRATCH_DB"
export DOCUVAULT_MAX_UPLOAD_SIZE=2GiB
export DOCUVAULT_REDIS_NAMESPACE="bench-$RUN_ID"   # its jobs are no worker's business
export DOCUVAULT_LOGIN_LIMIT=1000/1m DOCUVAULT_LOGIN_IP_LIMIT=1000/1m
export DOCUVAULT_LOG_LEVEL=warn

say "building docuvault and the load driver"
go build -o "$WORK/docuvault" . || die "go build failed"
go build -o "$WORK/benchapi" ./scripts/benchapi || die "go build ./scripts/benchapi failed"
BUILD_REV=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
[ -n "$(git status --porcelain 2>/dev/null)" ] && BUILD_REV="$BUILD_REV (plus uncommitted changes)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

MINIO_PORT=$(free_port)
mkdir -p "$WORK/minio"
MINIO_BROWSER=off "$DOCUVAULT_TEST_MINIO_BIN" server --quiet --address "127.0.0.1:$MINIO_PORT" "$WORK/minio" >"$WORK/minio.log" 2>&1 &
MINIO_PID=$!
export MINIO_ENDPOINT="127.0.0.1:$MINIO_PORT"
for step in "migrate up" "grant"; do
  # shellcheck disable=SC2086
  "$WORK/docuvault" $step >"$WORK/deploy.log" 2>&1 || { cat "$WORK/deploy.log" >&2; die "docuvault $step failed"; }
done
# A new MinIO answers before its IAM is ready: bucket init is tried until
# it succeeds, for at most 30 s.
for i in $(seq 60); do
  "$WORK/docuvault" bucket init >"$WORK/deploy.log" 2>&1 && break
  kill -0 "$MINIO_PID" 2>/dev/null || { cat "$WORK/minio.log" >&2; die "the benchmark's MinIO exited"; }
  [ "$i" = 60 ] && { cat "$WORK/deploy.log" >&2; die "docuvault bucket init failed"; }
  sleep 0.5
done
say "minio pid $MINIO_PID on $MINIO_ENDPOINT (data $WORK/minio)"

PORT=$(free_port)
"$WORK/docuvault" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$WORK/serve.log" >&2; die "serve did not become healthy"; }
say "serve pid $SERVE_PID on 127.0.0.1:$PORT"

# The bare proxy (the driver's -floor-proxy mode): multipart in, PutObject
# out, nothing else; the floor under serve's upload ratio on this machine.
FLOOR_PORT=$(free_port)
"$WORK/benchapi" -floor-proxy "127.0.0.1:$FLOOR_PORT" -run "$RUN_ID" >"$WORK/floor.log" 2>&1 &
FLOOR_PID=$!
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$FLOOR_PORT/" && break
  sleep 0.1
done

REPORT="$WORK/report.md"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
"$WORK/benchapi" -url "http://127.0.0.1:$PORT" -pid "$SERVE_PID" -minio-pid "$MINIO_PID" -run "$RUN_ID" \
  -floor "http://127.0.0.1:$FLOOR_PORT" -floor-pid "$FLOOR_PID" \
  -docs "${BENCH_DOCS:-100000}" -rate "${BENCH_RATE:-200}" -duration "${BENCH_DURATION:-20s}" \
  -files "${BENCH_FILES:-2000}" -size "${BENCH_SIZE:-100000}" -big "${BENCH_BIG:-1073741824}" -runs "${BENCH_RUNS:-5}" \
  -warmup "${BENCH_WARMUP:-300}" -fsck-objects "${BENCH_FSCK_OBJECTS:-0}" -docuvault "$WORK/docuvault" -scratch-db \
  >"$REPORT" || { tail -n 20 "$WORK/serve.log" >&2; die "the load driver failed"; }

{
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S') UTC (run \`$RUN_ID\`)"
  echo "- Machine: nproc $(nproc), memory $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "- Build: $(go version | awk '{print $3}'), docuvault from the working tree at $BUILD_REV"
  echo "- Services: local PostgreSQL, Redis, single-drive MinIO on loopback (the benchmark's own, on a fresh data directory); one \`docuvault serve\`; the load driver in its own process"
  echo "- Load average before the run: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Reproduce: \`bash scripts/bench-api.sh\`"
  echo
  cat "$REPORT"
} | tee "${OUT:-/dev/null}"
