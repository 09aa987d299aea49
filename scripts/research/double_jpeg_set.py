#!/usr/bin/env python3
"""Single and double compressed JPEGs with known qualities, for measuring `jpeg.double_compressed`
(src/analysis/jpeg/double.rs): lossless images (PNG) compressed once with libjpeg-turbo's cjpeg
(quality Q1 in 60-98; integer, fast or float DCT; 4:2:0, 4:2:2 or 4:4:4), then decompressed
(djpeg) and compressed again at Q2 (60-98, the same settings drawn afresh): a re-save.

    .venv/bin/python scripts/research/double_jpeg_set.py --out data/double-jpeg-a --n 600 data/heldout3
    # OUT/single/*.jpg, OUT/double/*.jpg, OUT/manifest.csv (path,kind,q1,q2,pixels,source)

Deterministic (seeded); images under --min-pixels or over --max-pixels are skipped. A PNG that
was itself decoded from a JPEG carries that compression too: pick sources of drawn or rendered
images, or read the single-compression rate as an upper bound of false calls.
"""
import argparse
import csv
import io
import random
import subprocess
from pathlib import Path

from PIL import Image

Image.MAX_IMAGE_PIXELS = 200_000_000


def cjpeg(pnm: bytes, q: int, rng: random.Random) -> tuple[bytes, str]:
    args = ["-quality", str(q), "-dct", rng.choice(["int", "fast", "float"])]
    args += ["-sample", rng.choice(["2x2", "2x1", "1x1"])]
    if rng.random() < 0.3:
        args.append("-progressive")
    out = subprocess.run(["cjpeg", *args], input=pnm, capture_output=True, check=True).stdout
    return out, " ".join(args)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--min-pixels", type=int, default=40_000)
    ap.add_argument("--max-pixels", type=int, default=6_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--from-jpeg", action="store_true",
                    help="read JPEGs instead of PNGs, halved (Lanczos) so their own compression is gone")
    a = ap.parse_args()
    pattern = "*.jpg" if a.from_jpeg else "*.png"
    files = sorted((p, d) for d in a.dirs for p in d.rglob(pattern) if "reencode" not in p.parts)
    rng = random.Random(a.seed)
    rng.shuffle(files)
    (a.out / "single").mkdir(parents=True, exist_ok=True)
    (a.out / "double").mkdir(parents=True, exist_ok=True)
    rows = []
    for f, top in files:
        if len(rows) >= 2 * a.n:
            break
        try:
            with Image.open(f) as im:
                if not a.min_pixels <= im.width * im.height <= a.max_pixels:
                    continue
                im = im.convert("RGB")
                if a.from_jpeg:
                    im = im.resize((im.width // 2, im.height // 2), Image.LANCZOS)
                    if im.width * im.height < a.min_pixels:
                        continue
                buf = io.BytesIO()
                im.save(buf, "PPM")
        except Exception:
            continue
        q1, q2 = rng.randint(60, 98), rng.randint(60, 98)
        first, p1 = cjpeg(buf.getvalue(), q1, rng)
        pnm = subprocess.run(["djpeg", "-pnm"], input=first, capture_output=True, check=True).stdout
        second, p2 = cjpeg(pnm, q2, rng)
        name = f"{len(rows) // 2:05d}"
        src = f.relative_to(top).parts[0]
        for kind, data, qq in (("single", first, (q1, "")), ("double", second, (q1, q2))):
            path = a.out / kind / f"{name}.jpg"
            path.write_bytes(data)
            rows.append({"path": str(path), "kind": kind, "q1": qq[0], "q2": qq[1],
                         "pixels": im.width * im.height, "source": src,
                         "param": p1 if kind == "single" else f"{p1} | {p2}"})
    with open(a.out / "manifest.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["path", "kind", "q1", "q2", "pixels", "source", "param"])
        w.writeheader()
        w.writerows(rows)
    print(f"{a.out}/manifest.csv: {len(rows) // 2} single + {len(rows) // 2} double")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
