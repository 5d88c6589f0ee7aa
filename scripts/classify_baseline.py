#!/usr/bin/python3
"""paperless-ngx's auto-matching model as a baseline for issue 5's benchmark.

Run with Debian's python (/usr/bin/python3) and its packages python3-sklearn
and python3-nltk; the stop-word list comes from liblingua-stopwords-perl
(scripts/bench-classify.sh installs all three).

  classify_baseline.py samples --corpus DIR --out DIR [--ks 5,20,50] [--seeds 0,1,2]
      Draws k training documents per topic for each (k, seed) and writes
        DIR/samples.json           {"k5-s0": {"label": [id, …]}, …}
        DIR/topics-k5-s0.json      the same documents as a topics file for
                                   `docuvault classify --topics` (examples)
        DIR/topics-all.json        every training document as an example
      Document d of label L is ranked by sha256("sample:<seed>:<id>") and the
      first k are taken (all of them when L has fewer than k): deterministic,
      and the same on both sides of the benchmark.

  classify_baseline.py run --corpus DIR --samples DIR [--ks 5,20,50] [--seeds 0,1,2]
                           [--preprocess nltk|plain] [--stopwords FILE] [--pred-dir DIR]
      Trains and tests the model on every sample set of samples.json whose k
      is in --ks, and on all training documents ("all", once per seed), and
      prints JSON: {"rows": [{"row","seed","accuracy","macro_f1","seconds",…}],
      "settings": {…}}. Progress goes to stderr.

  classify_baseline.py view --corpus DIR --split dev|test|test2|dev-all --out DIR
      Writes the directory the other commands and classify_score.py read as
      --corpus (topics.json, train.jsonl = the pool learners draw from,
      test.jsonl = the documents scored) plus view.json (counts):
        test     the corpus's train.jsonl and test.jsonl as they are;
        test2    the corpus's train.jsonl as the pool and its test2.jsonl
                 (issue 19's second, fresh held-out split) as the scored
                 documents, exactly as test does with test.jsonl;
        dev      only the corpus's train.jsonl (the dev split): per topic, its
                 documents ranked by sha256("dev-eval:<id>"), the first
                 ceil(30 %) (at most 100) are scored, the rest are the pool;
        dev-all  every dev document is scored (for rows that learn nothing
                 from labels: zero-shot and lexical); the pool is the same.

  classify_baseline.py lexical --corpus DIR [--pred FILE] [--row NAME]
      The plain lexical floor: TF-IDF (scikit-learn TfidfVectorizer,
      sublinear tf, Snowball stop words of the corpus's language) fitted on
      the pool's texts and the topics' "name + description" texts; each
      scored document goes to the topic whose text has the highest cosine.
      Top-1 only. Prints one row (JSON) as `run` does.

  classify_baseline.py kname --corpus DIR --k K --prefix NAME
      The row name for k per topic from the pool's counts: "NAME k=K",
      with "(pool short: …)" when some topic has fewer than K documents in
      the pool; prints nothing (exit 0) when no topic has K, i.e. the row
      would be the "all" row under another name.

  classify_baseline.py assigned --corpus DIR --pred FILE
      For `docuvault classify --json` predictions: the share of documents
      whose top-1 topic is assigned (score at or over the threshold) and how
      many of those are right; with the corpus's dev_named documents, each
      one's top topic and score. Prints JSON.

The model is the one paperless-ngx trains for a MATCH_AUTO document type
(src/documents/classifier.py): one label per document, features
CountVectorizer(analyzer="word", ngram_range=(1, 2), min_df=0.01) fitted on
the training documents, MLPClassifier(tol=0.01) (everything else at
scikit-learn's defaults), prediction = MLPClassifier.predict. Differences,
all deliberate: random_state is fixed (= the seed) so runs repeat, and no
document lacks a label (paperless trains a -1 "none" class for those).

Text preprocessing, as paperless's DocumentClassifier.preprocess_content:
lower-case and strip; runs of whitespace -> one space; every character that
is not a word character or whitespace (regex [^\\w\\s]) -> a space. Then, with
--preprocess nltk (the default, as paperless with PAPERLESS_ENABLE_NLTK on):
NLTK's word_tokenize (English), drop stop words, NLTK's SnowballStemmer
("english") on each remaining word, join with spaces. What differs here,
because nothing may be downloaded: NLTK's data packages are not in Debian,
so (1) word_tokenize runs with preserve_line=True, which skips the Punkt
sentence splitter (the text has no punctuation left to split sentences on,
so the tokens are the same), and (2) the stop-word list is the Snowball
project's English list (174 words) from Debian's liblingua-stopwords-perl
(or --stopwords FILE, one word a line) instead of NLTK's english list, which
was derived from it (NLTK's adds contraction fragments such as "don", "t",
"ll", plus "can", "will", "just", "now"; Snowball's has "could", "would",
"ought", "cannot" that NLTK's lacks). --preprocess plain stops after the
regex cleanup (paperless with NLTK disabled). A corpus whose topics.json
says "language": "de" is stemmed with SnowballStemmer("german") and the
Snowball German stop list, as paperless does for German (its NLTK language
follows the OCR language).
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classify_score import metrics  # noqa: E402


def log(msg):
    print(f"[classify-baseline {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def read_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(l) for l in fh if l.strip()]


def load(corpus):
    meta = json.load(open(os.path.join(corpus, "topics.json"), encoding="utf-8"))
    train = read_jsonl(os.path.join(corpus, "train.jsonl"))
    test = read_jsonl(os.path.join(corpus, "test.jsonl"))
    return meta, train, test


def parse_ints(s):
    return [int(x) for x in s.split(",") if x.strip()]


def sample(train, labels, k, seed):
    """k documents per label, ranked by sha256("sample:<seed>:<id>")."""
    out = {}
    for lab in labels:
        ids = [r["id"] for r in train if r["label"] == lab]
        ids.sort(key=lambda i: (hashlib.sha256(f"sample:{seed}:{i}".encode()).hexdigest(), i))
        out[lab] = ids[:k]
    return out


def cmd_samples(a):
    meta, train, _ = load(a.corpus)
    labels = [x["label"] for x in meta["labels"]]
    text = {r["id"]: r["text"] for r in train}
    os.makedirs(a.out, exist_ok=True)
    samples = {}
    for k in parse_ints(a.ks):
        for seed in parse_ints(a.seeds):
            key = f"k{k}-s{seed}"
            s = sample(train, labels, k, seed)
            samples[key] = s
            topics = [{"name": x["name"], "description": x["description"],
                       "examples": [text[i] for i in s[x["label"]]]} for x in meta["labels"]]
            with open(os.path.join(a.out, f"topics-{key}.json"), "w", encoding="utf-8") as fh:
                # ASCII with escapes: a raw DEL (in 5 Reuters stories) is valid
                # JSON but not YAML, and builds before 2026-12-04 read a
                # topics file as YAML only (DOCUVAULT_BIN may be one).
                json.dump(topics, fh, ensure_ascii=True, indent=1)
                fh.write("\n")
            short = {lab: len(v) for lab, v in s.items() if len(v) < k}
            if short:
                log(f"{key}: fewer than {k} training documents for {short}")
    every = [{"name": x["name"], "description": x["description"],
              "examples": [r["text"] for r in train if r["label"] == x["label"]]} for x in meta["labels"]]
    with open(os.path.join(a.out, "topics-all.json"), "w", encoding="utf-8") as fh:
        json.dump(every, fh, ensure_ascii=True, indent=1)
        fh.write("\n")
    with open(os.path.join(a.out, "samples.json"), "w", encoding="utf-8") as fh:
        json.dump(samples, fh, indent=1)
        fh.write("\n")
    log(f"wrote {len(samples)} sample sets to {a.out}")


LANGS = {"en": "english", "de": "german"}


def corpus_language(meta):
    lang = meta.get("language", "en")
    if lang not in LANGS:
        raise SystemExit(f"topics.json: language {lang!r} is not one of {sorted(LANGS)}")
    return lang


def snowball_stopwords(lang="en"):
    """The Snowball stop list of lang, from Debian's liblingua-stopwords-perl."""
    try:
        out = subprocess.run(
            ["perl", "-CO", "-MLingua::StopWords=getStopWords", "-e",
             'print join("\\n", sort keys %{getStopWords($ARGV[0], "UTF-8")}), "\\n"', lang],
            check=True, capture_output=True, text=True, encoding="utf-8").stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit("no stop-word list: install liblingua-stopwords-perl, or pass --stopwords FILE "
                         f"or --preprocess plain ({e})")
    words = [w.strip() for w in out.splitlines() if w.strip()]
    if len(words) < 100:
        raise SystemExit(f"the Snowball stop list has only {len(words)} words")
    return words


class Preprocessor:
    """paperless-ngx's DocumentClassifier.preprocess_content (see the module doc)."""

    def __init__(self, mode, stopwords, language="english"):
        self.mode = mode
        self.language = language
        if mode == "nltk":
            from nltk.stem import SnowballStemmer
            from nltk.tokenize import word_tokenize
            self.stemmer = SnowballStemmer(language)
            self.tokenize = word_tokenize
            self.stops = set(stopwords)

    def __call__(self, content):
        content = content.lower().strip()
        content = re.sub(r"\s+", " ", content)
        content = re.sub(r"[^\w\s]", " ", content)
        if self.mode != "nltk":
            return content
        words = self.tokenize(content, language=self.language, preserve_line=True)
        return " ".join(self.stemmer.stem(w) for w in words if w not in self.stops)


class CachedPrep:
    """Preprocesses each document once per run (by id) and remembers what
    that cost, so that every row that uses the document is charged the same
    time, as if it had preprocessed it itself."""

    def __init__(self, prep):
        self.prep = prep
        self.text = {}
        self.cost = {}

    def __call__(self, r):
        k = r["id"]
        if k not in self.text:
            t = time.perf_counter()
            self.text[k] = self.prep(r["text"])
            self.cost[k] = time.perf_counter() - t
        return self.text[k]


def train_and_test(prep, train_docs, test_docs, labels, seed):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.neural_network import MLPClassifier

    train_txt = [prep(r) for r in train_docs]
    test_txt = [prep(r) for r in test_docs]
    cost_train = sum(prep.cost[r["id"]] for r in train_docs)
    cost_test = sum(prep.cost[r["id"]] for r in test_docs)
    t0 = time.perf_counter()
    vec = CountVectorizer(analyzer="word", ngram_range=(1, 2), min_df=0.01)
    x_train = vec.fit_transform(train_txt)
    clf = MLPClassifier(tol=0.01, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on tiny training sets
        clf.fit(x_train, [r["label"] for r in train_docs])
    t_fit = time.perf_counter() - t0 + cost_train
    x_test = vec.transform(test_txt)
    pred = list(clf.predict(x_test))
    seconds = time.perf_counter() - t0 + cost_train + cost_test
    m = metrics([r["label"] for r in test_docs], pred, labels)
    m.update(seconds=round(seconds, 3), fit_seconds=round(t_fit, 3),
             n_train=len(train_docs), n_features=len(vec.vocabulary_), iterations=clf.n_iter_)
    return m, pred


def cmd_run(a):
    meta, train, test = load(a.corpus)
    lang = corpus_language(meta)
    labels = [x["label"] for x in meta["labels"]]
    by_id = {r["id"]: r for r in train}
    samples = json.load(open(os.path.join(a.samples, "samples.json"), encoding="utf-8"))
    stops = []
    if a.preprocess == "nltk":
        if a.stopwords:
            stops = [w.strip() for w in open(a.stopwords, encoding="utf-8") if w.strip()]
        else:
            stops = snowball_stopwords(lang)
    prep = CachedPrep(Preprocessor(a.preprocess, stops, LANGS[lang]))
    import sklearn
    import nltk
    configs = []
    for k in parse_ints(a.ks):
        row = k_row_name("paperless", k, meta, train)
        if row is None:
            log(f"k={k}: no topic has {k} documents in the pool; not run")
            continue
        for seed in parse_ints(a.seeds):
            key = f"k{k}-s{seed}"
            if key not in samples:
                raise SystemExit(f"{a.samples}/samples.json has no sample set {key}: run `samples` with these --ks/--seeds")
            ids = [i for lab in labels for i in samples[key][lab]]
            configs.append((row, seed, key, [by_id[i] for i in ids]))
    if not a.no_all:
        for seed in parse_ints(a.seeds):
            configs.append(("paperless all", seed, f"all-s{seed}", train))
    rows = []
    if a.pred_dir:
        os.makedirs(a.pred_dir, exist_ok=True)
    for row, seed, key, docs in configs:
        m, pred = train_and_test(prep, docs, test, labels, seed)
        r = {"row": row, "seed": seed, "sample": key}
        r.update(m)
        rows.append(r)
        log(f"{key}: {len(docs)} training documents, {r['n_features']} features, "
            f"accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}, {r['seconds']:.1f} s")
        if a.pred_dir:
            with open(os.path.join(a.pred_dir, f"paperless-{key}.jsonl"), "w", encoding="utf-8") as fh:
                for t, p in zip(test, pred):
                    fh.write(json.dumps({"id": t["id"], "label": t["label"], "pred": p}) + "\n")
    settings = {
        "model": "CountVectorizer(analyzer='word', ngram_range=(1,2), min_df=0.01) + MLPClassifier(tol=0.01, random_state=seed)",
        "preprocess": a.preprocess,
        "language": LANGS[lang],
        "stopwords": (f"{len(stops)} words ({a.stopwords or 'Snowball ' + LANGS[lang] + ', liblingua-stopwords-perl'})"
                      if a.preprocess == "nltk" else "none"),
        "sklearn": sklearn.__version__, "nltk": nltk.__version__,
        "python": sys.version.split()[0],
        "train": len(train), "test": len(test),
    }
    json.dump({"settings": settings, "rows": rows}, sys.stdout, indent=1)
    sys.stdout.write("\n")


def write_jsonl(path, recs):
    with open(path, "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


DEV_EVAL_PERCENT = 30
DEV_EVAL_CAP = 100


def cmd_view(a):
    """The pool / scored documents a run uses (see the module doc)."""
    meta = json.load(open(os.path.join(a.corpus, "topics.json"), encoding="utf-8"))
    labels = [x["label"] for x in meta["labels"]]
    train = read_jsonl(os.path.join(a.corpus, "train.jsonl"))
    os.makedirs(a.out, exist_ok=True)
    if a.split == "test":
        pool, scored = train, read_jsonl(os.path.join(a.corpus, "test.jsonl"))
        desc = "scored: the corpus's test split (test.jsonl); pool: its dev split (train.jsonl)"
    elif a.split == "test2":
        pool, scored = train, read_jsonl(os.path.join(a.corpus, "test2.jsonl"))
        desc = "scored: the corpus's second held-out split (test2.jsonl, issue 19); pool: its dev split (train.jsonl)"
    elif a.split == "dev-all":
        pool, scored = train, train
        desc = "scored: every document of the dev split (train.jsonl); pool: the same documents"
    else:
        held = set()
        for lab in labels:
            ids = sorted((r["id"] for r in train if r["label"] == lab),
                         key=lambda i: (hashlib.sha256(f"dev-eval:{i}".encode()).hexdigest(), i))
            n = min(DEV_EVAL_CAP, -(-len(ids) * DEV_EVAL_PERCENT // 100))
            held.update(ids[:n])
        pool = [r for r in train if r["id"] not in held]
        scored = [r for r in train if r["id"] in held]
        desc = (f"dev split only (train.jsonl): per topic, its documents ranked by sha256('dev-eval:'+id), "
                f"the first ceil({DEV_EVAL_PERCENT} %) (at most {DEV_EVAL_CAP}) are scored, the rest are the pool")
    with open(os.path.join(a.out, "topics.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    write_jsonl(os.path.join(a.out, "train.jsonl"), pool)
    write_jsonl(os.path.join(a.out, "test.jsonl"), scored)
    count = lambda rs: {lab: sum(1 for r in rs if r["label"] == lab) for lab in labels}
    view = {"split": a.split, "description": desc, "pool": len(pool), "scored": len(scored),
            "pool_per_label": count(pool), "scored_per_label": count(scored)}
    with open(os.path.join(a.out, "view.json"), "w", encoding="utf-8") as fh:
        json.dump(view, fh, indent=1)
        fh.write("\n")
    log(f"{a.split}: {len(scored)} documents scored, pool of {len(pool)}")


def k_row_name(prefix, k, meta, pool):
    """The row's name, or None when no topic has k documents in the pool."""
    counts = {x["label"]: 0 for x in meta["labels"]}
    for r in pool:
        counts[r["label"]] += 1
    short = {lab: n for lab, n in counts.items() if n < k}
    if len(short) == len(counts):
        return None  # every topic has fewer than k: the "all" row under another name
    name = f"{prefix} k={k}"
    if short:
        name += (f" (pool short: {len(short)} of {len(counts)} topics have fewer than {k}, "
                 f"min {min(short.values())}; they use all they have)")
    return name


def cmd_kname(a):
    meta, train, _ = load(a.corpus)
    name = k_row_name(a.prefix, a.k, meta, train)
    if name:
        print(name)


def cmd_lexical(a):
    from sklearn.feature_extraction.text import TfidfVectorizer

    meta, pool, scored = load(a.corpus)
    lang = corpus_language(meta)
    labels = [x["label"] for x in meta["labels"]]
    topic_texts = [f"{x['name']}. {x['description']}" for x in meta["labels"]]
    t0 = time.perf_counter()
    vec = TfidfVectorizer(sublinear_tf=True, stop_words=snowball_stopwords(lang))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stop words that the tokeniser would split
        vec.fit([r["text"] for r in pool] + topic_texts)
    x_topics = vec.transform(topic_texts)
    x_docs = vec.transform(r["text"] for r in scored)
    sims = (x_docs @ x_topics.T).toarray()  # rows are L2-normalised: dot = cosine
    pred = [labels[int(row.argmax())] if row.max() > 0 else None for row in sims]
    seconds = time.perf_counter() - t0
    m = metrics([r["label"] for r in scored], pred, labels)
    row = {"row": a.row, "seed": None}
    row.update(m)
    row.update(seconds=round(seconds, 3), no_topic=sum(1 for p in pred if p is None),
               n_features=len(vec.vocabulary_), n_fit=len(pool) + len(topic_texts))
    if a.pred:
        with open(a.pred, "w", encoding="utf-8") as fh:
            for r, p, s in zip(scored, pred, sims):
                fh.write(json.dumps({"id": r["id"], "label": r["label"], "pred": p,
                                     "score": round(float(s.max()), 4)}) + "\n")
    print(json.dumps(row))


def cmd_assigned(a):
    meta, _, scored = load(a.corpus)
    name_to_label = {x["label"]: x["label"] for x in meta["labels"]}
    name_to_label.update({x["name"]: x["label"] for x in meta["labels"]})
    gold = {r["id"]: r["label"] for r in scored}
    n = assigned = right = 0
    named = {}
    for rec in read_jsonl(a.pred):
        n += 1
        top = rec["topics"][0] if rec["topics"] else None
        ok = top is not None and name_to_label.get(top["name"]) == gold[rec["id"]]
        if top is not None and top.get("assigned"):
            assigned += 1
            right += ok
        if rec["id"] in meta.get("dev_named", []):
            named[rec["id"]] = {"label": gold[rec["id"]],
                                "top": name_to_label.get(top["name"]) if top else None,
                                "score": top["score"] if top else None,
                                "assigned": bool(top and top.get("assigned"))}
    print(json.dumps({"n": n, "top1_assigned": round(assigned / n, 4) if n else 0,
                      "assigned_right": round(right / assigned, 4) if assigned else None,
                      "assigned": assigned, "named": named}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("samples")
    s.add_argument("--corpus", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--ks", default="5,20,50")
    s.add_argument("--seeds", default="0,1,2")
    r = sub.add_parser("run")
    r.add_argument("--corpus", required=True)
    r.add_argument("--samples", required=True)
    r.add_argument("--ks", default="5,20,50")
    r.add_argument("--seeds", default="0,1,2")
    r.add_argument("--preprocess", choices=["nltk", "plain"], default="nltk")
    r.add_argument("--stopwords")
    r.add_argument("--pred-dir")
    r.add_argument("--no-all", action="store_true", help="skip the run on all training documents")
    v = sub.add_parser("view")
    v.add_argument("--corpus", required=True)
    v.add_argument("--split", choices=["dev", "test", "test2", "dev-all"], required=True)
    v.add_argument("--out", required=True)
    kn = sub.add_parser("kname")
    kn.add_argument("--corpus", required=True)
    kn.add_argument("--k", type=int, required=True)
    kn.add_argument("--prefix", required=True)
    lx = sub.add_parser("lexical")
    lx.add_argument("--corpus", required=True)
    lx.add_argument("--pred")
    lx.add_argument("--row", default="lexical TF-IDF cosine (name + description)")
    asg = sub.add_parser("assigned")
    asg.add_argument("--corpus", required=True)
    asg.add_argument("--pred", required=True)
    a = p.parse_args()
    {"samples": cmd_samples, "run": cmd_run, "view": cmd_view, "kname": cmd_kname,
     "lexical": cmd_lexical, "assigned": cmd_assigned}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
