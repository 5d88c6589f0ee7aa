#!/usr/bin/env bash
# E-mail ingestion's throughput (issue 22's benchmark: at least 50
# messages/s with attachments against the local Dovecot): puts N messages
# (default 300), each with a PDF and a text attachment (about 20 KB and
# 2 KB), in a new folder of this checkout's Dovecot by IMAP APPEND, then
# times one poll that stores every attachment through pkg/storage (a
# scratch database and bucket) and marks each message read.
#
#   scripts/services.sh up && scripts/bench-mail.sh [N]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-300}
[ -f "$ROOT/.dev/env" ] || { echo "bench-mail: run scripts/services.sh up first" >&2; exit 1; }
# shellcheck disable=SC1091
. "$ROOT/.dev/env"
cd "$ROOT"
DOCUVAULT_BENCH_MAIL=$N DOCUVAULT_TEST_REQUIRE_SERVICES=1 go test -count=1 -run '^TestBenchPoll$' -v ./pkg/mail/ | grep -E '^(bench-mail:|--- |FAIL|ok)|appended'
