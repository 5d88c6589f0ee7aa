#!/usr/bin/env bash
# Classification-quality benchmark (issues 5 and 19): DocuVault's `builtin`
# provider beside paperless-ngx's auto-matching model and a plain lexical
# floor, on the same labelled corpora and the same splits.
#
#   bash scripts/bench-classify.sh [--corpus reuters|long|de|all] [--split test|test2|dev] [--out FILE]
#
# Corpora (--corpus, default all; each is built by its script if missing):
#   reuters  Reuters-21578, single-label subset, 11 topics
#            (scripts/make-classify-corpus.sh -> .dev/classify-corpus/)
#   long     long manuals, FAQs and standards from Debian packages, 10 topics
#            (scripts/make-classify-corpus-long.sh -> .dev/classify-corpus-long/)
#   de       LibreOffice's German help pages, 8 topics, German topic names
#            (scripts/make-classify-corpus-de.sh -> .dev/classify-corpus-de/)
# --split test (the default) scores each corpus's test.jsonl, the pool the
# learners draw from being its train.jsonl. --split dev never reads
# test.jsonl: per topic, the first ceil(30 %) (at most 100) of train.jsonl's
# documents ranked by sha256("dev-eval:"+id) are scored and the rest are the
# pool; the rows that learn nothing from labels (builtin zero-shot, lexical)
# are also scored on every document of train.jsonl ("all N dev documents").
# Test splits are for the final run only.
# --split test2 scores each corpus's test2.jsonl (issue 19's second, fresh
# held-out split: test.jsonl has been looked at twice) exactly as --split test
# scores test.jsonl, the pool being train.jsonl; macro-F1 is taken over the
# topics that have test2 documents (Reuters' and the German corpus's test2
# have none for some topics; the report says which). Run it once per model
# change worth reporting: bash scripts/bench-classify.sh --corpus all --split
# test2; never choose anything on it (see docs/benchmarks.md, "Fresh
# held-out splits: test2 (issue 19)").
#
# Rows: builtin zero-shot (topic names and one-line descriptions only),
# builtin with 5, 20 and 50 confirmed documents per topic and with every
# training document (the topics file's `examples`), and paperless-ngx's model (scikit-learn from Debian's
# python3-sklearn: CountVectorizer(ngram_range=(1,2), min_df=0.01) +
# MLPClassifier(tol=0.01), text preprocessed as paperless does, see
# scripts/classify_baseline.py) trained on 5, 20 and 50 documents per topic
# and on all training documents, and the lexical floor: TF-IDF cosine of each
# document against each topic's "name + description" (TfidfVectorizer fitted
# on the pool's texts and the topic texts; top-1; classify_baseline.py
# lexical). Where a topic has fewer than k documents in the pool, the row says
# so (those topics use all they have); where no topic has k, the row is not
# run and says so. The k-per-topic documents are drawn per seed
# (seeds 0,1,2; rows are means over them) and are the SAME documents on both
# sides: the builtin rows read them as `examples` from the topics files the
# baseline's sampler writes. Columns: top-1 accuracy, macro-F1, wall time;
# under the table, the share of documents whose builtin zero-shot top-1 topic
# is assigned (score >= the threshold, 0.5 by default) and how many of those
# are right.
#
# Installs if missing (Debian, as root): python3-sklearn, python3-nltk,
# liblingua-stopwords-perl, npm, and the corpora's packages. Builds docuvault
# into .dev/bin/docuvault (set DOCUVAULT_BIN=/path to use another binary
# instead). Needs no services. Work files and predictions stay in
# CORPUS-DIR/bench/RUN/.
#
# Knobs: BENCH_SEEDS=0,1,2  DOCUVAULT_BIN=  BENCH_CLASSIFY_ARGS= (extra
# arguments for every `docuvault classify`, e.g. --no-adapt)
# BENCH_PAPERLESS=0 (skip paperless-ngx's rows, for quick dev runs: they are
# most of the long corpus's time)
# BENCH_CORPUS_DIR_REUTERS= BENCH_CORPUS_DIR_LONG= BENCH_CORPUS_DIR_DE= (read
# that corpus from another directory instead of .dev/classify-corpus*/, e.g.
# a copy with a stand-in test2.jsonl to check the wiring; a directory that
# lacks a file is built there by the corpus's script). Fails non-zero if any
# step fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
SEEDS=${BENCH_SEEDS:-0,1,2}
PAPERLESS=${BENCH_PAPERLESS:-1}
read -r -a EXTRA <<<"${BENCH_CLASSIFY_ARGS:-}"
EXTRA_STR=${BENCH_CLASSIFY_ARGS:+ $BENCH_CLASSIFY_ARGS}
CORPORA=all
SPLIT="test"
PY=/usr/bin/python3   # Debian's python: python3-sklearn lives there

say() { printf '[bench-classify %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --corpus) CORPORA=$2; shift 2 ;;
    --split) SPLIT=$2; shift 2 ;;
    -h|--help) sed -n '2,64p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
case "$CORPORA" in
  all) CORPORA="reuters long de" ;;
  reuters|long|de) ;;
  *) die "--corpus must be reuters, long, de or all, not $CORPORA" ;;
esac
case "$SPLIT" in test|test2|dev) ;; *) die "--split must be test, test2 or dev, not $SPLIT" ;; esac
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

# 1. docuvault.
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
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
mem_gib=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
ARGS_LINE="--corpus ${CORPORA// /,} --split $SPLIT"
[ "$CORPORA" = "reuters long de" ] && ARGS_LINE="--corpus all --split $SPLIT"
REPORTS=""

# bench_corpus NAME: one corpus's rows and report (appended to REPORTS).
bench_corpus() {
  local name=$1 corpus make work view rows k seed row secs t0 t1 ntest table notes settings corpus_line topics assigned extra_lines
  case "$name" in
    reuters) corpus="${BENCH_CORPUS_DIR_REUTERS:-$ROOT/.dev/classify-corpus}"; make="make-classify-corpus.sh" ;;
    long) corpus="${BENCH_CORPUS_DIR_LONG:-$ROOT/.dev/classify-corpus-long}"; make="make-classify-corpus-long.sh" ;;
    de) corpus="${BENCH_CORPUS_DIR_DE:-$ROOT/.dev/classify-corpus-de}"; make="make-classify-corpus-de.sh" ;;
  esac
  if [ "${corpus#/}" = "$corpus" ]; then corpus="$START_DIR/$corpus"; fi
  # The corpus (skipped when already built).
  DOCUVAULT_BIN="$BIN" bash "$ROOT/scripts/$make" --out "$corpus" || die "building the $name corpus failed"
  for f in train.jsonl test.jsonl test2.jsonl topics.json topics-zeroshot.json; do
    [ -s "$corpus/$f" ] || die "$corpus/$f missing after $make"
  done
  work="$corpus/bench/$RUN_ID-$SPLIT"
  mkdir -p "$work/pred"
  say "$name: run $RUN_ID ($SPLIT split), work files in ${work#"$ROOT"/}"
  view="$work/view"
  "$PY" "$ROOT/scripts/classify_baseline.py" view --corpus "$corpus" --split "$SPLIT" --out "$view" || die "$name: view failed"
  if [ "$SPLIT" = dev ]; then
    "$PY" "$ROOT/scripts/classify_baseline.py" view --corpus "$corpus" --split dev-all --out "$work/view-all" ||
      die "$name: view failed"
  fi

  # The k-per-topic samples, shared by both sides.
  "$PY" "$ROOT/scripts/classify_baseline.py" samples --corpus "$view" --out "$work" --ks 5,20,50 --seeds "$SEEDS" ||
    die "$name: sampling failed"

  rows="$work/rows.jsonl"
  : >"$rows"
  notes=""
  # run_builtin ROW SEED TOPICS-FILE TAG VIEW
  run_builtin() {
    local row=$1 seed=$2 topics=$3 tag=$4 v=$5
    "$PY" -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as dst:
    for line in src:
        r = json.loads(line)
        dst.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")' "$v/test.jsonl" "$v/input.jsonl" ||
      die "writing the classify input failed"
    say "$name: docuvault classify: $row${seed:+ (seed $seed)}"
    t0=$EPOCHREALTIME
    if ! "$BIN" classify ${EXTRA[@]+"${EXTRA[@]}"} --topics "$topics" --json - <"$v/input.jsonl" >"$work/pred/builtin-$tag.jsonl" 2>"$work/pred/builtin-$tag.stderr"; then
      tail -20 "$work/pred/builtin-$tag.stderr" >&2
      die "docuvault classify failed for $name $row ($topics)"
    fi
    t1=$EPOCHREALTIME
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    "$PY" "$ROOT/scripts/classify_score.py" docuvault --corpus "$v" --pred "$work/pred/builtin-$tag.jsonl" \
      --row "$row" ${seed:+--seed "$seed"} --seconds "$secs" >>"$rows" || die "scoring $row failed"
    tail -1 "$rows" | "$PY" -c 'import json,sys; print("  accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}, {seconds:.1f} s, top-1 assigned {top1_assigned:.2f}, assigned per document {assigned_per_doc:.2f}".format(**json.load(sys.stdin)))' >&2
  }
  # not_run ROW K: a table line for a k that no topic's pool reaches.
  not_run() {
    "$PY" -c 'import json, sys
largest = max(json.load(open(sys.argv[1]))["pool_per_label"].values())
print(f"| {sys.argv[2]} | – | – | – | not run: no topic has {sys.argv[3]} documents in the pool (largest: {largest}) |")' "$view/view.json" "$1" "$2"
  }

  run_builtin "builtin zero-shot" "" "$corpus/topics-zeroshot.json" zeroshot "$view"
  assigned=$("$PY" "$ROOT/scripts/classify_baseline.py" assigned --corpus "$view" --pred "$work/pred/builtin-zeroshot.jsonl") ||
    die "$name: assigned failed"
  extra_lines="- builtin zero-shot, documents scored above: $("$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); print("top-1 assigned (score >= threshold) for {:.1%} ({} of {}); of those, {} right".format(a["top1_assigned"], a["assigned"], a["n"], "–" if a["assigned_right"] is None else "{:.1%}".format(a["assigned_right"])))' "$assigned")"
  if [ "$SPLIT" = dev ]; then
    local nall
    nall=$(wc -l <"$work/view-all/test.jsonl")
    run_builtin "builtin zero-shot, all $nall dev documents" "" "$corpus/topics-zeroshot.json" zeroshot-all "$work/view-all"
    assigned=$("$PY" "$ROOT/scripts/classify_baseline.py" assigned --corpus "$work/view-all" --pred "$work/pred/builtin-zeroshot-all.jsonl") ||
      die "$name: assigned failed"
    extra_lines="$extra_lines
- builtin zero-shot, all $nall dev documents: $("$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); print("top-1 assigned for {:.1%} ({} of {}); of those, {} right".format(a["top1_assigned"], a["assigned"], a["n"], "–" if a["assigned_right"] is None else "{:.1%}".format(a["assigned_right"])) + "".join("; {}: {} (top {} {:.2f}{})".format(i, x["label"], x["top"], x["score"], ", assigned" if x["assigned"] else "") for i, x in sorted(a["named"].items())))' "$assigned")"
  fi
  for k in 5 20 50; do
    row=$("$PY" "$ROOT/scripts/classify_baseline.py" kname --corpus "$view" --k "$k" --prefix builtin) || die "kname failed"
    if [ -z "$row" ]; then
      notes="$notes
$(not_run "builtin k=$k" "$k")"
      continue
    fi
    for seed in ${SEEDS//,/ }; do
      run_builtin "$row" "$seed" "$work/topics-k$k-s$seed.json" "k$k-s$seed" "$view"
    done
  done
  # Every pool document filed, as paperless-ngx's "all" (one run: no sample).
  run_builtin "builtin all" "" "$work/topics-all.json" all "$view"

  # The lexical floor.
  say "$name: lexical TF-IDF baseline"
  "$PY" "$ROOT/scripts/classify_baseline.py" lexical --corpus "$view" --pred "$work/pred/lexical.jsonl" >>"$rows" ||
    die "$name: the lexical baseline failed"
  if [ "$SPLIT" = dev ]; then
    "$PY" "$ROOT/scripts/classify_baseline.py" lexical --corpus "$work/view-all" --pred "$work/pred/lexical-all.jsonl" \
      --row "lexical TF-IDF cosine (name + description), all $(wc -l <"$work/view-all/test.jsonl") dev documents" >>"$rows" ||
      die "$name: the lexical baseline failed"
  fi

  # paperless-ngx's model.
  if [ "$PAPERLESS" = 0 ]; then
    say "$name: paperless-ngx baseline skipped (BENCH_PAPERLESS=0)"
    "$PY" "$ROOT/scripts/classify_baseline.py" run --corpus "$view" --samples "$work" --ks "" --no-all \
      >"$work/baseline.json" || die "$name: the paperless-ngx baseline's settings failed"
    notes="$notes
| paperless k=5, 20, 50 and all | – | – | – | not run: BENCH_PAPERLESS=0 |"
  else
    say "$name: paperless-ngx baseline (k = 5, 20, 50 and all; seeds $SEEDS)"
    "$PY" "$ROOT/scripts/classify_baseline.py" run --corpus "$view" --samples "$work" --ks 5,20,50 --seeds "$SEEDS" \
      --pred-dir "$work/pred" >"$work/baseline.json" || die "$name: the paperless-ngx baseline failed"
    for k in 5 20 50; do
      if [ -z "$("$PY" "$ROOT/scripts/classify_baseline.py" kname --corpus "$view" --k "$k" --prefix paperless)" ]; then
        notes="$notes
$(not_run "paperless k=$k" "$k")"
      fi
    done
  fi

  # Report.
  table=$("$PY" "$ROOT/scripts/classify_score.py" table "$rows" "$work/baseline.json") || die "making the table failed"
  ntest=$(wc -l <"$view/test.jsonl")
  settings=$("$PY" -c 'import json,sys; print("scikit-learn {sklearn}, NLTK {nltk}, Python {python} (Debian); preprocessing: {preprocess} ({language}), stop words: {stopwords}".format(**json.load(open(sys.argv[1]))["settings"]))' "$work/baseline.json")
  corpus_line=$("$PY" -c 'import json,sys
m = json.load(open(sys.argv[1]))
line = "{corpus}: {train} dev (train.jsonl) and {test} test documents; source {source}; split: {split}".format(**m)
if sys.argv[2] == "test2":
    line += "; {} test2 documents: {}".format(m["test2"], m["split_test2"])
print(line)' "$corpus/topics.json" "$SPLIT")
  topics=$("$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
v = json.load(open(sys.argv[2]))
t2 = sys.argv[3] == "test2"
print("| topic (label) | description given to builtin | dev (train.jsonl) | test |" + (" test2 |" if t2 else "") + " pool / scored this run |")
print("| --- | --- | --- | --- | --- |" + (" --- |" if t2 else ""))
for x in m["labels"]:
    print("| {name} ({label}) | {description} | {train} | {test} | ".format(**x) + ("{} | ".format(x["test2"]) if t2 else "")
          + "{} / {} |".format(v["pool_per_label"][x["label"]], v["scored_per_label"][x["label"]]))' "$corpus/topics.json" "$view/view.json" "$SPLIT")
  local f1_over="macro-F1 over the corpus's topics"
  if [ "$SPLIT" = test2 ]; then
    f1_over=$("$PY" -c 'import json,sys
v = json.load(open(sys.argv[1]))
none = [l for l, n in v["scored_per_label"].items() if n == 0]
print("macro-F1 over the {} topics with test2 documents".format(len(v["scored_per_label"]) - len(none))
      + (" (none for {}, left out of the mean)".format(", ".join(none)) if none else ""))' "$view/view.json")
  fi
  local heading=""
  if [ "$CORPORA" != reuters ]; then heading="### Corpus: $name ($SPLIT split)
"; fi
  REPORTS="$REPORTS${REPORTS:+

}$heading- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC') (run \`$RUN_ID\`)
- Machine: nproc $(nproc), memory $mem_gib GiB, ${cpu:-unknown CPU}, $(uname -sr)
- Build: $BUILD
- Baseline: $settings
- Corpus: $corpus_line
- Scored ($SPLIT): $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["description"])' "$view/view.json"): $ntest documents scored
- Method: top-1 = the first topic docuvault ranks / the label MLPClassifier.predict returns / the topic with the highest TF-IDF cosine; $f1_over; k-per-topic rows are means over seeds $SEEDS (the same k documents per topic on both sides); wall time = the whole \`docuvault classify${EXTRA_STR} --topics FILE --json -\` process over all $ntest scored documents in one run (start-up, learning the examples, classifying; the scored documents reach it only as unlabelled \`{id, text}\` lines) / the baseline's preprocessing + vectorising + fit + predict (each document is preprocessed once per run and its time charged to every row that uses it) / the lexical floor's TF-IDF fit + cosines (Python start-up and imports not counted)
- Reproduce: \`bash scripts/bench-classify.sh --corpus $name --split $SPLIT\`

$table$notes

$extra_lines

Topics (names and descriptions written before any classifier was run on the corpus, not tuned afterwards):

$topics"
  printf '%s\n' "$REPORTS" >"$work/report.md"
  say "$name: done; predictions and rows in ${work#"$ROOT"/}"
}

for c in $CORPORA; do
  bench_corpus "$c"
done

printf '%s\n' "$REPORTS"
if [ -n "$OUT" ]; then printf '%s\n' "$REPORTS" >"$OUT"; say "report written to $OUT"; fi
say "done (bash scripts/bench-classify.sh $ARGS_LINE)"
