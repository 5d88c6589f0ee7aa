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
go test -race -count=1 -timeout 40m ./...
echo "== fuzz (every fuzz target for 2 s; scripts/fuzz.sh runs them long)"
bash scripts/fuzz.sh 2s
