#!/usr/bin/env python3
"""Peer benchmark: stegodetect against sealwatch's structural LSB detectors, on the same images.

    make bench-peers                      # sets up .venv-peers, then runs this on the held-out sets
    .venv-peers/bin/python scripts/bench_peers.py [--covers N] [--bpp 0.1,0.2] [--rounds R] DIR...

Covers: 512x512 RGB crops of never-compressed images: the centre of lossless files (PNG/BMP,
RGB or RGBA with alpha dropped) and of JPEG photos downscaled 4x by area averaging (which removes
the JPEG block structure), at least 512x512 after that, skipping crops where more than half of
the horizontal neighbours are equal (synthetic images, where no structural estimator applies to
either tool). Stego: random-position LSB replacement by PyPI `conseal` (`conseal.lsb.simulate`,
permuted locations, one seed per cover) at each `--bpp` in bits per pixel, that is bpp / 3
changes-or-not per colour sample (conseal's `alpha` is per array element).

Detectors, each timed single-threaded on the same decoded pixels (median of `--rounds` per image)
and end to end (read the PNG file from disk, decode, detect):
  - sealwatch 2025.9 (PyPI), the three structural attacks it has (no RS): WS (`sw.ws.attack`,
    which reads only the first channel of an HxWx3 array, so it is run per channel and averaged),
    SPA (`sw.spa.attack` on the HxWx3 array) and the chi-square attack (`sw.chi2.attack`, score =
    its p-value); their time is the sum of the three;
  - stegodetect (this repository's Python module, built-in model, `threads=1`): `Detector.scan`
    on the numpy array (pixels) and on the file path (end to end); score = `probability`.
Prints per-image times, the speed ratios, and the ROC AUC of every score for clean vs each rate.
sealwatch imports torch for its neural models only: torch/torchvision are stubbed here, not
installed (`bash scripts/setup-peers.sh` makes .venv-peers: conseal, sealwatch --no-deps and the
packages sealwatch imports, and this repository's wheel).
"""
import argparse
import glob
import importlib.abc
import importlib.machinery
import json
import os
import random
import statistics
import sys
import tempfile
import time
import types

# one thread everywhere: the per-image times compare single-threaded work
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
            "RAYON_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

TILE = 512


class _Stub(types.ModuleType):
    """Stands in for torch / torchvision: sealwatch's neural modules reference them at import."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Stub(f"{self.__name__}.{name}")

    def __call__(self, *args, **kwargs):
        return _Stub(f"{self.__name__}()")

    def __mro_entries__(self, bases):
        return (object,)


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "torchvision"):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _Stub(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def import_peers():
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.meta_path.insert(0, _StubFinder())
    import conseal
    import sealwatch
    return conseal, sealwatch


def synthetic(crop):
    """More than half of horizontally adjacent samples equal: a synthetic (flat) image."""
    return np.mean(crop[:, 1:] == crop[:, :-1]) > 0.5


def covers(dirs, limit, rng):
    files = []
    for d in dirs:
        for ext in ("png", "bmp", "jpg", "jpeg"):
            files += glob.glob(os.path.join(d, "**", f"*.{ext}"), recursive=True)
    files.sort()
    rng.shuffle(files)
    out = []
    for f in files:
        try:
            with Image.open(f) as im:
                if im.mode not in ("RGB", "RGBA") or im.width * im.height > 40_000_000:
                    continue
                jpeg = im.format == "JPEG"
                im = im.convert("RGB")
                if jpeg:
                    im = im.reduce(4)  # area average: removes the 8x8 block structure
                if im.width < TILE or im.height < TILE:
                    continue
                x, y = (im.width - TILE) // 2, (im.height - TILE) // 2
                crop = np.asarray(im.crop((x, y, x + TILE, y + TILE)), dtype=np.uint8).copy()
        except Exception:  # unreadable files are not covers
            continue
        if synthetic(crop):
            continue
        out.append((f, crop))
        if len(out) >= limit:
            break
    return out


def roc_auc(clean, stego):
    """P(stego score > clean score), ties counted half (Mann-Whitney)."""
    scores = np.concatenate([clean, stego])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n0, n1 = len(clean), len(stego)
    return (ranks[n0:].sum() - n1 * (n1 + 1) / 2) / (n0 * n1)


def timed(fn, rounds):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return value, statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--covers", type=int, default=100)
    ap.add_argument("--bpp", default="0.1,0.2", help="LSB replacement rates in bits per pixel")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", help="also write the figures here")
    a = ap.parse_args()

    cl, sw = import_peers()
    import stegodetect

    rng = random.Random(a.seed)
    rates = [float(r) for r in a.bpp.split(",")]
    cov = covers(a.dirs, a.covers, rng)
    if not cov:
        sys.exit("no covers found")
    det = stegodetect.Detector(threads=1)

    def sealwatch_scores(x):
        ws = float(np.mean([sw.ws.attack(x[..., c]) for c in range(3)]))
        spa = float(sw.spa.attack(x))
        _, chi2_p = sw.chi2.attack(x)
        return {"sealwatch WS": ws, "sealwatch SPA": spa, "sealwatch chi2": float(chi2_p)}

    def stegodetect_scores(x):
        r = det.scan(x)
        return {"stegodetect": r.probability}

    sets = {"clean": []}
    for r in rates:
        sets[f"{r:g} bpp"] = []
    work = tempfile.mkdtemp(prefix="bench-peers-")
    for i, (_, crop) in enumerate(cov):
        images = {"clean": crop}
        for r in rates:
            stego = cl.lsb.simulate(crop, r / 3, modify=cl.lsb.Change.LSB_REPLACEMENT,
                                    locate=cl.lsb.Location.LOCATION_PERMUTED,
                                    seed=a.seed * 100_003 + i * 17 + int(r * 1000))
            images[f"{r:g} bpp"] = stego.astype(np.uint8)
        for name, x in images.items():
            path = os.path.join(work, f"{i:04d}-{name.replace(' ', '')}.png")
            Image.fromarray(x).save(path, compress_level=1)
            sets[name].append((x, path))

    scores = {name: {} for name in sets}
    times = {"sealwatch pixels": [], "stegodetect pixels": [], "sealwatch end-to-end": [],
             "stegodetect end-to-end": [], "decode (Pillow)": []}
    errors = 0
    for name, items in sets.items():
        for x, path in items:
            s, t = timed(lambda: sealwatch_scores(x), a.rounds)
            times["sealwatch pixels"].append(t)
            try:
                d, t = timed(lambda: stegodetect_scores(x), a.rounds)
            except stegodetect.StegodetectError as e:  # an error is never a score
                errors += 1
                print(f"error: {path}: {e}", file=sys.stderr)
                continue
            times["stegodetect pixels"].append(t)
            for k, v in {**s, **d}.items():
                scores[name].setdefault(k, []).append(v)
            _, t = timed(lambda: np.asarray(Image.open(path).convert("RGB")), a.rounds)
            times["decode (Pillow)"].append(t)
            _, t = timed(lambda: sealwatch_scores(np.asarray(Image.open(path).convert("RGB"))), a.rounds)
            times["sealwatch end-to-end"].append(t)
            _, t = timed(lambda: det.scan(path), a.rounds)
            times["stegodetect end-to-end"].append(t)

    n = len(cov)
    print(f"covers: {n} crops of {TILE}x{TILE} RGB ({len(a.dirs)} directories), stego by conseal "
          f"{cl.__version__ if hasattr(cl, '__version__') else ''} LSB replacement at "
          f"{', '.join(f'{r:g}' for r in rates)} bpp; sealwatch {sw.__version__}; "
          f"{a.rounds} rounds, median per image; {errors} errors")
    mean = {k: 1000 * statistics.mean(v) for k, v in times.items() if v}
    print("\nper-image time (ms, mean over all images):")
    for k, v in mean.items():
        print(f"  {k:24s} {v:9.3f}")
    analysis_ratio = mean["sealwatch pixels"] / mean["stegodetect pixels"]
    e2e_ratio = mean["sealwatch end-to-end"] / mean["stegodetect end-to-end"]
    print(f"  sealwatch / stegodetect on pixels:      {analysis_ratio:.1f}x")
    print(f"  sealwatch / stegodetect end to end:     {e2e_ratio:.1f}x")

    print("\nROC AUC, clean vs stego (n clean / n stego):")
    detectors = list(scores["clean"].keys())
    auc = {}
    for name in sets:
        if name == "clean":
            continue
        row = {}
        for k in detectors:
            row[k] = roc_auc(np.array(scores["clean"][k]), np.array(scores[name][k]))
        auc[name] = row
        nc, ns = len(scores["clean"][detectors[0]]), len(scores[name][detectors[0]])
        print(f"  {name} ({nc} / {ns}): " + ", ".join(f"{k} {v:.4f}" for k, v in row.items()))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"covers": n, "rates_bpp": rates, "ms_per_image": mean,
                       "analysis_ratio": analysis_ratio, "end_to_end_ratio": e2e_ratio,
                       "auc": auc, "errors": errors}, f, indent=1)


if __name__ == "__main__":
    main()
