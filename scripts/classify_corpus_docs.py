#!/usr/bin/python3
"""Builds a classification corpus from documents whose text DocuVault extracted.

Helper of scripts/make-classify-corpus-long.sh and make-classify-corpus-de.sh
(standard library only). Writes, in the format of scripts/make-classify-corpus.sh:

  train.jsonl           {"id","label","text"} one a line: the dev pool
  test.jsonl            the held-out test split
  test2.jsonl           a second, fresh held-out split (issue 19): see "test2" below
  topics.json           {"corpus","language","source","split","labels":[{"label","name","description","provenance","train","test"}],…}
  topics-zeroshot.json  [{"name","description"}] for `docuvault classify --topics`
  docs.tsv              one line per candidate: id, label, split or why dropped, words, source path(s), sha256 of the file read

  classify_corpus_docs.py build --docs DOCS.tsv --extracted EXTRACT.jsonl --topics TOPICS.json
        --out DIR --corpus NAME --language en|de --hash-prefix PREFIX
        [--split half|percent:P[:CAP]] [--dev-ids ID,…] [--min-words N] [--max-per-label N]
        [--strip libreoffice-help] [--source TEXT]
        [--test2-cap N] [--docs-test2 DOCS2.tsv] [--min-test2 N]

DOCS.tsv: one candidate a line, tab-separated: id, label, package, staged file
(the file handed to `docuvault extract`), source path(s) (space-separated).
EXTRACT.jsonl: the lines `docuvault extract --json` printed for the staged
files. TOPICS.json: [{"label","name","description","provenance"}] written
before any classifier was run.

Selection, in DOCS.tsv order: a candidate is dropped when extraction failed,
when its text has fewer than --min-words words, when its whitespace-normalised
text equals an earlier kept one's, or when its label already has
--max-per-label documents.

Split, decided once from the id alone (no RNG): h(id) =
int(sha256(PREFIX + id)[:8], 16).
  half          per label, the documents not named in --dev-ids sorted by
                (h, id); the first floor(n/2) of the label's n documents go to
                test, the rest (and every --dev-ids document) to dev.
  percent:P:CAP test when h % 100 < P; then at most CAP per label stay in
                test (smallest h), the rest of the test candidates are unused.

test2 (added after test.jsonl had been scored twice; train.jsonl and
test.jsonl come out the same bytes with or without it):
  --test2-cap N     (percent split) per label, the test candidates over CAP,
                    in the same (h, id) order: the next at most N go to
                    test2.jsonl, the rest stay unused.
  --docs-test2 F    new candidates, in the format of DOCS.tsv, selected after
                    (and independently of) DOCS.tsv: dropped when extraction
                    failed, when under --min-words, or when their text equals
                    an earlier candidate's; every kept one goes to test2.jsonl
                    (no per-label cap). Their ids and source paths must not be
                    DOCS.tsv's.
  The build fails when a test2 document shares an id or a text
  (whitespace-normalised, lower-case) with train.jsonl or test.jsonl, or a
  staged file's sha256 with a DOCS.tsv candidate, or when a label has fewer
  than --min-test2 test2 documents.
"""
import argparse
import hashlib
import json
import os
import re
import sys
from collections import Counter, defaultdict


def h(prefix, docid):
    return int(hashlib.sha256((prefix + docid).encode()).hexdigest()[:8], 16)


def sha256_file(path):
    d = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            d.update(chunk)
    return d.hexdigest()


LO_HEAD = re.compile(r"\A.*?\nIndex[^\n]*\n", re.S)
LO_DEBUG = re.compile(r"\n?Help content debug info:.*\Z", re.S)
LO_MISSING = re.compile(r"\[text/[^\]\s]*\.xhp[^\]\s]* not found\]")  # an embed the help lacks: names a module


def strip_libreoffice_help(text):
    """Drops the help viewer's navigation header, its debug footer and its
    notes on missing embedded sections.

    The footer and the notes name a page's file (/text/scalc/01/…xhp): the
    module, i.e. the label. The header ("Hilfe für LibreOffice 7.4 / Module / Inhalte /
    Index") is the same on every page.
    """
    text = LO_DEBUG.sub("", text)
    text = LO_MISSING.sub("", text)
    m = LO_HEAD.match(text)
    if m and len(m.group(0)) < 300 and "Hilfe für LibreOffice" in m.group(0):
        title = text.split("\n", 1)[0]
        text = title + "\n" + text[m.end():]
    return text.strip()


def check_test2(train, test, test2):
    """Exits when test2 shares an id or a text (whitespace-normalised,
    lower-case) with train or test, or repeats one of its own."""
    norm = lambda t: " ".join(t.split()).lower()
    for other_name, other in (("train", train), ("test", test)):
        ids, texts = {r["id"] for r in other}, {norm(r["text"]) for r in other}
        clash = [r["id"] for r in test2 if r["id"] in ids or norm(r["text"]) in texts]
        if clash:
            sys.exit(f"test2 overlaps {other_name} (same id or text): {clash[:5]}")
    if len({r["id"] for r in test2}) != len(test2) or len({norm(r["text"]) for r in test2}) != len(test2):
        sys.exit("test2 has a repeated id or text")


def cmd_test2_summary(a):
    """MANIFEST's test2 lines: the count per label of topics.json, and the
    labels that have none."""
    with open(a.topics, encoding="utf-8") as fh:
        m = json.load(fh)
    print(f"test2 per {a.word}: " + ", ".join("{} {}".format(x["label"], x["test2"]) for x in m["labels"]))
    none = [x["label"] for x in m["labels"] if not x["test2"]]
    if none:
        print("test2: no documents for " + ", ".join(none) + " (no test candidates left after test's 100)")


def write_jsonl(path, recs):
    with open(path, "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def cmd_build(a):
    topics = json.load(open(a.topics, encoding="utf-8"))
    labels = [t["label"] for t in topics]
    extracted = {}
    with open(a.extracted, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                extracted[r["path"]] = r
    dev_ids = {x for x in a.dev_ids.split(",") if x}

    def read_docs(path):
        out = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n")
                if not line:
                    continue
                docid, label, pkg, staged, sources = line.split("\t")
                if label not in labels:
                    sys.exit(f"{path}: {docid}: label {label!r} is not in {a.topics}")
                out.append((docid, label, pkg, staged, sources))
        if len({c[0] for c in out}) != len(out):
            sys.exit(f"{path}: ids are not unique")
        return out

    cands = read_docs(a.docs)
    seen = {}

    def select(cands, max_per_label, status):
        kept, log = [], []
        per = Counter()
        for docid, label, pkg, staged, sources in cands:
            r = extracted.get(staged)
            info = {"id": docid, "label": label, "package": pkg, "staged": staged, "sources": sources,
                    "sha256": sha256_file(staged) if os.path.exists(staged) else "-"}
            if r is None or r.get("error"):
                info["status"] = "dropped: extract failed: " + (r.get("error") if r else "no output")
                log.append(info)
                continue
            text = r["text"].replace("\f", "\n")
            if a.strip == "libreoffice-help":
                text = strip_libreoffice_help(text)
            text = re.sub(r"[ \t]+\n", "\n", text).strip()
            words = len(text.split())
            info.update(words=words, method=r.get("method", ""), content_type=r.get("content_type", ""),
                        truncated=bool(r.get("truncated")))
            key = " ".join(text.split()).lower()
            if words < a.min_words:
                info["status"] = f"dropped: {words} words < {a.min_words}"
            elif key in seen:
                info["status"] = f"dropped: same text as {seen[key]}"
            elif max_per_label and per[label] >= max_per_label:
                info["status"] = f"dropped: {label} already has {max_per_label}"
            else:
                seen[key] = docid
                per[label] += 1
                info["status"] = status
                kept.append({"id": docid, "label": label, "text": text, "_info": info})
            log.append(info)
        return kept, log

    kept, log = select(cands, a.max_per_label, "kept")
    missing_dev = dev_ids - {r["id"] for r in kept}
    if missing_dev:
        sys.exit(f"--dev-ids not kept: {sorted(missing_dev)}")

    test_ids, unused, test2_ids = set(), set(), set()
    by_label = defaultdict(list)
    for r in kept:
        by_label[r["label"]].append(r["id"])
    if a.split == "half":
        split_desc = (f"per topic, the documents sorted by int(sha256('{a.hash_prefix}'+id)[:8],16) "
                      f"(the {len(dev_ids)} named documents excepted, always dev): the first floor(n/2) "
                      "of a topic's n documents are test, the rest dev (train.jsonl)")
        for lab, ids in by_label.items():
            order = sorted((i for i in ids if i not in dev_ids), key=lambda i: (h(a.hash_prefix, i), i))
            test_ids.update(order[:len(ids) // 2])
    elif a.split.startswith("percent:"):
        parts = a.split.split(":")
        pct = int(parts[1])
        cap = int(parts[2]) if len(parts) > 2 else 0
        split_desc = (f"test if int(sha256('{a.hash_prefix}'+id)[:8],16) % 100 < {pct}"
                      + (f"; test capped at {cap} per topic (smallest hash), the other test candidates unused" if cap else "")
                      + "; the rest is dev (train.jsonl)")
        for lab, ids in by_label.items():
            cand = sorted((i for i in ids if i not in dev_ids and h(a.hash_prefix, i) % 100 < pct),
                          key=lambda i: (h(a.hash_prefix, i), i))
            test_ids.update(cand[:cap] if cap else cand)
            if cap:
                test2_ids.update(cand[cap:cap + a.test2_cap])
                unused.update(cand[cap + a.test2_cap:])
    else:
        sys.exit(f"unknown --split {a.split}")
    if a.test2_cap and (not a.split.startswith("percent:") or len(a.split.split(":")) < 3):
        sys.exit("--test2-cap needs --split percent:P:CAP")
    split2_desc = ""
    if a.test2_cap:
        split2_desc = (f"test2 (issue 19, added after test had been scored twice): per topic, the test candidates "
                       f"over the cap, in the same hash order: the next at most {a.test2_cap} (ranks {cap + 1}-"
                       f"{cap + a.test2_cap}); topics with no more candidates have none")

    # New test2 candidates (--docs-test2), selected after the rest so that they change nothing in it.
    kept2, log2 = [], []
    if a.docs_test2:
        cands2 = read_docs(a.docs_test2)
        clash = sorted({c[0] for c in cands} & {c[0] for c in cands2})
        if clash:
            sys.exit(f"{a.docs_test2}: ids also in {a.docs}: {clash}")
        srcs = {s for c in cands for s in c[4].split()}
        clash = sorted({s for c in cands2 for s in c[4].split()} & srcs)
        if clash:
            sys.exit(f"{a.docs_test2}: source files also in {a.docs}: {clash}")
        kept2, log2 = select(cands2, 0, "test2")
        shas = {x["sha256"] for x in log if x["sha256"] != "-"}
        clash = sorted(x["id"] for x in log2 if x["sha256"] in shas)
        if clash:
            sys.exit(f"{a.docs_test2}: staged files with the same bytes as a {a.docs} candidate: {clash}")
        test2_ids.update(r["id"] for r in kept2)
        split2_desc = (split2_desc + "; " if split2_desc else "") + (
            "test2 (issue 19, added after test had been scored twice): new documents, none of them a "
            f"candidate of the dev or test splits, every one kept (at least {a.min_words} words, a text no "
            "other document has) is test2")

    train, test, test2 = [], [], []
    for r in kept + kept2:
        info = r.pop("_info")
        if r["id"] in test2_ids:
            test2.append(r)
            info["status"] = "test2"
        elif r["id"] in test_ids:
            test.append(r)
            info["status"] = "test"
        elif r["id"] in unused:
            info["status"] = "unused (test candidate over the cap)"
        else:
            train.append(r)
            info["status"] = "dev"
    log = log + log2
    check_test2(train, test, test2)
    os.makedirs(a.out, exist_ok=True)
    write_jsonl(os.path.join(a.out, "train.jsonl"), train)
    write_jsonl(os.path.join(a.out, "test.jsonl"), test)
    write_jsonl(os.path.join(a.out, "test2.jsonl"), test2)
    ctr, cte, ct2 = (Counter(r["label"] for r in rs) for rs in (train, test, test2))
    meta = {
        "corpus": a.corpus,
        "language": a.language,
        "source": a.source,
        "split": split_desc,
        "split_test2": split2_desc,
        "min_words": a.min_words,
        "dev_named": sorted(dev_ids),
        "labels": [{"label": t["label"], "name": t["name"], "description": t["description"],
                    "provenance": t.get("provenance", ""), "train": ctr[t["label"]], "test": cte[t["label"]],
                    "test2": ct2[t["label"]]}
                   for t in topics],
        "train": len(train), "test": len(test), "test2": len(test2), "test_unused": len(unused),
        "dropped": sum(1 for x in log if x["status"].startswith("dropped")),
    }
    with open(os.path.join(a.out, "topics.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    with open(os.path.join(a.out, "topics-zeroshot.json"), "w", encoding="utf-8") as fh:
        json.dump([{"name": t["name"], "description": t["description"]} for t in topics], fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    with open(os.path.join(a.out, "docs.tsv"), "w", encoding="utf-8") as fh:
        fh.write("id\tlabel\tstatus\twords\tmethod\ttruncated\tpackage\tsha256\tsources\n")
        for x in log:
            fh.write("\t".join(str(v) for v in (x["id"], x["label"], x["status"], x.get("words", "-"),
                                                x.get("method", "-"), x.get("truncated", "-"), x["package"],
                                                x["sha256"], x["sources"])) + "\n")
    short = [t["label"] for t in topics if ctr[t["label"]] < a.min_per_split or cte[t["label"]] < a.min_per_split]
    print(json.dumps({"train": len(train), "test": len(test), "test2": len(test2),
                      "per_label": {t["label"]: [ctr[t["label"]], cte[t["label"]], ct2[t["label"]]] for t in topics}}))
    if short:
        sys.exit(f"fewer than {a.min_per_split} documents in a split for: {short}")
    short2 = [t["label"] for t in topics if ct2[t["label"]] < a.min_test2]
    if short2:
        sys.exit(f"fewer than {a.min_test2} test2 documents for: {short2}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--docs", required=True)
    b.add_argument("--extracted", required=True)
    b.add_argument("--topics", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--corpus", required=True)
    b.add_argument("--language", required=True)
    b.add_argument("--hash-prefix", required=True)
    b.add_argument("--source", default="")
    b.add_argument("--split", default="half")
    b.add_argument("--dev-ids", default="")
    b.add_argument("--min-words", type=int, default=0)
    b.add_argument("--max-per-label", type=int, default=0)
    b.add_argument("--min-per-split", type=int, default=3)
    b.add_argument("--strip", choices=["", "libreoffice-help"], default="")
    b.add_argument("--test2-cap", type=int, default=0)
    b.add_argument("--docs-test2", default="")
    b.add_argument("--min-test2", type=int, default=0)
    t = sub.add_parser("test2-summary")
    t.add_argument("topics")
    t.add_argument("--word", default="topic", help="what a label is called in the line (topic, label)")
    a = p.parse_args()
    {"build": cmd_build, "test2-summary": cmd_test2_summary}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
