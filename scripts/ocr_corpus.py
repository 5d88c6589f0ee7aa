#!/usr/bin/python3
"""Synthetic scans for scripts/bench-ocr.sh (issue 18).

    ocr_corpus.py variants --pages DIR --out DIR --variants clean300,clean150,...

DIR holds pNN-300.png and pNN-150.png, grey renderings (pdftoppm -gray) of
the born-digital source pages. For each variant and page this writes
OUT/VARIANT/pNN.png (or .jpg) with the DPI recorded in the file, ready for
img2pdf, and prints one JSON line per page image with what was done to it
(angle of skew, rotation). Deterministic: the noise of page N in variant V
comes from numpy's default_rng seeded with a fixed number per (V, N), and
the skew angles are a fixed function of N.

Variants:
  clean300       300 dpi grey, as rendered (PNG)
  clean150       150 dpi grey, as rendered (PNG)
  skew_noise300  300 dpi: skewed by 2.0-3.0 degrees (sign alternating), a
                 slight blur, paper not quite white and ink not quite black,
                 Gaussian noise (sigma 12), sparse dark specks, JPEG q 80
  skew_noise150  the same at 150 dpi
  rot90 / rot180 / rot270
                 300 dpi clean, the page turned 90 (clockwise), 180 or 270
                 degrees, as a scanner fed the sheet sideways or upside down
"""
import argparse
import json
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

VARIANTS = ["clean300", "clean150", "skew_noise300", "skew_noise150", "rot90", "rot180", "rot270"]


def skew_angle(n):
    # 2.0 .. 3.0 degrees, sign alternating with the page number.
    a = 2.0 + ((n * 37) % 11) / 10.0
    return a if n % 2 else -a


def degrade(img, n, seed, dpi):
    angle = skew_angle(n)
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(radius=0.6 if dpi >= 300 else 0.4))
    a = np.asarray(img, dtype=np.float32)
    rng = np.random.default_rng(seed)
    # Paper about 232, ink about 30; then noise and specks.
    a = 30.0 + a * (202.0 / 255.0)
    a += rng.normal(0.0, 12.0, a.shape)
    specks = rng.random(a.shape) < 0.0008
    a[specks] = rng.uniform(0.0, 90.0, int(specks.sum()))
    a = np.clip(a, 0, 255).astype(np.uint8)
    return Image.fromarray(a, mode="L"), angle


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("variants")
    v.add_argument("--pages", required=True)
    v.add_argument("--out", required=True)
    v.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()

    names = sorted({f.split("-")[0] for f in os.listdir(args.pages) if f.endswith("-300.png")})
    variants = [x for x in args.variants.split(",") if x]
    for var in variants:
        if var not in VARIANTS:
            sys.exit("unknown variant %r (known: %s)" % (var, ", ".join(VARIANTS)))
    for vi, var in enumerate(VARIANTS):
        if var not in variants:
            continue
        os.makedirs(os.path.join(args.out, var), exist_ok=True)
        dpi = 150 if var.endswith("150") else 300
        for name in names:
            n = int(name.lstrip("p"))
            img = Image.open(os.path.join(args.pages, "%s-%d.png" % (name, dpi))).convert("L")
            info = {"variant": var, "page": name, "dpi": dpi, "skew": 0.0, "rotation": 0}
            if var.startswith("skew_noise"):
                img, info["skew"] = degrade(img, n, 1000 * (vi + 1) + n, dpi)
                path = os.path.join(args.out, var, name + ".jpg")
                img.save(path, "JPEG", quality=80, dpi=(dpi, dpi))
            else:
                if var.startswith("rot"):
                    deg = int(var[3:])
                    info["rotation"] = deg
                    # PIL turns counter-clockwise; the scan is the page turned clockwise.
                    img = img.rotate(-deg, expand=True)
                path = os.path.join(args.out, var, name + ".png")
                img.save(path, "PNG", dpi=(dpi, dpi))
            info["file"] = os.path.relpath(path, args.out)
            print(json.dumps(info))


if __name__ == "__main__":
    main()
