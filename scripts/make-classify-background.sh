#!/usr/bin/env bash
# Builds the builtin classifier's background model of English,
# pkg/classify/background/wordnet.tsv.gz: in how many of WordNet 3.0's
# 117,659 synsets (each synset's words and its gloss, one "document")
# each word occurs, for the words in at least two. The classifier reads it
# to tell generic words ("version", "file", "use") from telling ones
# ("asn", "regression") when its owner has few documents of their own
# (pkg/classify/background.go).
#
#   bash scripts/make-classify-background.sh
#
# Source: Debian's wordnet-base (installed if missing, as root), licence
# WordNet 3.0 (permissive; its notice is copied into the file's header, as
# it requires). Deterministic: the same package gives the same bytes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/pkg/classify/background/wordnet.tsv.gz"
WN=/usr/share/wordnet

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ! -f "$WN/data.noun" ]; then
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wordnet-base >/dev/null
fi
VERSION=$(dpkg-query -W -f '${Version}' wordnet-base)

/usr/bin/python3 - "$WN" "$VERSION" <<'PY' | gzip -9n >"$OUT.tmp"
import collections, re, sys
wn, version = sys.argv[1], sys.argv[2]
word = re.compile(r"[^\W_]+")
df = collections.Counter()
n = 0
for pos in ("noun", "verb", "adj", "adv"):
    with open(f"{wn}/data.{pos}", encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):  # the licence at the top of each file
                continue
            head, _, gloss = line.partition("|")
            fields = head.split()
            # offset lex_filenum ss_type w_cnt(hex) word lex_id ...
            words = fields[4:4 + 2 * int(fields[3], 16):2]
            text = " ".join(w.replace("_", " ") for w in words) + " " + gloss
            n += 1
            df.update({w for w in word.findall(text.lower()) if len(w) >= 2})
print(f"# documents\t{n}")
print(f"# WordNet {version.split(':')[-1]} (Debian wordnet-base {version}): in how many synsets (words and gloss) each word occurs, for words in two or more.")
print("# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.")
print("# THIS SOFTWARE AND DATABASE IS PROVIDED \"AS IS\" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.")
print("# BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANTABILITY OR FITNESS FOR ANY")
print("# PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD PARTY PATENTS,")
print("# COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS. (Full licence: /usr/share/doc/wordnet-base/copyright, and LICENSE-THIRD-PARTY.md.)")
for w, c in sorted(df.items(), key=lambda x: (-x[1], x[0])):
    if c >= 2:
        print(f"{w}\t{c}")
PY
mv "$OUT.tmp" "$OUT"
echo "wrote $OUT ($(wc -c <"$OUT") bytes)"
