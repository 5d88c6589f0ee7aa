#!/usr/bin/env python3
"""Scanned twins (issue 18): does a scanned page get the same top topic as
its born-digital original? For one run of scripts/bench-ocr.sh, every page
docuvault read by OCR and the same page's born-digital text (the corpus's
reference, pdftotext of the original) are classified by the builtin
zero-shot classifier (`docuvault classify --no-adapt`, topics from
scripts/ocr_twin_topics.yaml); the share of pages whose top topic agrees is
reported per variant. Target: >= 90 %.

  python3 scripts/ocr_twins.py DOCUVAULT_BIN RUN_DIR CORPUS_DIR
"""
import json
import os
import subprocess
import sys


def top_topics(binary, topics, items):
    """Map id -> best-scoring topic name for items [(id, text)]."""
    stdin = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in items)
    out = subprocess.run([binary, "classify", "--topics", topics, "--json", "--no-adapt", "-"],
                         input=stdin, capture_output=True, text=True, check=True).stdout
    best = {}
    for line in out.splitlines():
        r = json.loads(line)
        ts = r.get("topics") or []
        best[r["id"]] = max(ts, key=lambda t: t["score"])["name"] if ts else ""
    return best


def main():
    binary, run, corpus = sys.argv[1:4]
    topics = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ocr_twin_topics.yaml")
    docs = json.load(open(os.path.join(corpus, "docs.json")))
    refs = {}
    items = []
    for variant in sorted(os.listdir(os.path.join(run, "docuvault"))):
        if not variant.endswith(".jsonl"):
            continue
        variant = variant[:-len(".jsonl")]
        for line in open(os.path.join(run, "docuvault", variant + ".jsonl")):
            r = json.loads(line)
            doc = os.path.basename(r["path"])[:-len(".pdf")]
            pages = r.get("text", "").split("\f")
            for n, page in enumerate(docs[variant][doc]):
                text = pages[n] if n < len(pages) else ""
                items.append((variant + "/" + page, text))
                refs[page] = open(os.path.join(corpus, "ref", page + ".txt")).read()
    ref_top = top_topics(binary, topics, [("ref/" + p, t) for p, t in sorted(refs.items())])
    ocr_top = top_topics(binary, topics, items)
    per = {}
    for key, topic in ocr_top.items():
        variant, page = key.split("/")
        same = topic == ref_top["ref/" + page]
        per.setdefault(variant, []).append(same)
    print("| variant | pages | same top topic as the born-digital page |")
    print("| --- | --- | --- |")
    all_same = []
    for variant, same in sorted(per.items()):
        all_same += same
        print(f"| {variant} | {len(same)} | {sum(same)} ({100 * sum(same) / len(same):.1f} %) |")
    share = 100 * sum(all_same) / len(all_same)
    print(f"| all | {len(all_same)} | {sum(all_same)} ({share:.1f} %) |")
    print(f"\ntarget >= 90 %: {'met' if share >= 90 else 'NOT met'}")
    by_topic = {}
    for t in ref_top.values():
        by_topic[t] = by_topic.get(t, 0) + 1
    print("born-digital pages' top topics: " + ", ".join(f"{t or '(none)'} {n}" for t, n in sorted(by_topic.items())))


if __name__ == "__main__":
    main()
