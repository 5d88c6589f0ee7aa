#!/usr/bin/env python3
"""Scores for the classification-quality benchmark (scripts/bench-classify.sh).

Standard library only, so the same scorer serves both sides:

  classify_score.py docuvault --corpus DIR --pred FILE [--row NAME] [--seed N] [--seconds S]
      Reads the JSON lines `docuvault classify --json -` printed for the test
      set ({"id","topics":[{"name","score","assigned"},…]}, best first), maps
      each top-1 topic name back to its label (topics.json) and prints one JSON
      object {"row","seed","accuracy","macro_f1","n","seconds",…}. Fails
      (exit 1) on a line that is not JSON, a missing or repeated or unknown id,
      or a topic name that is not one of the corpus's topics.

  classify_score.py table FILE…
      Each FILE holds JSON objects (one a line, or a JSON list) as printed by
      `docuvault` above or by classify_baseline.py; runs of the same row are
      averaged (mean over seeds) and printed as a markdown table, in the
      order the rows first appear.

Macro-F1 is the unweighted mean over the corpus's labels of each label's F1
(a label never predicted has precision 0; F1 of 0/0 counts as 0), the same
as sklearn's f1_score(average="macro", zero_division=0) over all labels.
Labels with no scored document are left out of the mean (their F1 would be
0 whatever the classifier did): on the test and dev splits every label has
scored documents, so nothing changes there; test2 (issue 19) has none for
some topics of the Reuters and German corpora, and the row then says over
how many labels the mean was taken ("macro_f1_labels").
"""
import argparse
import json
import os
import sys
from collections import OrderedDict


def metrics(gold, pred, labels):
    """Accuracy, macro-F1 and per-label F1 of pred against gold."""
    if len(gold) != len(pred) or not gold:
        raise ValueError("gold and pred must be non-empty and the same length")
    correct = sum(1 for g, p in zip(gold, pred) if g == p)
    per = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per[lab] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    present = set(gold)
    scored = [lab for lab in labels if lab in present]
    out = {
        "accuracy": correct / len(gold),
        "macro_f1": sum(per[lab] for lab in scored) / len(scored),
        "n": len(gold),
        "per_label_f1": {k: round(v, 4) for k, v in per.items()},
    }
    if len(scored) < len(labels):
        out["macro_f1_labels"] = len(scored)
    return out


def read_jsonl(path):
    out = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{i}: not JSON: {e}: {line[:200]!r}")
    return out


def load_corpus(corpus):
    meta = json.load(open(os.path.join(corpus, "topics.json"), encoding="utf-8"))
    labels = [x["label"] for x in meta["labels"]]
    name_to_label = {x["name"]: x["label"] for x in meta["labels"]}
    test = read_jsonl(os.path.join(corpus, "test.jsonl"))
    return meta, labels, name_to_label, test


def cmd_docuvault(a):
    _, labels, name_to_label, test = load_corpus(a.corpus)
    gold = {r["id"]: r["label"] for r in test}
    got, assigned = {}, {}
    for i, rec in enumerate(read_jsonl(a.pred), 1):
        if not isinstance(rec, dict) or "id" not in rec or not isinstance(rec.get("topics"), list):
            raise SystemExit(f"{a.pred}:{i}: expected {{\"id\",\"topics\":[…]}}, got {str(rec)[:200]}")
        did = str(rec["id"])
        if did not in gold:
            raise SystemExit(f"{a.pred}:{i}: id {did!r} is not in the test set")
        if did in got:
            raise SystemExit(f"{a.pred}:{i}: id {did!r} answered twice")
        for t in rec["topics"]:
            if t.get("name") not in name_to_label:
                raise SystemExit(f"{a.pred}:{i}: topic {t.get('name')!r} is not one of the corpus's topics")
        prev = None
        for t in rec["topics"]:
            s = t.get("score")
            if not isinstance(s, (int, float)):
                raise SystemExit(f"{a.pred}:{i}: topic {t.get('name')!r} has no numeric score")
            if prev is not None and s > prev + 1e-9:
                raise SystemExit(f"{a.pred}:{i}: topics are not ranked best first")
            prev = s
        got[did] = name_to_label[rec["topics"][0]["name"]] if rec["topics"] else None
        assigned[did] = (bool(rec["topics"] and rec["topics"][0].get("assigned")),
                         sum(1 for t in rec["topics"] if t.get("assigned")))
    missing = [d for d in gold if d not in got]
    if missing:
        raise SystemExit(f"{a.pred}: {len(missing)} test documents have no answer, e.g. {missing[:3]}")
    ids = sorted(gold)
    m = metrics([gold[d] for d in ids], [got[d] for d in ids], labels)
    m["no_topic"] = sum(1 for d in ids if got[d] is None)
    m["top1_assigned"] = round(sum(1 for d in ids if assigned[d][0]) / len(ids), 4)
    m["assigned_per_doc"] = round(sum(assigned[d][1] for d in ids) / len(ids), 3)
    row = OrderedDict(row=a.row, seed=a.seed)
    row.update(m)
    row["seconds"] = a.seconds
    print(json.dumps(row))


def load_rows(paths):
    """Rows from files holding a JSON list, a {"rows": […]} object, one object, or JSON lines."""
    rows = []
    for p in paths:
        text = open(p, encoding="utf-8").read().strip()
        if not text:
            continue
        try:
            objs = [json.loads(text)]
        except json.JSONDecodeError:
            objs = [json.loads(l) for l in text.splitlines() if l.strip()]
        for obj in objs:
            if isinstance(obj, list):
                rows.extend(obj)
            elif isinstance(obj, dict) and "rows" in obj:
                rows.extend(obj["rows"])
            else:
                rows.append(obj)
    return rows


def cmd_table(a):
    rows = load_rows(a.files)
    groups = OrderedDict()
    for r in rows:
        groups.setdefault(r["row"], []).append(r)
    print("| classifier | accuracy | macro-F1 | wall time | runs |")
    print("| --- | --- | --- | --- | --- |")
    for name, rs in groups.items():
        n = len(rs)
        acc = sum(r["accuracy"] for r in rs) / n
        f1 = sum(r["macro_f1"] for r in rs) / n
        secs = [r.get("seconds") for r in rs if r.get("seconds") is not None]
        wall = f"{sum(secs) / len(secs):.1f} s" if secs else "–"
        if n > 1:
            lo = min(r["accuracy"] for r in rs)
            hi = max(r["accuracy"] for r in rs)
            runs = f"mean of {n} seeds (accuracy {lo:.3f}–{hi:.3f})"
        else:
            runs = "1 run"
        print(f"| {name} | {acc:.3f} | {f1:.3f} | {wall} | {runs} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("docuvault")
    d.add_argument("--corpus", required=True)
    d.add_argument("--pred", required=True)
    d.add_argument("--row", default="builtin")
    d.add_argument("--seed", type=int, default=None)
    d.add_argument("--seconds", type=float, default=None)
    t = sub.add_parser("table")
    t.add_argument("files", nargs="+")
    a = p.parse_args()
    {"docuvault": cmd_docuvault, "table": cmd_table}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
