#!/usr/bin/env bash
# Upload benchmark: `docuvault upload` against MinIO's own client `mc cp`,
# in one run, against the same local MinIO (scripts/services.sh), same bucket.
#
#   bash scripts/bench-upload.sh [--out FILE]
#
# What it measures (each case 3 runs per tool, alternating, medians):
#   1. one 1 GiB plain-text file:
#        docuvault upload FILE --user U --allow-duplicates --no-classify
#        mc cp FILE bench/BUCKET/bench-mc/RUN/...
#      wall time, ratio docuvault/mc (target <= 1.1) and docuvault's peak RSS
#      from GNU time -v (target <= 64 MiB).
#   2. 1,000 text files of 20-200 KiB, unique content, in one directory:
#        docuvault upload DIR --recursive --parallel 8 --user U_i   (classification jobs queued)
#        mc cp --recursive DIR bench/BUCKET/bench-mc/RUN/...
#      wall time and ratio (target <= 1.5). A fresh user per docuvault run, so
#      each run stores all 1,000 (identical content is otherwise a duplicate).
#      After each docuvault run: psql checks the user has exactly 1,000
#      documents, all 'pending', and redis-cli checks the job list grew by 1,000.
#
# docuvault is built from the working tree into a temp dir (not .dev/bin), the
# deploy steps run (migrate up, grant, bucket init), and mc uses the app key
# through a private config dir. DOCUVAULT_MAX_UPLOAD_SIZE is set to 2GiB for
# the run (the default, 512MiB, would refuse the 1 GiB file). It prints a
# markdown report on stdout (and to FILE with --out); progress goes to stderr.
#
# Safe to re-run: every run has its own id, users (bench-RUN-*), mc prefix and
# Redis namespace. At exit it removes all it made: temp files, the run's
# objects (about 6.7 GB per run with the defaults), its users (their documents
# and quotas go with them) and its queued jobs. BENCH_KEEP=1 keeps the data.
#
# Knobs for a quick trial (the report says when they differ from the defaults):
#   BENCH_RUNS=3  BENCH_BIG_BYTES=1073741824  BENCH_FILES=1000  BENCH_PARALLEL=8
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
MC_VERSION=v0.0.0-20250313080218-cf909e1063a9
MC_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/docuvault/tools/mc-$MC_VERSION"
MC="$MC_DIR/mc"

RUNS=${BENCH_RUNS:-3}
BIG_BYTES=${BENCH_BIG_BYTES:-1073741824}
NFILES=${BENCH_FILES:-1000}
PARALLEL=${BENCH_PARALLEL:-8}
SMALL_MIN=20480   # 20 KiB
SMALL_MAX=204800  # 200 KiB
TARGET_BIG_RATIO=1.1
TARGET_BIG_RSS_MIB=64
TARGET_SMALL_RATIO=1.5

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }
usage() { sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a file"; OUT=$2; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
if [ -n "$OUT" ] && [ "${OUT#/}" = "$OUT" ]; then OUT="$START_DIR/$OUT"; fi

cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || die "go is not installed"

LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)
NL=$'\n'
RUN_ID="$(date -u +%Y%m%d-%H%M%S)-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK=$(mktemp -d "/tmp/bench-upload.$RUN_ID.XXXXXX")
LOGS="$WORK/logs"
mkdir -p "$LOGS"
PURGE=0 # set once the services are reachable: what the run stored can be removed
cleanup() {
  if [ "$PURGE" = 1 ] && [ "${BENCH_KEEP:-0}" != 1 ]; then purge_run || say "warning: could not remove all of the run's data"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

FAILED=0
fail() { say "FAIL: $*"; FAILED=1; }
show_log() { # show_log LABEL: the tail of a measured command's output, for a failure
  local f
  for f in "$LOGS/$1.out" "$LOGS/$1.err"; do
    [ -s "$f" ] || continue
    say "---- tail of $(basename "$f")"
    tail -n 20 "$f" | sed 's/^/    /' >&2
  done
}

# ------------------------------------------------------------------ tools
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ! -x /usr/bin/time ]; then
  say "installing GNU time"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 ||
    { as_root apt-get update -qq >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
fi
gnu_time_says=$(/usr/bin/time -v true 2>&1 || true)
grep -q 'Maximum resident set size' <<<"$gnu_time_says" || die "/usr/bin/time is not GNU time"
if [ ! -x "$MC" ]; then
  say "building mc $MC_VERSION from source (several minutes, once)"
  mkdir -p "$MC_DIR"
  GOFLAGS=-buildvcs=false GOBIN="$MC_DIR" go install "github.com/minio/mc@$MC_VERSION"
fi
command -v psql >/dev/null || die "psql is missing (scripts/services.sh up installs PostgreSQL)"
command -v redis-cli >/dev/null || die "redis-cli is missing (scripts/services.sh up installs Redis)"

# ------------------------------------------------------------------ services, binary, deploy
say "run $RUN_ID; services up"
if ! bash scripts/services.sh up >"$LOGS/services.log" 2>&1; then
  # `up` also rebuilds .dev/bin/docuvault, which fails while the tree is mid-edit;
  # the services themselves may still be fine.
  if [ -f .dev/env ] && bash scripts/services.sh status >/dev/null 2>&1; then
    say "warning: scripts/services.sh up failed, but the services run; going on"
    tail -n 5 "$LOGS/services.log" | sed 's/^/    /' >&2
  else
    cat "$LOGS/services.log" >&2
    die "scripts/services.sh up failed"
  fi
fi
# shellcheck disable=SC1091
. .dev/env
export DOCUVAULT_MAX_UPLOAD_SIZE=2GiB
BUCKET=${MINIO_BUCKET:?}
# A Redis namespace of the run's own, so its queued jobs can be removed at exit.
export DOCUVAULT_REDIS_NAMESPACE="bench-$RUN_ID"
JOBS_KEY="$DOCUVAULT_REDIS_NAMESPACE:jobs:extract_and_classify"

say "building docuvault from the working tree"
DV="$WORK/docuvault"
go build -o "$DV" . || die "go build failed (is someone mid-edit?)"
for step in "migrate up" "grant" "bucket init"; do
  # shellcheck disable=SC2086
  "$DV" $step >"$LOGS/deploy.log" 2>&1 || { cat "$LOGS/deploy.log" >&2; die "docuvault $step failed"; }
done

# mc: a private config dir and an alias with the bucket-scoped app key. The
# secret goes in on stdin, never on a command line.
MCCONF="$WORK/mc"
MC_ALIAS=bench
scheme=http; [ "${MINIO_SECURE:-false}" = true ] && scheme=https
printf '%s\n' "${MINIO_SECRET_KEY:?}" |
  "$MC" --config-dir "$MCCONF" alias set "$MC_ALIAS" "$scheme://${MINIO_ENDPOINT:?}" "${MINIO_ACCESS_KEY:?}" --api S3v4 >"$LOGS/mc-alias.log" 2>&1 ||
  { cat "$LOGS/mc-alias.log" >&2; die "mc alias set failed"; }
mcq() { "$MC" --config-dir "$MCCONF" --quiet "$@"; }
MC_PREFIX="$MC_ALIAS/$BUCKET/bench-mc/$RUN_ID"
PURGE=1

# PostgreSQL and Redis for the checks: URLs parsed into parts, passwords
# passed through the environment (PGPASSWORD, REDISCLI_AUTH) only.
urldecode() { local s=$1; printf '%b' "${s//%/\\x}"; }
parse_url() { # parse_url URL: sets U_USER U_PASS U_HOST U_PORT U_PATH
  local re='^[a-z]+://(([^:@/]*)(:([^@/]*))?@)?([^:/?]+)(:([0-9]+))?(/([^?]*))?'
  [[ $1 =~ $re ]] || return 1
  U_USER=$(urldecode "${BASH_REMATCH[2]}")
  U_PASS=$(urldecode "${BASH_REMATCH[4]}")
  U_HOST=${BASH_REMATCH[5]}
  U_PORT=${BASH_REMATCH[7]}
  U_PATH=${BASH_REMATCH[9]}
}
parse_url "${DATABASE_URL:?}" || die "DATABASE_URL is not a postgres:// URL"
PG_USER=$U_USER PG_PASS=$U_PASS PG_HOST=$U_HOST PG_PORT=${U_PORT:-5432} PG_DB=${U_PATH:-docuvault}
pg() { PGPASSWORD="$PG_PASS" PGSSLMODE=disable psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" "$@"; }
parse_url "${REDIS_URL:?}" || die "REDIS_URL is not a redis:// URL"
R_USER=$U_USER R_PASS=$U_PASS R_HOST=$U_HOST R_PORT=${U_PORT:-6379} R_DB=${U_PATH:-0}
rcli() {
  local ruser=(); [ -n "$R_USER" ] && ruser=(--user "$R_USER")
  REDISCLI_AUTH="$R_PASS" redis-cli --no-auth-warning -h "$R_HOST" -p "$R_PORT" -n "${R_DB:-0}" "${ruser[@]}" "$@"
}
jobs_len() { rcli LLEN "$JOBS_KEY"; }
jobs_len >/dev/null || die "redis-cli cannot reach Redis"
pg -c 'SELECT 1' >/dev/null || die "psql cannot reach PostgreSQL"

# purge_run removes what this run stored: the objects of its users and under
# its mc prefix, its users (documents and quotas go with them), its jobs.
purge_run() {
  local id key
  say "removing the run's objects, users and jobs"
  for id in $(pg -v p="bench-$RUN_ID%" <<<"SELECT id FROM users WHERE handle LIKE :'p'"); do
    mcq rm --recursive --force "$MC_ALIAS/$BUCKET/$id/" >/dev/null 2>&1 || true
  done
  mcq rm --recursive --force "$MC_PREFIX/" >/dev/null 2>&1 || true
  pg -v p="bench-$RUN_ID%" <<<"DELETE FROM users WHERE handle LIKE :'p'" >/dev/null
  for key in $(rcli --scan --pattern "$DOCUVAULT_REDIS_NAMESPACE:*"); do rcli DEL "$key" >/dev/null; done
}

# ------------------------------------------------------------------ measuring
MINIO_PID=$(cat .dev/minio/minio.pid 2>/dev/null || true)
CLK_TCK=$(getconf CLK_TCK)
minio_ticks() { # CPU ticks MinIO used so far (0 if unknown)
  if [ -n "$MINIO_PID" ] && [ -r "/proc/$MINIO_PID/stat" ]; then
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$MINIO_PID/stat"
  else echo 0; fi
}

# measure LABEL CMD...: runs CMD under GNU time, output in $LOGS/LABEL.{out,err}.
# Sets M_RC, M_WALL (s), M_RSS (KiB, peak), M_CPU (user+sys s), M_MINIO_CPU (s).
measure() {
  local label=$1 t0 t1 m0 m1; shift
  sync # flush the last run's writes outside the timed part
  m0=$(minio_ticks)
  t0=$(date +%s%N)
  set +e
  /usr/bin/time -v -o "$LOGS/$label.time" "$@" >"$LOGS/$label.out" 2>"$LOGS/$label.err"
  M_RC=$?
  set -e
  t1=$(date +%s%N)
  m1=$(minio_ticks)
  M_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  M_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$LOGS/$label.time")
  M_CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$LOGS/$label.time")
  M_MINIO_CPU=$(awk -v a="$m0" -v b="$m1" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }')
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a + 0 <= b + 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
hbytes() { awk -v b="$1" 'BEGIN { if (b >= 1073741824) printf "%.2f GiB", b / 1073741824; else printf "%.1f MiB", b / 1048576 }'; }
met() { if le "$1" "$2"; then echo met; else echo "NOT met"; fi; }
mibps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "n/a" }'; }

DETAILS=()  # per-run lines for the report
detail() { DETAILS+=("$*"); say "$*"; }

new_user() { # new_user HANDLE
  "$DV" user add "$1" --email "$1@bench.invalid" --quota 20GiB >"$LOGS/user-$1.log" 2>&1 ||
    { cat "$LOGS/user-$1.log" >&2; die "docuvault user add $1 failed"; }
}
docs_of() { # docs_of HANDLE: "total pending" documents of that user
  pg -v h="$1" <<'SQL'
SELECT count(*) || ' ' || count(*) FILTER (WHERE d.status = 'pending')
FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h';
SQL
}

# ------------------------------------------------------------------ data
DATA="$WORK/data"
mkdir -p "$DATA/small"
BIG="$DATA/big-$RUN_ID.txt"
say "generating the $(hbytes "$BIG_BYTES") text file"
# Base64 of random bytes, 76-column lines: ASCII text, sniffed as text/plain.
# (pipefail off here: base64 ends on SIGPIPE once head has its bytes.)
( set +o pipefail; base64 -w 76 /dev/urandom | head -c "$BIG_BYTES" >"$BIG" )
[ "$(stat -c %s "$BIG")" -eq "$BIG_BYTES" ] || die "generated file has the wrong size"

say "generating $NFILES text files of $SMALL_MIN-$SMALL_MAX bytes"
small_bytes=0
for i in $(seq -f '%05g' 1 "$NFILES"); do
  size=$(( SMALL_MIN + (RANDOM * 32768 + RANDOM) % (SMALL_MAX - SMALL_MIN + 1) ))
  f="$DATA/small/doc-$i.txt"
  ( set +o pipefail
    { printf 'bench %s file %s\n' "$RUN_ID" "$i"; base64 -w 76 /dev/urandom; } | head -c "$size" >"$f" )
  small_bytes=$((small_bytes + size))
done
cat "$BIG" "$DATA"/small/* >/dev/null # into the page cache, for both tools alike

# ------------------------------------------------------------------ case 1: one big file
say "case 1: one $(hbytes "$BIG_BYTES") file, $RUNS runs each, alternating"
BIG_USER="bench-$RUN_ID"
new_user "$BIG_USER"
big_dv=() big_mc=() big_rss=() big_mc_rss=()
big_dv_run() {
  local i=$1 before after
  before=$(jobs_len)
  measure "big-dv-$i" "$DV" upload "$BIG" --user "$BIG_USER" --allow-duplicates --no-classify --json
  after=$(jobs_len)
  big_dv+=("$M_WALL"); big_rss+=("$M_RSS")
  detail "case 1 run $i docuvault: ${M_WALL}s ($(mibps "$BIG_BYTES" "$M_WALL") MiB/s), exit $M_RC, peak RSS $(mib "$M_RSS") MiB, CPU ${M_CPU}s, MinIO CPU ${M_MINIO_CPU}s"
  if [ "$M_RC" -ne 0 ]; then fail "case 1 run $i: docuvault upload exited $M_RC"; show_log "big-dv-$i"; fi
  if ! grep -q "\"size_bytes\":$BIG_BYTES,.*\"status\":\"skipped\"" "$LOGS/big-dv-$i.out"; then
    fail "case 1 run $i: docuvault did not report a stored ('skipped') document of $BIG_BYTES bytes"; show_log "big-dv-$i"
  fi
  [ "$((after - before))" -eq 0 ] || fail "case 1 run $i: --no-classify, yet the job list grew by $((after - before))"
}
big_mc_run() {
  local i=$1 n
  measure "big-mc-$i" "$MC" --config-dir "$MCCONF" --quiet cp "$BIG" "$MC_PREFIX/big-$i/"
  big_mc+=("$M_WALL"); big_mc_rss+=("$M_RSS")
  detail "case 1 run $i mc:        ${M_WALL}s ($(mibps "$BIG_BYTES" "$M_WALL") MiB/s), exit $M_RC, peak RSS $(mib "$M_RSS") MiB, CPU ${M_CPU}s, MinIO CPU ${M_MINIO_CPU}s"
  if [ "$M_RC" -ne 0 ]; then fail "case 1 run $i: mc cp exited $M_RC"; show_log "big-mc-$i"; fi
  n=$(mcq ls --recursive "$MC_PREFIX/big-$i/" | wc -l)
  [ "$n" -eq 1 ] || fail "case 1 run $i: mc stored $n objects, not 1"
}
for i in $(seq 1 "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then big_dv_run "$i"; big_mc_run "$i"; else big_mc_run "$i"; big_dv_run "$i"; fi
done

# ------------------------------------------------------------------ case 2: many small files
say "case 2: $NFILES files ($(hbytes "$small_bytes")), $RUNS runs each, alternating"
small_dv=() small_mc=() small_rss=() small_mc_rss=() small_checks=()
small_dv_run() {
  local i=$1 user="bench-$RUN_ID-$1" before after stored docs total pending
  new_user "$user"
  before=$(jobs_len)
  measure "small-dv-$i" "$DV" upload "$DATA/small" --recursive --parallel "$PARALLEL" --user "$user" --json
  after=$(jobs_len)
  small_dv+=("$M_WALL"); small_rss+=("$M_RSS")
  detail "case 2 run $i docuvault: ${M_WALL}s ($(awk -v n="$NFILES" -v s="$M_WALL" 'BEGIN { printf "%.0f", n / s }') files/s), exit $M_RC, peak RSS $(mib "$M_RSS") MiB, CPU ${M_CPU}s, MinIO CPU ${M_MINIO_CPU}s"
  if [ "$M_RC" -ne 0 ]; then fail "case 2 run $i: docuvault upload exited $M_RC"; show_log "small-dv-$i"; fi
  stored=$(grep -c '"status":"pending"' "$LOGS/small-dv-$i.out" || true)
  docs=$(docs_of "$user"); total=${docs% *}; pending=${docs#* }
  local rows=ok jobs=ok
  if [ "$stored" -ne "$NFILES" ] || [ "$total" -ne "$NFILES" ] || [ "$pending" -ne "$NFILES" ]; then
    rows=FAILED
    fail "case 2 run $i: upload reported $stored stored; user $user has $total documents, $pending pending (want $NFILES)"
    show_log "small-dv-$i"
  fi
  if [ "$((after - before))" -ne "$NFILES" ]; then
    jobs=FAILED
    fail "case 2 run $i: job list $JOBS_KEY grew by $((after - before)) (want $NFILES)"
  fi
  small_checks+=("run $i (user $user): $total documents, $pending pending; jobs +$((after - before)): rows $rows / jobs $jobs")
  detail "case 2 run $i checks: rows $rows / jobs $jobs ($total documents, $pending pending, jobs +$((after - before)))"
}
small_mc_run() {
  local i=$1 n
  measure "small-mc-$i" "$MC" --config-dir "$MCCONF" --quiet cp --recursive "$DATA/small" "$MC_PREFIX/small-$i/"
  small_mc+=("$M_WALL"); small_mc_rss+=("$M_RSS")
  detail "case 2 run $i mc:        ${M_WALL}s ($(awk -v n="$NFILES" -v s="$M_WALL" 'BEGIN { printf "%.0f", n / s }') files/s), exit $M_RC, peak RSS $(mib "$M_RSS") MiB, CPU ${M_CPU}s, MinIO CPU ${M_MINIO_CPU}s"
  if [ "$M_RC" -ne 0 ]; then fail "case 2 run $i: mc cp exited $M_RC"; show_log "small-mc-$i"; fi
  n=$(mcq ls --recursive "$MC_PREFIX/small-$i/" | wc -l)
  [ "$n" -eq "$NFILES" ] || fail "case 2 run $i: mc stored $n objects, not $NFILES"
}
for i in $(seq 1 "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then small_dv_run "$i"; small_mc_run "$i"; else small_mc_run "$i"; small_dv_run "$i"; fi
done

# ------------------------------------------------------------------ report
bd=$(median "${big_dv[@]}") bm=$(median "${big_mc[@]}") br=$(ratio "$bd" "$bm")
brss_kib=$(median "${big_rss[@]}") brss=$(mib "$brss_kib")
sd=$(median "${small_dv[@]}") sm=$(median "${small_mc[@]}") sr=$(ratio "$sd" "$sm")
srss=$(mib "$(median "${small_rss[@]}")")
big_label="1 × $(hbytes "$BIG_BYTES") text file (\`--allow-duplicates --no-classify\`)"
small_label="$NFILES files, 20–200 KiB, $(hbytes "$small_bytes") in all (\`--recursive --parallel $PARALLEL\`, jobs queued)"
knobs=""
if [ "$RUNS" != 3 ] || [ "$BIG_BYTES" != 1073741824 ] || [ "$NFILES" != 1000 ] || [ "$PARALLEL" != 8 ]; then
  knobs="- **Not the standard run**: BENCH_RUNS=$RUNS BENCH_BIG_BYTES=$BIG_BYTES BENCH_FILES=$NFILES BENCH_PARALLEL=$PARALLEL"
fi
mem_gib=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)

report() {
  cat <<MD
## Upload benchmark: docuvault vs mc

- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC') (run \`$RUN_ID\`)
- Machine: nproc $(nproc), memory $mem_gib GiB, ${cpu:-unknown CPU}, $(uname -sr)
- Build: $(go version | awk '{ print $3 }'), docuvault from the working tree at $(git rev-parse --short HEAD 2>/dev/null || echo '?') (plus any uncommitted changes); mc $MC_VERSION
- Services: local PostgreSQL, Redis and single-drive MinIO on loopback (\`scripts/services.sh up\`); both tools write to bucket \`$BUCKET\` of the same MinIO with the app key; DOCUVAULT_MAX_UPLOAD_SIZE=2GiB
- Reproduce: \`bash scripts/bench-upload.sh\`
- Method: $RUNS runs per tool per case, alternating, medians of wall time; peak RSS from GNU \`time -v\`; files in the page cache; load average before the run: $LOAD_START${knobs:+$NL$knobs}

| case | docuvault median | mc median | ratio | target | docuvault peak RSS |
| --- | --- | --- | --- | --- | --- |
| $big_label | ${bd} s | ${bm} s | $br | ratio ≤ $TARGET_BIG_RATIO: $(met "$br" "$TARGET_BIG_RATIO"); RSS ≤ $TARGET_BIG_RSS_MIB MiB: $(met "$brss" "$TARGET_BIG_RSS_MIB") | $brss MiB |
| $small_label | ${sd} s | ${sm} s | $sr | ratio ≤ $TARGET_SMALL_RATIO: $(met "$sr" "$TARGET_SMALL_RATIO") | $srss MiB |

mc peak RSS (median): case 1 $(mib "$(median "${big_mc_rss[@]}")") MiB, case 2 $(mib "$(median "${small_mc_rss[@]}")") MiB.

Case 2 checks after each docuvault run (psql: the run's user has exactly $NFILES documents, all 'pending'; redis-cli: \`$JOBS_KEY\` grew by $NFILES):
$(printf -- '- %s\n' "${small_checks[@]}")

Per run (CPU = the tool's user+sys; MinIO CPU = the server's during that run):
\`\`\`
$(printf '%s\n' "${DETAILS[@]}")
\`\`\`
MD
  if [ "$FAILED" -ne 0 ]; then printf '\n**Some checks FAILED: see the lines above and stderr.**\n'; fi
}
report_text=$(report)
printf '%s\n' "$report_text"
if [ -n "$OUT" ]; then printf '%s\n' "$report_text" >"$OUT"; say "report written to $OUT"; fi
[ "$FAILED" -eq 0 ] || die "some checks failed"
