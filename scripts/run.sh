#!/usr/bin/env bash
# Runs DocuVault on this machine: real services up, then the deploy steps
# (migrate up, grant, bucket init) and a health check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

bash scripts/services.sh up
# shellcheck disable=SC1091
. .dev/env

docuvault migrate up
docuvault grant
docuvault bucket init
docuvault health

cat <<'MSG'

DocuVault's services are up, migrated, granted and healthy. Now running the
worker (Ctrl-C stops it gracefully); `docuvault serve` does not exist yet.
In another shell: source .dev/env, then e.g.
  docuvault user add me --email me@example.org
  docuvault upload ~/Documents/some.pdf
MSG
exec docuvault worker
