#!/usr/bin/env bash
# Runs DocuVault on this machine: real services up, the deploy steps
# (migrate up, grant, bucket init), a health check, a first admin account,
# then the worker (in the background) and serve (the web app and API).
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

# A first account, so the web app can be signed in to: made once, its
# password kept in .dev/admin-password (readable by you only).
pwfile=.dev/admin-password
if ! docuvault user list --json | grep -q '"handle"'; then
  pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$pw" | docuvault user add admin --email admin@example.org --admin --password-stdin
  (umask 077 && printf '%s\n' "$pw" > "$pwfile")
fi

# Loopback only unless asked: DOCUVAULT_LISTEN=:8080 scripts/run.sh serves
# every interface (behind TLS, see docs/operations.md).
export DOCUVAULT_LISTEN=${DOCUVAULT_LISTEN:-127.0.0.1:8080}
listen=$DOCUVAULT_LISTEN
port=${listen##*:}
if [ -f "$pwfile" ]; then
  signin="sign in as \"admin\" with the password in ${pwfile}"
else
  signin="sign in with an account made by \`docuvault user add NAME --email E --password-stdin\`"
fi
cat <<MSG

DocuVault is up: the worker and the web app with its API are running
(Ctrl-C stops both gracefully).

  Open http://localhost:${port}/ and ${signin}.

From another shell: source .dev/env, then e.g.
  docuvault upload ~/Documents/some.pdf
MSG

docuvault worker &
worker=$!
docuvault serve &
serve=$!
# Ctrl-C or SIGTERM: both stop gracefully (serve lets uploads finish, the
# worker its jobs in flight); then this script ends with serve's status.
trap 'kill -TERM "$serve" "$worker" 2>/dev/null || true' INT TERM
status=0
wait "$serve" || status=$?
wait "$serve" 2>/dev/null || true # a signal ends the first wait early
kill -TERM "$worker" 2>/dev/null || true
wait "$worker" 2>/dev/null || true
exit "$status"
