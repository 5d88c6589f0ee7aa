#!/usr/bin/env bash
# Watch-folder backpressure (issue 22, item 6): 10,000 files dropped into a
# watch folder at once, taken with `docuvault watch --once`, while a
# `docuvault serve` of the same deployment answers GET /api/documents.
#
#   bash scripts/bench-watch-backpressure.sh [--out FILE]
#
# Reports: the watcher's wall time and peak RSS (GNU time -v), that every
# file became a document exactly once (psql: documents = files, distinct
# names = files, folder empty afterwards), and the list's latency (p50, p99,
# max, from curl's time_total, one request every 50 ms, closed loop) before
# the batch (idle) and during it. Target: p99 during it <= 50 ms.
# Uses scripts/services.sh's services (.dev/env); removes its user, rows and
# objects (fsck --repair --grace 0) at exit: a development deployment only.
# Knobs: BENCH_FILES=10000 BENCH_PARALLEL=4 (watch's default)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
NFILES=${BENCH_FILES:-10000}
PARALLEL=${BENCH_PARALLEL:-4}
say() { printf '[bench-bp %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a file"; OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
if [ -n "$OUT" ] && [ "${OUT#/}" = "$OUT" ]; then OUT="$START_DIR/$OUT"; fi
cd "$ROOT"
[ -f .dev/env ] || die "no .dev/env: run scripts/services.sh up first"
# shellcheck disable=SC1091
source .dev/env
for c in psql curl jq /usr/bin/time python3; do command -v "$c" >/dev/null || die "$c is missing"; done

RUN_ID="$(date -u +%Y%m%d%H%M%S)$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK=$(mktemp -d "/tmp/bench-bp.$RUN_ID.XXXXXX")
BIN="$WORK/docuvault"
HANDLE="bench-$RUN_ID-bp"
PASS="bench password $RUN_ID"
pg() { psql "$DATABASE_MIGRATE_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
SERVE_PID="" PURGE=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  if [ "$PURGE" = 1 ]; then
    pg -v h="$HANDLE" <<<"DELETE FROM users WHERE handle = :'h'" >/dev/null || true
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
"$BIN" user add "$HANDLE" --email "$HANDLE@example.org" --quota 20GiB --password-stdin <<<"$PASS" >/dev/null
PURGE=1

say "making $NFILES files of 2-20 KiB"
IN="$WORK/in"
mkdir -p "$IN"
python3 - "$IN" "$NFILES" <<'PY'
import os, random, sys, base64
d, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(6)
for i in range(n):
    sub = os.path.join(d, f"batch{i % 20:02d}")
    os.makedirs(sub, exist_ok=True)
    size = rnd.randint(2 * 1024, 20 * 1024)
    text = base64.b64encode(os.urandom(size)).decode()[:size]
    with open(os.path.join(sub, f"scan{i:05d}.txt"), "w") as f:
        f.write(f"scan {i}\n" + "\n".join(text[j:j + 76] for j in range(0, len(text), 76)) + "\n")
PY

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$(curl -fs "http://127.0.0.1:$PORT/api/auth/login" -H 'Content-Type: application/json' \
  -d "$(jq -n --arg h "$HANDLE" --arg p "$PASS" '{handle: $h, password: $p}')" | jq -r .access_token)
if [ -z "$TOKEN" ] || [ "$TOKEN" = null ]; then die "could not sign in to serve"; fi

sample() { # sample FILE COUNT|PID: list latencies (ms), one request every 50 ms
  local out=$1 until=$2 n=0
  : >"$out"
  while :; do
    if [[ $until == pid:* ]]; then kill -0 "${until#pid:}" 2>/dev/null || break
    else [ "$n" -ge "$until" ] && break; fi
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $TOKEN" \
      "http://127.0.0.1:$PORT/api/documents?limit=50" >>"$out"
    n=$((n + 1))
    sleep 0.05
  done
}
stats() { # stats FILE: "n p50 p99 max (ms), non-200"
  awk '{ print $2 * 1000 }' "$1" | sort -n | awk -v bad="$(awk '$1 != 200' "$1" | wc -l)" '
    { a[NR] = $1 } END { if (!NR) { print "no samples"; exit }
      i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99 + 0.999); if (i99 > NR) i99 = NR
      printf "%d requests: p50 %.1f ms, p99 %.1f ms, max %.1f ms; non-200: %d", NR, a[i50], a[i99], a[NR], bad }'
}

LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)
say "idle list latency"
sample "$WORK/idle.txt" 100
say "watch --once of $NFILES files, list sampled meanwhile"
t0=$(date +%s%N)
/usr/bin/time -v -o "$WORK/watch.time" "$BIN" watch "$IN" --once --user "$HANDLE" --parallel "$PARALLEL" >"$WORK/watch.out" 2>"$WORK/watch.err" &
WPID=$!
sample "$WORK/busy.txt" "pid:$WPID"
set +e; wait "$WPID"; RC=$?; set -e
t1=$(date +%s%N)
LOAD_END=$(cut -d" " -f1-3 /proc/loadavg)
WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
RSS_MIB=$(awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/watch.time")
DOCS=$(pg -v h="$HANDLE" <<<"SELECT count(*) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h'")
NAMES=$(pg -v h="$HANDLE" <<<"SELECT count(DISTINCT filename) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h'")
ERRS=$(pg -v h="$HANDLE" <<<"SELECT count(*) FROM ingest_errors e JOIN users u ON u.id = e.user_id WHERE u.handle = :'h'")
LEFT=$(find "$IN" -type f | wc -l)
OK=FAILED
if [ "$RC" = 0 ] && [ "$DOCS" = "$NFILES" ] && [ "$NAMES" = "$NFILES" ] && [ "$LEFT" = 0 ] && [ "$ERRS" = 0 ]; then OK=passed; fi

REPORT="### Backpressure run $RUN_ID ($(date -u +%Y-%m-%d\ %H:%M) UTC)

\`docuvault watch DIR --once --parallel $PARALLEL\` of $NFILES text files of 2-20 KiB in 20 subfolders, while \`docuvault serve\` answers \`GET /api/documents?limit=50\` for the same user (one request every 50 ms, curl's time_total).

- watch: exit $RC in $WALL s, peak RSS $RSS_MIB MiB; documents $DOCS, distinct names $NAMES, ingest errors $ERRS, files left $LEFT: $OK.
- list, idle: $(stats "$WORK/idle.txt").
- list, during the batch: $(stats "$WORK/busy.txt") (target p99 <= 50 ms).
- Load average (1/5/15 min) before: $LOAD_START; after: $LOAD_END."
printf '%s\n' "$REPORT"
[ -n "$OUT" ] && printf '%s\n' "$REPORT" >"$OUT"
[ "$OK" = passed ]
