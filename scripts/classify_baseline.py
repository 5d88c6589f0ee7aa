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
      Document d of label L is ranked by sha256("sample:<seed>:<id>") and the
      first k are taken (all of them when L has fewer than k): deterministic,
      and the same on both sides of the benchmark.

  classify_baseline.py run --corpus DIR --samples DIR [--ks 5,20,50] [--seeds 0,1,2]
                           [--preprocess nltk|plain] [--stopwords FILE] [--pred-dir DIR]
      Trains and tests the model on every sample set of samples.json whose k
      is in --ks, and on all training documents ("all", once per seed), and
      prints JSON: {"rows": [{"row","seed","accuracy","macro_f1","seconds",…}],
      "settings": {…}}. Progress goes to stderr.

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
regex cleanup (paperless with NLTK disabled).
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
                json.dump(topics, fh, ensure_ascii=False, indent=1)
                fh.write("\n")
            short = {lab: len(v) for lab, v in s.items() if len(v) < k}
            if short:
                log(f"{key}: fewer than {k} training documents for {short}")
    with open(os.path.join(a.out, "samples.json"), "w", encoding="utf-8") as fh:
        json.dump(samples, fh, indent=1)
        fh.write("\n")
    log(f"wrote {len(samples)} sample sets to {a.out}")


def snowball_stopwords():
    """The Snowball English stop list, from Debian's liblingua-stopwords-perl."""
    try:
        out = subprocess.run(
            ["perl", "-MLingua::StopWords=getStopWords", "-e",
             'print join("\\n", sort keys %{getStopWords("en", "UTF-8")}), "\\n"'],
            check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit("no stop-word list: install liblingua-stopwords-perl, or pass --stopwords FILE "
                         f"or --preprocess plain ({e})")
    words = [w.strip() for w in out.splitlines() if w.strip()]
    if len(words) < 100:
        raise SystemExit(f"the Snowball stop list has only {len(words)} words")
    return words


class Preprocessor:
    """paperless-ngx's DocumentClassifier.preprocess_content (see the module doc)."""

    def __init__(self, mode, stopwords):
        self.mode = mode
        if mode == "nltk":
            from nltk.stem import SnowballStemmer
            from nltk.tokenize import word_tokenize
            self.stemmer = SnowballStemmer("english")
            self.tokenize = word_tokenize
            self.stops = set(stopwords)

    def __call__(self, content):
        content = content.lower().strip()
        content = re.sub(r"\s+", " ", content)
        content = re.sub(r"[^\w\s]", " ", content)
        if self.mode != "nltk":
            return content
        words = self.tokenize(content, language="english", preserve_line=True)
        return " ".join(self.stemmer.stem(w) for w in words if w not in self.stops)


def train_and_test(prep, train_docs, test_docs, labels, seed):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.neural_network import MLPClassifier

    t0 = time.perf_counter()
    vec = CountVectorizer(analyzer="word", ngram_range=(1, 2), min_df=0.01)
    x_train = vec.fit_transform(prep(r["text"]) for r in train_docs)
    clf = MLPClassifier(tol=0.01, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on tiny training sets
        clf.fit(x_train, [r["label"] for r in train_docs])
    t_fit = time.perf_counter() - t0
    x_test = vec.transform(prep(r["text"]) for r in test_docs)
    pred = list(clf.predict(x_test))
    seconds = time.perf_counter() - t0
    m = metrics([r["label"] for r in test_docs], pred, labels)
    m.update(seconds=round(seconds, 3), fit_seconds=round(t_fit, 3),
             n_train=len(train_docs), n_features=len(vec.vocabulary_), iterations=clf.n_iter_)
    return m, pred


def cmd_run(a):
    meta, train, test = load(a.corpus)
    labels = [x["label"] for x in meta["labels"]]
    by_id = {r["id"]: r for r in train}
    samples = json.load(open(os.path.join(a.samples, "samples.json"), encoding="utf-8"))
    stops = []
    if a.preprocess == "nltk":
        if a.stopwords:
            stops = [w.strip() for w in open(a.stopwords, encoding="utf-8") if w.strip()]
        else:
            stops = snowball_stopwords()
    prep = Preprocessor(a.preprocess, stops)
    import sklearn
    import nltk
    configs = []
    for k in parse_ints(a.ks):
        for seed in parse_ints(a.seeds):
            key = f"k{k}-s{seed}"
            if key not in samples:
                raise SystemExit(f"{a.samples}/samples.json has no sample set {key}: run `samples` with these --ks/--seeds")
            ids = [i for lab in labels for i in samples[key][lab]]
            configs.append((f"paperless k={k}", seed, key, [by_id[i] for i in ids]))
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
        "stopwords": (f"{len(stops)} words ({a.stopwords or 'Snowball English, liblingua-stopwords-perl'})"
                      if a.preprocess == "nltk" else "none"),
        "sklearn": sklearn.__version__, "nltk": nltk.__version__,
        "python": sys.version.split()[0],
        "train": len(train), "test": len(test),
    }
    json.dump({"settings": settings, "rows": rows}, sys.stdout, indent=1)
    sys.stdout.write("\n")


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
    a = p.parse_args()
    {"samples": cmd_samples, "run": cmd_run}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
