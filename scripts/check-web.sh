#!/usr/bin/env bash
# Checks that the committed web app build (web/dist, embedded in the binary)
# is what web/src builds to: rebuilds it in a temporary copy of web/ with
# the locked dependencies (npm ci, from npm's cache when it has them) and
# compares. Rebuild after changing web/: cd web && npm ci && npm run build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v npm >/dev/null || { echo "check-web: npm is not installed (Node.js 20+)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -C web --exclude=./node_modules --exclude=./dist -cf - . | tar -C "$tmp" -xf -
(
  cd "$tmp"
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
  npm run build --silent -- --logLevel error >/dev/null
)
if ! diff -r "$tmp/dist" web/dist; then
  echo "check-web: web/dist does not match web/src: run (cd web && npm ci && npm run build) and commit web/dist" >&2
  exit 1
fi
echo "check-web: web/dist matches web/src"
