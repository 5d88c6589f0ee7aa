#!/usr/bin/env bash
# Classification-quality benchmark (issue 5): DocuVault's `builtin` provider
# beside paperless-ngx's auto-matching model on the same labelled corpus and
# the same train/test split.
#
#   bash scripts/bench-classify.sh [--out FILE]
#
# Rows: builtin zero-shot (topic names and one-line descriptions only),
# builtin with 5 and with 20 confirmed documents per topic (the topics
# file's `examples`), and paperless-ngx's model (scikit-learn from Debian's
# python3-sklearn: CountVectorizer(ngram_range=(1,2), min_df=0.01) +
# MLPClassifier(tol=0.01), text preprocessed as paperless does, see
# scripts/classify_baseline.py) trained on 5, 20 and 50 documents per topic
# and on all training documents. The k-per-topic documents are drawn per seed
# (seeds 0,1,2; rows are means over them) and are the SAME documents on both
# sides: the builtin rows read them as `examples` from the topics files the
# baseline's sampler writes. Columns: top-1 accuracy, macro-F1, wall time.
#
# Corpus: Reuters-21578, single-label subset, 11 topics (built by
# scripts/make-classify-corpus.sh into .dev/classify-corpus/ if missing).
# Installs if missing (Debian, as root): python3-sklearn, python3-nltk,
# liblingua-stopwords-perl, npm. Builds docuvault into .dev/bin/docuvault
# (set DOCUVAULT_BIN=/path to use another binary instead). Needs no services.
# Work files and predictions stay in .dev/classify-corpus/bench/RUN/.
#
# Knobs: BENCH_SEEDS=0,1,2  DOCUVAULT_BIN=  BENCH_CLASSIFY_ARGS= (extra
# arguments for every `docuvault classify`, e.g. --no-adapt). Fails non-zero
# if any step fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
SEEDS=${BENCH_SEEDS:-0,1,2}
read -r -a EXTRA <<<"${BENCH_CLASSIFY_ARGS:-}"
CORPUS="$ROOT/.dev/classify-corpus"
PY=/usr/bin/python3   # Debian's python: python3-sklearn lives there

say() { printf '[bench-classify %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
if [ -n "$OUT" ] && [ "${OUT#/}" = "$OUT" ]; then OUT="$START_DIR/$OUT"; fi
cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
APT_UPDATED=0
apt_install() {
  say "installing $* (Debian)"
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq >/dev/null || die "apt-get update failed"; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    die "apt-get install $* failed"
}
[ -x "$PY" ] || apt_install python3
"$PY" -c 'import sklearn, nltk' 2>/dev/null || apt_install python3-sklearn python3-nltk
"$PY" -c 'import sklearn, nltk' || die "python3-sklearn / python3-nltk not importable by $PY"
perl -MLingua::StopWords -e 1 2>/dev/null || apt_install liblingua-stopwords-perl
perl -MLingua::StopWords -e 1 || die "Lingua::StopWords (liblingua-stopwords-perl) missing"

# 1. The corpus (skipped when already built).
bash "$ROOT/scripts/make-classify-corpus.sh" --out "$CORPUS" || die "building the corpus failed"
for f in train.jsonl test.jsonl topics.json topics-zeroshot.json; do
  [ -s "$CORPUS/$f" ] || die "$CORPUS/$f missing after make-classify-corpus.sh"
done

# 2. docuvault.
if [ -n "${DOCUVAULT_BIN:-}" ]; then
  BIN=$DOCUVAULT_BIN
  BUILD="DOCUVAULT_BIN=$BIN (not built by this run)"
  say "using $BIN"
else
  say "building docuvault"
  mkdir -p "$ROOT/.dev/bin"
  go build -o "$ROOT/.dev/bin/docuvault" . || die "go build failed"
  BIN="$ROOT/.dev/bin/docuvault"
  BUILD="$(go version | awk '{ print $3 }'), docuvault from the working tree at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  if [ -n "$(git status --porcelain 2>/dev/null | head -1)" ]; then BUILD="$BUILD (plus uncommitted changes)"; fi
fi
[ -x "$BIN" ] || die "$BIN is not executable"
"$BIN" classify --help >/dev/null 2>&1 || die "$BIN has no working \`classify\` command (\`$BIN classify --help\` failed)"

RUN_ID="$(date -u +%Y%m%d-%H%M%S)"
WORK="$CORPUS/bench/$RUN_ID"
mkdir -p "$WORK/pred"
say "run $RUN_ID, work files in ${WORK#"$ROOT"/}"

# 3. The k-per-topic samples, shared by both sides.
"$PY" "$ROOT/scripts/classify_baseline.py" samples --corpus "$CORPUS" --out "$WORK" --ks 5,20,50 --seeds "$SEEDS" ||
  die "sampling failed"
"$PY" - "$CORPUS/test.jsonl" "$WORK/input.jsonl" <<'PYEOF' || die "writing the classify input failed"
import json, sys
with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as dst:
    for line in src:
        r = json.loads(line)
        dst.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
PYEOF

# 4. DocuVault builtin.
ROWS="$WORK/rows.jsonl"
: >"$ROWS"
run_builtin() { # run_builtin ROW SEED TOPICS-FILE TAG
  local row=$1 seed=$2 topics=$3 tag=$4 t0 t1 secs
  say "docuvault classify: $row${seed:+ (seed $seed)}"
  t0=$EPOCHREALTIME
  if ! "$BIN" classify ${EXTRA[@]+"${EXTRA[@]}"} --topics "$topics" --json - <"$WORK/input.jsonl" >"$WORK/pred/builtin-$tag.jsonl" 2>"$WORK/pred/builtin-$tag.stderr"; then
    tail -20 "$WORK/pred/builtin-$tag.stderr" >&2
    die "docuvault classify failed for $row ($topics)"
  fi
  t1=$EPOCHREALTIME
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  "$PY" "$ROOT/scripts/classify_score.py" docuvault --corpus "$CORPUS" --pred "$WORK/pred/builtin-$tag.jsonl" \
    --row "$row" ${seed:+--seed "$seed"} --seconds "$secs" >>"$ROWS" || die "scoring $row failed"
  tail -1 "$ROWS" | "$PY" -c 'import json,sys; print("  accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}, {seconds:.1f} s, top-1 assigned {top1_assigned:.2f}, assigned per document {assigned_per_doc:.2f}".format(**json.load(sys.stdin)))' >&2
}
run_builtin "builtin zero-shot" "" "$CORPUS/topics-zeroshot.json" zeroshot
for k in 5 20; do
  for seed in ${SEEDS//,/ }; do
    run_builtin "builtin k=$k" "$seed" "$WORK/topics-k$k-s$seed.json" "k$k-s$seed"
  done
done

# 5. paperless-ngx's model.
say "paperless-ngx baseline (k = 5, 20, 50 and all; seeds $SEEDS)"
"$PY" "$ROOT/scripts/classify_baseline.py" run --corpus "$CORPUS" --samples "$WORK" --ks 5,20,50 --seeds "$SEEDS" \
  --pred-dir "$WORK/pred" >"$WORK/baseline.json" || die "the paperless-ngx baseline failed"

# 6. Report.
TABLE=$("$PY" "$ROOT/scripts/classify_score.py" table "$ROWS" "$WORK/baseline.json") || die "making the table failed"
NTEST=$(wc -l <"$WORK/input.jsonl")
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
mem_gib=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
SETTINGS=$("$PY" -c 'import json,sys; print("scikit-learn {sklearn}, NLTK {nltk}, Python {python} (Debian); preprocessing: {preprocess}, stop words: {stopwords}".format(**json.load(open(sys.argv[1]))["settings"]))' "$WORK/baseline.json")
CORPUS_LINE=$("$PY" -c 'import json,sys; print("{corpus}: {train} training and {test} test documents; source {source}; split: {split}".format(**json.load(open(sys.argv[1]))))' "$CORPUS/topics.json")
TOPICS=$("$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
print("| topic (Reuters label) | description given to builtin | train | test |")
print("| --- | --- | --- | --- |")
for x in m["labels"]:
    print("| {name} ({label}) | {description} | {train} | {test} |".format(**x))' "$CORPUS/topics.json")

REPORT=$(cat <<EOF
- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC') (run \`$RUN_ID\`)
- Machine: nproc $(nproc), memory $mem_gib GiB, ${cpu:-unknown CPU}, $(uname -sr)
- Build: $BUILD
- Baseline: $SETTINGS
- Corpus: $CORPUS_LINE
- Method: top-1 = the first topic docuvault ranks / the label MLPClassifier.predict returns; macro-F1 over the 11 topics; k-per-topic rows are means over seeds $SEEDS (the same k documents per topic on both sides); wall time = the whole \`docuvault classify${EXTRA[@]+ ${EXTRA[*]}} --topics FILE --json -\` process over all $NTEST test documents in one run (start-up, learning the examples, classifying; the test documents reach it only as unlabelled \`{id, text}\` lines) / the baseline's preprocessing + vectorising + fit + predict (Python start-up and imports not counted)
- Reproduce: \`bash scripts/bench-classify.sh\`

$TABLE

Topics (names and descriptions written before any classifier was run on the corpus, not tuned afterwards):

$TOPICS
EOF
)
printf '%s\n' "$REPORT"
if [ -n "$OUT" ]; then printf '%s\n' "$REPORT" >"$OUT"; say "report written to $OUT"; fi
printf '%s\n' "$REPORT" >"$WORK/report.md"
say "done; predictions and rows in ${WORK#"$ROOT"/}"
