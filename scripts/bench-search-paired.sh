#!/usr/bin/env bash
# Paired search benchmark (issue 20, scale): this checkout's pkg/search
# beside another commit's, on the same kept scratch database, query by
# query, alternately (the peer first in odd passes), in the same minutes.
#
#   BENCH_REUSE=dvbench_search_… BENCH_BASE=f7eaeba bash scripts/bench-search-paired.sh [--out FILE]
#
# BENCH_REUSE: a database kept by `BENCH_KEEP=1 bash scripts/bench-search.sh`
# (BENCH_DOCS must be what it was loaded with: 100000 by default).
# BENCH_BASE: the commit whose pkg/search is the peer ("old"); the driver
# itself is this checkout's for both. BENCH_ROUNDS=4 passes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 64 ;;
  esac
done
say() { printf '[bench-search-paired %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }
[ -n "${BENCH_REUSE:-}" ] || die "set BENCH_REUSE to a kept scratch database (BENCH_KEEP=1 bash scripts/bench-search.sh)"
[ -n "${BENCH_BASE:-}" ] || die "set BENCH_BASE to the commit to compare with"
git rev-parse --verify -q "$BENCH_BASE^{commit}" >/dev/null || die "BENCH_BASE $BENCH_BASE is not a commit"
# shellcheck disable=SC1091
. .dev/env
WORK=$(mktemp -d)
PEER=""
cleanup() { [ -n "$PEER" ] && kill "$PEER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
say "building the driver twice: pkg/search of this checkout and of $BENCH_BASE"
go build -o "$WORK/new" ./scripts/benchsearch || die "go build failed"
mkdir -p "$WORK/src"
git ls-files -z | grep -zv '^web/' | xargs -0 cp --parents -t "$WORK/src"
rm -rf "$WORK/src/pkg/search"
git archive "$BENCH_BASE" pkg/search | tar -x -C "$WORK/src"
(cd "$WORK/src" && go build -o "$WORK/old" ./scripts/benchsearch) || die "go build of $BENCH_BASE's pkg/search failed"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ARGS=(-corpus /dev/null -docs "${BENCH_DOCS:-100000}" -reuse "$BENCH_REUSE")
"$WORK/old" "${ARGS[@]}" -serve "127.0.0.1:$PORT" 2>"$WORK/old.log" &
PEER=$!
for _ in $(seq 1 100); do
  grep -q "serving" "$WORK/old.log" && break
  kill -0 "$PEER" 2>/dev/null || { cat "$WORK/old.log" >&2; die "the peer stopped"; }
  sleep 0.2
done
"$WORK/new" "${ARGS[@]}" -rounds "${BENCH_ROUNDS:-4}" -peer "http://127.0.0.1:$PORT/search?" -peer-name "old ($BENCH_BASE)" -name new >"$WORK/report.md" ||
  die "the driver failed"
cat "$WORK/report.md"
if [ -n "$OUT" ]; then cp "$WORK/report.md" "$OUT"; say "report written to $OUT"; fi
