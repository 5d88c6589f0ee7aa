#!/usr/bin/env bash
# Issue 19's acceptance: the documents the issue names — a library's
# reference manual (libtasn1, PDF), a distribution's FAQ as PDF and as DOCX
# (the Debian FAQ), a language's FAQ (the R FAQ, HTML) and a standard (the
# Filesystem Hierarchy Standard, PDF) — are uploaded with `docuvault upload`
# into a new user whose topics are the long-document corpus's ten (described
# as a person would, written before any run: scripts/make-classify-corpus-long.sh),
# read and filed by `docuvault worker --drain` with the builtin classifier,
# and each must come out filed under its topic; `docuvault doc show` says
# why. Prints one line per document and exits 1 when one is not filed
# right.
#
#   bash scripts/accept-classify.sh
#
# Needs the services (scripts/services.sh up; .dev/env is read; the deploy
# steps migrate up, grant and bucket init are run here) and Debian's
# libtasn1-doc, debian-faq, r-doc-html, debian-policy and pandoc (installed
# if missing, as root). Builds docuvault into .dev/bin/docuvault unless
# DOCUVAULT_BIN names one. The run's user and documents are removed at exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
say() { printf '[accept-classify %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
[ -f /usr/share/doc/libtasn1-doc/libtasn1.pdf ] || need+=(libtasn1-doc)
[ -f /usr/share/doc/debian/FAQ/debian-faq.en.pdf.gz ] || need+=(debian-faq)
[ -f /usr/share/doc/r-doc-html/manual/R-FAQ.html ] || need+=(r-doc-html)
[ -f /usr/share/doc/debian-policy/fhs/fhs-3.0.pdf.gz ] || need+=(debian-policy)
command -v pandoc >/dev/null || need+=(pandoc)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -f .dev/env ] || die "no .dev/env: run bash scripts/services.sh up first"
# shellcheck disable=SC1091
. .dev/env
DV=${DOCUVAULT_BIN:-}
if [ -z "$DV" ]; then
  DV="$ROOT/.dev/bin/docuvault"
  go build -o "$DV" . || die "go build failed"
fi
# The deploy steps, as scripts/run.sh takes them (each is idempotent): on a
# fresh machine the database has no tables yet.
say "migrate up, grant, bucket init"
for step in "migrate up" grant "bucket init"; do
  # shellcheck disable=SC2086 # the step's words are the subcommand's
  "$DV" $step >/dev/null || die "docuvault $step failed"
done
TOPICS=.dev/classify-corpus-long/topics.json
[ -f "$TOPICS" ] || bash scripts/make-classify-corpus-long.sh >&2 || die "could not build the long-document corpus (for its topics)"

WORK=$(mktemp -d /tmp/accept-classify.XXXXXX)
USER_HANDLE="accept-$(date -u +%Y%m%d%H%M%S)"
pg() { psql -X -q -At -v ON_ERROR_STOP=1 "${DATABASE_URL:?}" "$@"; }
# mc (MinIO's client, built once as bench-worker.sh's) removes the run's
# objects at exit, with the app key; then the rows go.
MC_VERSION=v0.0.0-20250313080218-cf909e1063a9
MC="${XDG_CACHE_HOME:-$HOME/.cache}/docuvault/tools/mc-$MC_VERSION/mc"
if [ ! -x "$MC" ]; then
  say "building mc $MC_VERSION (once)"
  GOFLAGS=-buildvcs=false GOBIN="$(dirname "$MC")" go install "github.com/minio/mc@$MC_VERSION"
fi
printf '%s\n' "$MINIO_SECRET_KEY" | "$MC" --config-dir "$WORK/mc" alias set accept "http://$MINIO_ENDPOINT" "$MINIO_ACCESS_KEY" --api S3v4 >/dev/null 2>&1 ||
  die "mc alias set failed"
cleanup() {
  local id
  for id in $(pg -v h="$USER_HANDLE" <<<"SELECT id FROM users WHERE handle = :'h'"); do
    "$MC" --config-dir "$WORK/mc" --quiet rm --recursive --force "accept/$MINIO_BUCKET/$id/" >/dev/null 2>&1 || true
  done
  pg -v h="$USER_HANDLE" <<<"DELETE FROM users WHERE handle = :'h'" >/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say "the documents"
cp /usr/share/doc/libtasn1-doc/libtasn1.pdf "$WORK/libtasn1.pdf"
gunzip -c /usr/share/doc/debian/FAQ/debian-faq.en.pdf.gz >"$WORK/debian-faq.pdf"
# The Debian FAQ's HTML, chapters in the order of its table of contents, as
# a DOCX (what a person gets when they save it from a word processor).
faq=/usr/share/doc/debian/FAQ
mapfile -t chapters < <(grep -o 'href="[a-z-]*\.en\.html"' "$faq/index.en.html" | sed 's/href="//; s/"$//' | awk '!seen[$0]++')
[ ${#chapters[@]} -gt 5 ] || die "the Debian FAQ's HTML has ${#chapters[@]} chapters"
(cd "$faq" && pandoc -f html -t docx -o "$WORK/debian-faq.docx" "${chapters[@]}")
cp /usr/share/doc/r-doc-html/manual/R-FAQ.html "$WORK/R-FAQ.html"
gunzip -c /usr/share/doc/debian-policy/fhs/fhs-3.0.pdf.gz >"$WORK/fhs-3.0.pdf"

say "user $USER_HANDLE with the long corpus's ten topics"
"$DV" user add "$USER_HANDLE" --email "$USER_HANDLE@accept.invalid" >/dev/null
declare -A TOPIC_NAME
while IFS=$'\t' read -r label name desc; do
  "$DV" topic add "$name" --user "$USER_HANDLE" --description "$desc" >/dev/null
  TOPIC_NAME[$label]=$name
done < <(/usr/bin/python3 -c 'import json,sys
for l in json.load(open(sys.argv[1]))["labels"]: print(l["label"], l["name"], l["description"], sep="\t")' "$TOPICS")

say "upload and worker --drain"
"$DV" upload --user "$USER_HANDLE" "$WORK"/*.pdf "$WORK"/*.docx "$WORK"/*.html >/dev/null
"$DV" worker --drain --log-level warn >&2

declare -A WANT=([libtasn1.pdf]=security [debian-faq.pdf]=debian [debian-faq.docx]=debian [R-FAQ.html]=r [fhs-3.0.pdf]=filesystems)
list=$("$DV" doc list --user "$USER_HANDLE" --json | /usr/bin/python3 -c 'import json,sys
for d in json.load(sys.stdin)["documents"]: print(d["id"], d["filename"], sep="\t")')
[ "$(grep -c . <<<"$list")" = "${#WANT[@]}" ] || die "the user has $(grep -c . <<<"$list") documents, not ${#WANT[@]}"
fails=0
printf '%-16s %-28s %-40s %s\n' document "want" "filed under (score)" "why"
while IFS=$'\t' read -r id filename; do
  show=$("$DV" doc show "$id" --user "$USER_HANDLE" --json)
  read -r got why < <(/usr/bin/python3 -c 'import json,sys
d = json.loads(sys.argv[1])
ts = d.get("topics") or []
got = "; ".join("%s (%.2f)" % (t["name"], t.get("score") or 0) for t in ts) or "unfiled"
why = " | ".join("%s: %s" % (t["name"], ", ".join(t.get("evidence") or [])) for t in ts) or \
    "best candidates: " + ", ".join("%s %.2f" % (c.get("name") or c.get("topic_id"), c.get("score") or 0) for c in d.get("candidates") or [])
print(got.replace(" ", "\u00a0"), why)' "$show")
  got=${got//$'\u00a0'/ }
  want=${TOPIC_NAME[${WANT[$filename]}]}
  verdict=ok
  case "; $got" in *"; $want ("*) ;; *) verdict=WRONG; fails=$((fails + 1)) ;; esac
  printf '%-16s %-28s %-40s %s  [%s]\n' "$filename" "$want" "$got" "$why" "$verdict"
done <<<"$list"
if [ "$fails" -gt 0 ]; then
  say "$fails of ${#WANT[@]} documents not filed under their topic"
  exit 1
fi
say "all ${#WANT[@]} documents filed under their topic"
