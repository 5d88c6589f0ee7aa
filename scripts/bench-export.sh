#!/usr/bin/env bash
# Export/import benchmark: `docuvault export` against `rclone copy` of the
# same bucket prefix (rclone copy is what `mc mirror` without --remove does;
# mc is not installed here, rclone is a Debian package), then `docuvault
# import` of the export into a fresh database and bucket, in one run, on this
# checkout's services (scripts/services.sh up; source .dev/env).
#
#   bash scripts/bench-export.sh            # BENCH_DOCS=1000 BENCH_KIB=100
#   BENCH_DOCS=10000 BENCH_KIB=100 bash scripts/bench-export.sh   # issue 23's size: ~1 GB
#   BENCH_PARALLEL=32 ...                   # docuvault import --parallel (default: its own, 16)
#
# A bench user gets BENCH_DOCS text files of about BENCH_KIB KiB (unique
# content) through `docuvault upload --recursive --no-classify`. Then, timed
# with GNU time (wall seconds and peak RSS):
#   docuvault export TAR --user U
#   rclone copy app:BUCKET/USER_ID/ DIR        (the user's objects' prefix)
#   docuvault import TAR   into a new database (made with
#                          DOCUVAULT_TEST_PG_ADMIN_URL) and a new bucket
# and prints the ratios (issue 23's targets: export <= 1.3x the mirror,
# import >= 0.8x the export's rate, peak RSS <= 128 MiB each).
# It removes its files, database and bucket at exit (the bench user and
# its documents stay in the dev deployment).
set -euo pipefail
unset AWS_CA_BUNDLE   # plain-HTTP MinIO: a CA bundle makes rclone fail ("HTTPClient's transport unsupported type")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${BENCH_DOCS:-1000}
KIB=${BENCH_KIB:-100}
PARALLEL=${BENCH_PARALLEL:-}
say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
: "${DATABASE_URL:?source .dev/env first}" "${DOCUVAULT_TEST_PG_ADMIN_URL:?source .dev/env first}"
command -v rclone >/dev/null || { say "rclone is needed (apt-get install rclone)"; exit 1; }
[ -x /usr/bin/time ] || { say "GNU time is needed (/usr/bin/time)"; exit 1; }

RUN=$(date +%s)
WORK=$(mktemp -d)
DB=bench_import_$RUN
BUCKET=bench-import-$RUN
cleanup() {
  rm -rf "$WORK"
  psql -q "$DOCUVAULT_TEST_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  RCLONE_CONFIG_ROOT_TYPE=s3 RCLONE_CONFIG_ROOT_PROVIDER=Minio RCLONE_CONFIG_ROOT_ENDPOINT="http://$MINIO_ENDPOINT" \
    RCLONE_CONFIG_ROOT_ACCESS_KEY_ID="$MINIO_ROOT_USER" RCLONE_CONFIG_ROOT_SECRET_ACCESS_KEY="$MINIO_ROOT_PASSWORD" \
    rclone purge "root:$BUCKET" >/dev/null 2>&1 || true
}
trap cleanup EXIT

BIN=$WORK/docuvault
(cd "$ROOT" && go build -o "$BIN" .)
USER_H=bench-export-$RUN
"$BIN" user add "$USER_H" --email "$USER_H@example.org" --quota 100GiB >/dev/null
UID_=$(psql -At "$DATABASE_URL" -c "SELECT id FROM users WHERE handle = '$USER_H'")
say "making $N files of ~$KIB KiB"
mkdir -p "$WORK/in"
python3 - "$WORK/in" "$N" "$KIB" <<'PY'
import os, sys, random
d, n, kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
words = "alpha beta gamma delta invoice contract tax receipt policy letter".split()
for i in range(n):
    r = random.Random(i)
    body = " ".join(r.choice(words) for _ in range(kib * 1024 // 6))
    with open(os.path.join(d, f"doc-{i:06d}.txt"), "w") as f:
        f.write(f"document {i} {os.urandom(8).hex()}\n{body}\n")
PY
say "uploading"
"$BIN" upload "$WORK/in" --recursive --parallel 8 --no-classify --user "$USER_H" >/dev/null

timed() { # label, command... → "seconds rss_kib"
  local out=$WORK/time-$1; shift
  /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null
  cat "$out"
}
say "export (load average $(cut -d' ' -f1-3 /proc/loadavg))"
read -r EXP_S EXP_RSS < <(timed export "$BIN" export "$WORK/vault.tar" --user "$USER_H")
say "rclone copy of the prefix"
export RCLONE_CONFIG_APP_TYPE=s3 RCLONE_CONFIG_APP_PROVIDER=Minio RCLONE_CONFIG_APP_ENDPOINT="http://$MINIO_ENDPOINT" \
  RCLONE_CONFIG_APP_ACCESS_KEY_ID="$MINIO_ACCESS_KEY" RCLONE_CONFIG_APP_SECRET_ACCESS_KEY="$MINIO_SECRET_KEY"
read -r MIR_S MIR_RSS < <(timed mirror rclone copy -q "app:$MINIO_BUCKET/$UID_/" "$WORK/mirror")

say "fresh database $DB and bucket $BUCKET"
psql -q "$DOCUVAULT_TEST_PG_ADMIN_URL" -c "CREATE DATABASE $DB OWNER docuvault_migrate" >/dev/null
NEW_APP="${DATABASE_URL%/*}/$DB?sslmode=disable"
NEW_MIG="${DATABASE_MIGRATE_URL%/*}/$DB?sslmode=disable"
DATABASE_URL=$NEW_APP DATABASE_MIGRATE_URL=$NEW_MIG "$BIN" migrate up >/dev/null
DATABASE_URL=$NEW_APP DATABASE_MIGRATE_URL=$NEW_MIG "$BIN" grant >/dev/null
MINIO_BUCKET=$BUCKET "$BIN" bucket init >/dev/null
say "import"
IMPORT_ARGS=()
[ -n "$PARALLEL" ] && IMPORT_ARGS=(--parallel "$PARALLEL")
say "load average before the import: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r IMP_S IMP_RSS < <(DATABASE_URL=$NEW_APP MINIO_BUCKET=$BUCKET timed import "$BIN" import "$WORK/vault.tar" "${IMPORT_ARGS[@]}")
DATABASE_URL=$NEW_APP MINIO_BUCKET=$BUCKET "$BIN" fsck --grace 0 >&2

BYTES=$(stat -c %s "$WORK/vault.tar")
python3 - "$N" "$BYTES" "$EXP_S" "$EXP_RSS" "$MIR_S" "$MIR_RSS" "$IMP_S" "$IMP_RSS" <<'PY'
import sys
n, b, es, er, ms, mr, is_, ir = sys.argv[1:]
n, b = int(n), int(b)
es, ms, is_ = float(es), float(ms), float(is_)
print(f"# Export/import benchmark ({n} documents, tar {b/2**20:.1f} MiB)\n")
print("| step | wall s | peak RSS MiB |\n|---|---|---|")
print(f"| docuvault export (tar) | {es:.2f} | {int(er)/1024:.1f} |")
print(f"| rclone copy of the prefix | {ms:.2f} | {int(mr)/1024:.1f} |")
print(f"| docuvault import (fresh db + bucket) | {is_:.2f} | {int(ir)/1024:.1f} |")
print(f"\nexport / mirror: {es/ms:.2f} (target <= 1.3); import rate / export rate: {es/is_:.2f} (target >= 0.8)")
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
