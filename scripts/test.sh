#!/usr/bin/env bash
# The whole test suite, as CI runs it: real services up, vet, gofmt, and every
# test with the race detector against them. A missing service fails, never skips.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

bash scripts/services.sh up
bash scripts/services.sh tools
# shellcheck disable=SC1091
. .dev/env
export DOCUVAULT_TEST_REQUIRE_SERVICES=1

echo "== go vet"
go vet ./...
echo "== gofmt"
unformatted=$(find . -path ./.dev -prune -o -name '*.go' -exec gofmt -l {} +)
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi
echo "== web app build (web/dist matches web/src)"
bash scripts/check-web.sh
echo "== go test"
# The release snapshot test cross-compiles six targets: on a machine whose
# Go build cache has never seen them, that alone can pass go test's default
# 10-minute limit per package.
#
# Each test process schedules its goroutines on one CPU (GOMAXPROCS=1) and
# packages run as many at a time as there are CPUs (-p): on the two-vCPU VMs
# this runs on, waking a goroutine on the other CPU was at times so costly
# that argon2id (four lanes) took 0.81 s a hash with GOMAXPROCS=2 and 0.19 s
# with 1, and pkg/api's tests (about 20 logins each) passed 40 minutes
# (2026-12-05; TestSessionsOverHTTP 125 s against 12 s). The race detector
# finds races from the order of events (happens-before), not from running
# at the same instant, so it checks the same code paths. Test deployments
# also hash passwords at OWASP's minimum cost (testenv.HashCostSetting):
# pkg/api then took 5 minutes in a whole run instead of 34. The limit per
# package stays 60 minutes, as a package that hits it fails the whole run.
GOMAXPROCS=1 go test -p "$(nproc)" -race -count=1 -timeout 60m ./...
echo "== fuzz (every fuzz target for 2 s; scripts/fuzz.sh runs them long)"
bash scripts/fuzz.sh 2s
