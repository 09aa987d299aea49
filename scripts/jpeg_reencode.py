#!/usr/bin/env python3
"""Re-saved copies of held-out clean JPEGs, as the web and users make them: libjpeg-turbo's cjpeg
(qualities 60-98; integer, fast or float DCT; Huffman optimisation; progressive; 4:2:0, 4:2:2 or
4:4:4) and Pillow, single and double compressed. For measuring false positives on clean JPEGs
of many kinds; never used for training or tuning.

    .venv/bin/python scripts/jpeg_reencode.py --target 10500 --out data/jpeg-heldout-b/reencode \\
        data/jpeg-heldout/manifest.csv data/jpeg-heldout-b/manifest.csv

Reads manifests of originals (path, label, tool, param, source), writes re-encodes until originals
plus re-encodes reach --target, and OUT/manifest.csv with every original and re-encode (tool
`original`, `cjpeg`, `cjpeg-double`, `pillow-double`; param: the settings; source: the package).
Deterministic (seeded); needs cjpeg/djpeg (Debian libjpeg-turbo-progs) and Pillow.
"""
import argparse
import csv
import io
import random
import subprocess
import sys
from pathlib import Path

from PIL import Image

Image.MAX_IMAGE_PIXELS = 200_000_000
FIELDS = ["path", "label", "tool", "param", "source"]


def cjpeg(pnm: bytes, rng: random.Random) -> tuple[bytes, str]:
    q = rng.randint(60, 98)
    args = ["-quality", str(q), "-dct", rng.choice(["int", "fast", "float"])]
    if rng.random() < 0.5:
        args.append("-optimize")
    if rng.random() < 0.4:
        args.append("-progressive")
    args += ["-sample", rng.choice(["2x2", "2x1", "1x1"])]
    out = subprocess.run(["cjpeg", *args], input=pnm, capture_output=True, check=True).stdout
    return out, " ".join(args)


def djpeg(jpeg: bytes) -> bytes:
    return subprocess.run(["djpeg", "-pnm"], input=jpeg, capture_output=True, check=True).stdout


def pillow(jpeg: bytes, rng: random.Random) -> tuple[bytes, str]:
    q = rng.randint(60, 98)
    sub = rng.choice([0, 1, 2])
    prog = rng.random() < 0.3
    with Image.open(io.BytesIO(jpeg)) as im:
        im = im.convert("L" if im.mode == "L" else "RGB")
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=q, subsampling=sub, progressive=prog, optimize=rng.random() < 0.5)
    return buf.getvalue(), f"q{q} sub{sub}{' progressive' if prog else ''}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifests", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--target", type=int, default=10500)
    ap.add_argument("--max-pixels", type=int, default=12_000_000, help="larger originals are not re-encoded")
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args()
    originals = [r for m in a.manifests for r in csv.DictReader(open(m)) if r["tool"] == "original"]
    rows = [{k: r.get(k, "") for k in FIELDS} for r in originals]
    rng = random.Random(a.seed)
    order = sorted(originals, key=lambda r: r["path"])
    rng.shuffle(order)
    a.out.mkdir(parents=True, exist_ok=True)
    made, failed, i = 0, 0, 0
    while len(rows) < a.target and order:
        r = order[i % len(order)]
        i += 1
        if i > 6 * len(order):
            break
        src = Path(r["path"])
        try:
            with Image.open(src) as im:
                if im.size[0] * im.size[1] > a.max_pixels or im.mode not in ("L", "RGB"):
                    continue
            data = src.read_bytes()
            kind = ("cjpeg", "cjpeg-double", "pillow-double")[i % 3]
            if kind == "cjpeg":
                out, param = cjpeg(djpeg(data), rng)
            elif kind == "cjpeg-double":
                first, p1 = cjpeg(djpeg(data), rng)
                out, p2 = cjpeg(djpeg(first), rng)
                param = f"{p1} | {p2}"
            else:
                first, p1 = pillow(data, rng)
                out, p2 = pillow(first, rng)
                param = f"{p1} | {p2}"
        except (subprocess.CalledProcessError, OSError, ValueError, Image.DecompressionBombError) as e:
            failed += 1
            print(f"failed: {src}: {e}", file=sys.stderr)
            continue
        dest = a.out / r["source"] / f"{src.stem}.{kind}.{i}.jpg"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(out)
        rows.append(dict(path=str(dest), label="clean", tool=kind, param=param, source=r["source"]))
        made += 1
    with open(a.out / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    print(f"{len(originals)} originals, {made} re-encodes, {failed} failed: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
