#!/usr/bin/env bash
# Watch-folder benchmark (issue 22): `docuvault watch --once` against
# `docuvault upload --recursive`, in one run, same services, same files.
#
#   bash scripts/bench-watch.sh [--out FILE]
#
# 1,000 text files of 20-200 KiB, unique content, in one directory. Each run
# (3, alternating which goes first) copies them twice and times, until the
# command exits (every row committed):
#   docuvault upload COPY1 --recursive --parallel 8 --user bench-RUN-up-I
#   docuvault watch  COPY2 --once --parallel 8 --user bench-RUN-w-I   (--after delete, default settle)
# A fresh user each, so each stores all 1,000. After each, psql checks the
# user has exactly 1,000 documents none of them 'uploading', and for watch
# that the folder is empty. A third copy, touched just before, is watched
# too: files whose time is fresh wait out the settle interval (reported, not
# the target's figure). Prints medians and the ratio watch/upload
# (target <= 1.3) as markdown, with the load average before and after.
#
# Uses scripts/services.sh's services (.dev/env); builds docuvault from the
# working tree into a temp dir. At exit it removes the run's users (their
# documents with them) and, with `fsck --repair --grace 0`, their objects:
# run it on a development deployment, not one in use.
# Knobs: BENCH_RUNS=3 BENCH_FILES=1000 BENCH_PARALLEL=8 BENCH_SETTLE=(DOCUVAULT_WATCH_SETTLE's default)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
RUNS=${BENCH_RUNS:-3}
NFILES=${BENCH_FILES:-1000}
PARALLEL=${BENCH_PARALLEL:-8}
SETTLE=${BENCH_SETTLE:-}
TARGET=1.3

say() { printf '[bench-watch %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a file"; OUT=$2; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
if [ -n "$OUT" ] && [ "${OUT#/}" = "$OUT" ]; then OUT="$START_DIR/$OUT"; fi

cd "$ROOT"
[ -f .dev/env ] || die "no .dev/env: run scripts/services.sh up first"
# shellcheck disable=SC1091
source .dev/env
command -v psql >/dev/null || die "psql is missing (scripts/services.sh up installs PostgreSQL)"

RUN_ID="$(date -u +%Y%m%d%H%M%S)$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK=$(mktemp -d "/tmp/bench-watch.$RUN_ID.XXXXXX")
BIN="$WORK/docuvault"
pg() { psql "$DATABASE_MIGRATE_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
PURGE=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ "$PURGE" = 1 ]; then
    say "removing the run's users, documents and objects"
    pg -v p="bench-$RUN_ID-%" <<<"DELETE FROM users WHERE handle LIKE :'p'" >/dev/null || true
    "$BIN" fsck --repair --grace 0 >/dev/null 2>&1 || say "warning: fsck --repair failed"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

say "building docuvault"
go build -o "$BIN" .
"$BIN" migrate up >/dev/null
"$BIN" grant >/dev/null   # a fresh machine: the app role gets DML on the new tables
"$BIN" bucket init >/dev/null

say "making $NFILES files of 20-200 KiB"
SRC="$WORK/src"
mkdir -p "$SRC"
python3 - "$SRC" "$NFILES" <<'PY'
import os, random, sys, base64
d, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(22)
for i in range(n):
    size = rnd.randint(20 * 1024, 200 * 1024)
    raw = os.urandom(size * 3 // 4 + 3)
    text = base64.b64encode(raw).decode()[:size - 1]
    lines = "\n".join(text[j:j + 76] for j in range(0, len(text), 76))
    with open(os.path.join(d, f"doc{i:05d}.txt"), "w") as f:
        f.write(f"document {i}\n" + lines[: size - 20] + "\n")
PY
TOTAL_BYTES=$(du -sb "$SRC" | cut -f1)
LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)
PURGE=1

FAILED=0
check_rows() { # check_rows HANDLE
  local n
  n=$(pg -v h="$1" <<<"SELECT count(*) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h' AND d.status <> 'uploading'")
  [ "$n" = "$NFILES" ] || { say "FAIL: $1 has $n documents, want $NFILES"; FAILED=1; }
}
# timed LABEL CMD...: wall seconds of CMD in T
timed() {
  local label=$1 t0 t1 rc; shift
  sync
  t0=$(date +%s%N)
  set +e
  "$@" >"$WORK/$label.out" 2>"$WORK/$label.err"
  rc=$?
  set -e
  t1=$(date +%s%N)
  T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  [ "$rc" = 0 ] || { say "FAIL: $label exited $rc"; tail -n 5 "$WORK/$label.err" >&2; FAILED=1; }
}

UP_T=() W_T=() WF_T=()
SETTLE_ARGS=()
[ -n "$SETTLE" ] && SETTLE_ARGS=(--settle "$SETTLE")
for i in $(seq 1 "$RUNS"); do
  up="bench-$RUN_ID-up-$i" w="bench-$RUN_ID-w-$i"
  "$BIN" user add "$up" --email "$up@example.org" --quota 10GiB >/dev/null
  wf="bench-$RUN_ID-wf-$i"
  "$BIN" user add "$w" --email "$w@example.org" --quota 10GiB >/dev/null
  "$BIN" user add "$wf" --email "$wf@example.org" --quota 10GiB >/dev/null
  rm -rf "$WORK/c1" "$WORK/c2" "$WORK/c3"
  cp -r "$SRC" "$WORK/c1"; cp -r "$SRC" "$WORK/c2"; cp -r "$SRC" "$WORK/c3"
  run_up() { timed "up-$i" "$BIN" upload "$WORK/c1" --recursive --parallel "$PARALLEL" --user "$up" --json; UP_T+=("$T"); check_rows "$up"; }
  run_w() {
    timed "w-$i" "$BIN" watch "$WORK/c2" --once --parallel "$PARALLEL" --user "$w" "${SETTLE_ARGS[@]}"; W_T+=("$T"); check_rows "$w"
    left=$(find "$WORK/c2" -type f | wc -l)
    [ "$left" = 0 ] || { say "FAIL: $left files left in the watch folder"; FAILED=1; }
  }
  # Files just written: no time of theirs says they are settled, so each
  # waits out the settle interval, watched.
  run_wf() {
    find "$WORK/c3" -type f -exec touch {} +
    timed "wf-$i" "$BIN" watch "$WORK/c3" --once --parallel "$PARALLEL" --user "$wf" "${SETTLE_ARGS[@]}"; WF_T+=("$T"); check_rows "$wf"
  }
  if [ $((i % 2)) = 1 ]; then run_up; run_w; run_wf; else run_wf; run_w; run_up; fi
  say "run $i: upload ${UP_T[-1]} s, watch ${W_T[-1]} s, watch of just-written files ${WF_T[-1]} s"
done
LOAD_END=$(cut -d" " -f1-3 /proc/loadavg)
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
MU=$(median "${UP_T[@]}") MW=$(median "${W_T[@]}") MWF=$(median "${WF_T[@]}")
RATIO=$(awk -v a="$MW" -v b="$MU" 'BEGIN { printf "%.2f", a / b }')
RATIO_F=$(awk -v a="$MWF" -v b="$MU" 'BEGIN { printf "%.2f", a / b }')
VERDICT=$(awk -v r="$RATIO" -v t="$TARGET" 'BEGIN { print (r <= t) ? "met" : "NOT met" }')
SETTLE_SHOWN=${SETTLE:-$("$BIN" config show 2>/dev/null | awk '$1 == "DOCUVAULT_WATCH_SETTLE" { print $2 }')}

REPORT="### Run $RUN_ID ($(date -u +%Y-%m-%d\ %H:%M) UTC)

$NFILES text files, $((TOTAL_BYTES / 1024 / 1024)) MiB in all, $RUNS runs alternating which goes first; wall time until the command exits (every row committed).

| command | runs (s) | median (s) |
|---|---|---|
| \`docuvault upload DIR --recursive --parallel $PARALLEL\` | ${UP_T[*]} | $MU |
| \`docuvault watch DIR --once --parallel $PARALLEL\` (--after delete, settle ${SETTLE_SHOWN:-default}) | ${W_T[*]} | $MW |
| the same, of files just written (touched before the run: each waits out the settle interval) | ${WF_T[*]} | $MWF |

Ratio watch/upload: **$RATIO** (target <= $TARGET: $VERDICT); of just-written files: $RATIO_F. Load average (1/5/15 min) before: $LOAD_START; after: $LOAD_END. Checks: each user has exactly $NFILES documents, the watch folder is empty afterwards$( [ "$FAILED" = 0 ] && echo ': passed' || echo ': FAILED (see stderr)')."
printf '%s\n' "$REPORT"
[ -n "$OUT" ] && printf '%s\n' "$REPORT" >"$OUT"
exit "$FAILED"
