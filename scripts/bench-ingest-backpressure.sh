#!/usr/bin/env bash
# E-mail and cloud backpressure (issue 22, item 6): a mailbox of 2,000
# messages, or a bucket of 10,000 objects, taken in by one process while a
# `docuvault serve` of the same deployment answers GET /api/documents.
#
#   bash scripts/bench-ingest-backpressure.sh mail|cloud [--out FILE]
#
# mail:  BENCH_MESSAGES messages (default 2000), each with one PDF of about
#        20 KB, APPENDed to a new folder of this checkout's Dovecot
#        (scripts/benchingestseed), then one `docuvault mail poll` of an
#        account whose rule takes the attachments and marks the message read.
# cloud: BENCH_OBJECTS objects (default 10000) of 2-20 KiB put in a new
#        bucket of this checkout's MinIO (a second bucket, the source), then
#        one `docuvault cloud sync --parallel BENCH_PARALLEL` (default 4) of
#        an s3 connection to it.
# Reports: the ingesting process's wall time and peak RSS (GNU time -v);
# that every message or object became a document or a listed ingest error
# and nothing twice (psql: documents + errors = items, distinct content =
# documents, messages or objects remembered as taken = items); and the
# list's latency (p50, p99, max, from curl's time_total, one request every
# 50 ms, closed loop) before (idle) and during the ingestion. Target: p99
# during it <= 50 ms. Uses scripts/services.sh's services (.dev/env) and
# removes its user, rows, objects (fsck --repair --grace 0), the mail folder
# and the source bucket at exit: a development deployment only.
# Try it small first: BENCH_MESSAGES=100 or BENCH_OBJECTS=200.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
PARALLEL=${BENCH_PARALLEL:-4}
say() { printf '[bench-ingest %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }
MODE="" OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    mail|cloud) MODE=$1; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a file"; OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$MODE" ] || die "say mail or cloud (see --help)"
if [ "$MODE" = mail ]; then N=${BENCH_MESSAGES:-2000}; else N=${BENCH_OBJECTS:-10000}; fi
case "$N" in ''|*[!0-9]*|0) die "the number of items must be a positive number, not '$N'" ;; esac
if [ -n "$OUT" ] && [ "${OUT#/}" = "$OUT" ]; then OUT="$START_DIR/$OUT"; fi
cd "$ROOT"
[ -f .dev/env ] || die "no .dev/env: run scripts/services.sh up first"
# shellcheck disable=SC1091
source .dev/env
for c in psql curl jq /usr/bin/time python3; do command -v "$c" >/dev/null || die "$c is missing"; done
if [ "$MODE" = mail ]; then
  for v in DOCUVAULT_TEST_IMAP_ADDR DOCUVAULT_TEST_IMAP_USER DOCUVAULT_TEST_IMAP_PASSWORD DOCUVAULT_TEST_IMAP_CA; do
    [ -n "${!v:-}" ] || die "$v is not set: scripts/services.sh up starts Dovecot"
  done
fi

RUN_ID="$(date -u +%Y%m%d%H%M%S)$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK=$(mktemp -d "/tmp/bench-ingest.$RUN_ID.XXXXXX")
BIN="$WORK/docuvault"
SEED="$WORK/benchingestseed"
HANDLE="bench-$RUN_ID-$MODE"
PASS="bench password $RUN_ID"
SOURCE="bp$RUN_ID" # the mail folder or the source bucket (a valid bucket name)
pg() { psql "$DATABASE_MIGRATE_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
SERVE_PID="" PURGE=0 SEEDED=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  if [ "$PURGE" = 1 ]; then
    pg -v h="$HANDLE" <<<"DELETE FROM users WHERE handle = :'h'" >/dev/null || true
    "$BIN" fsck --repair --grace 0 >/dev/null 2>&1 || say "warning: fsck --repair failed"
  fi
  if [ "$SEEDED" = 1 ]; then
    if [ "$MODE" = mail ]; then "$SEED" rm-mail "$SOURCE" || say "warning: mail folder $SOURCE not removed"
    else "$SEED" rm-s3 "$SOURCE" || say "warning: bucket $SOURCE not removed"; fi
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

say "building docuvault and the seeder"
go build -o "$BIN" .
go build -o "$SEED" ./scripts/benchingestseed
"$BIN" migrate up >/dev/null
"$BIN" grant >/dev/null
"$BIN" bucket init >/dev/null
"$BIN" user add "$HANDLE" --email "$HANDLE@example.org" --quota 20GiB --password-stdin <<<"$PASS" >/dev/null
PURGE=1

SEEDED=1
if [ "$MODE" = mail ]; then
  say "appending $N messages to the Dovecot folder $SOURCE"
  "$SEED" mail "$SOURCE" "$N"
  "$BIN" mail add bp --user "$HANDLE" --host "${DOCUVAULT_TEST_IMAP_ADDR%:*}" --port "${DOCUVAULT_TEST_IMAP_ADDR##*:}" \
    --security starttls --login "$DOCUVAULT_TEST_IMAP_USER" --password-stdin <<<"$DOCUVAULT_TEST_IMAP_PASSWORD" >/dev/null
  "$BIN" mail rule add bp --user "$HANDLE" --folder "$SOURCE" --after read >/dev/null
  INGEST=(env SSL_CERT_FILE="$DOCUVAULT_TEST_IMAP_CA" "$BIN" mail poll bp --user "$HANDLE")
  WHAT="\`docuvault mail poll\` of $N messages (one PDF attachment of about 20 KB each, rule: attachments, then mark read) from the local Dovecot"
else
  say "putting $N objects in the bucket $SOURCE"
  "$SEED" s3 "$SOURCE" "$N"
  "$BIN" cloud add bp --user "$HANDLE" --provider s3 --endpoint "$MINIO_ENDPOINT" --tls=false --bucket "$SOURCE" --prefix inbox \
    --access-key "$MINIO_ROOT_USER" --secret-key-stdin <<<"$MINIO_ROOT_PASSWORD" >/dev/null
  INGEST=("$BIN" cloud sync bp --user "$HANDLE" --parallel "$PARALLEL")
  WHAT="\`docuvault cloud sync --parallel $PARALLEL\` of $N objects of 2-20 KiB in 20 prefixes of a second bucket of the local MinIO"
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$(curl -fs "http://127.0.0.1:$PORT/api/auth/login" -H 'Content-Type: application/json' \
  -d "$(jq -n --arg h "$HANDLE" --arg p "$PASS" '{handle: $h, password: $p}')" | jq -r .access_token)
if [ -z "$TOKEN" ] || [ "$TOKEN" = null ]; then die "could not sign in to serve"; fi

sample() { # sample FILE COUNT|pid:PID: list latencies, one request every 50 ms
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
say "ingesting $N items ($MODE), list sampled meanwhile"
t0=$(date +%s%N)
/usr/bin/time -v -o "$WORK/ingest.time" "${INGEST[@]}" >"$WORK/ingest.out" 2>"$WORK/ingest.err" &
IPID=$!
sample "$WORK/busy.txt" "pid:$IPID"
set +e; wait "$IPID"; RC=$?; set -e
t1=$(date +%s%N)
LOAD_END=$(cut -d" " -f1-3 /proc/loadavg)
WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
RSS_MIB=$(awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/ingest.time")
q() { pg -v h="$HANDLE" <<<"$1"; }
DOCS=$(q "SELECT count(*) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h'")
DISTINCT=$(q "SELECT count(DISTINCT sha256) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h'")
ERRS=$(q "SELECT count(*) FROM ingest_errors e JOIN users u ON u.id = e.user_id WHERE u.handle = :'h'")
if [ "$MODE" = mail ]; then
  TAKEN=$(q "SELECT count(*) FROM mail_messages m JOIN mail_accounts a ON a.id = m.account_id JOIN users u ON u.id = a.user_id WHERE u.handle = :'h' AND m.outcome = 'taken'")
else
  TAKEN=$(q "SELECT count(*) FROM cloud_items i JOIN cloud_connections c ON c.id = i.connection_id JOIN users u ON u.id = c.user_id WHERE u.handle = :'h'")
fi
OK=FAILED
if [ "$RC" = 0 ] && [ $((DOCS + ERRS)) = "$N" ] && [ "$DISTINCT" = "$DOCS" ] && [ "$TAKEN" = "$N" ]; then OK=passed; fi
[ "$RC" = 0 ] || say "the ingesting process exited $RC: $(tail -3 "$WORK/ingest.err")"
if [ "$ERRS" != 0 ]; then
  say "ingest errors (at most 3 reasons):"
  q "SELECT reason, count(*) FROM ingest_errors e JOIN users u ON u.id = e.user_id WHERE u.handle = :'h' GROUP BY reason ORDER BY 2 DESC LIMIT 3" >&2
fi

REPORT="### Backpressure run $RUN_ID, $MODE ($(date -u +%Y-%m-%d\ %H:%M) UTC)

$WHAT, while \`docuvault serve\` answers \`GET /api/documents?limit=50\` for the same user (one request every 50 ms, curl's time_total).

- ingestion: exit $RC in $WALL s, peak RSS $RSS_MIB MiB; documents $DOCS (distinct content $DISTINCT), ingest errors $ERRS, items remembered as taken $TAKEN of $N: $OK.
- list, idle: $(stats "$WORK/idle.txt").
- list, during the ingestion: $(stats "$WORK/busy.txt") (target p99 <= 50 ms).
- Load average (1/5/15 min) before: $LOAD_START; after: $LOAD_END."
printf '%s\n' "$REPORT"
[ -n "$OUT" ] && printf '%s\n' "$REPORT" >"$OUT"
[ "$OK" = passed ]
