#!/usr/bin/env python3
"""Benchmark of the Python layer's cost, each figure against a baseline measured in the same run:

1. `Detector.scan(bytes)` per image, called from a Python loop, against the same core `scan_bytes`
   loop timed in Rust with no Python in it (`bench_scan_bytes`), over 256x256 PNGs. Rounds
   alternate the two, the ratio of each round is reported with the median. Target <= 1.1x.
2. `Detector.scan_many(arrays)` per image against `Detector.scan(array)` in a Python loop over the
   same images as HxWxC uint8 numpy arrays (the native pixel path in both), alternating rounds,
   both with their default threads (a single scan spreads its analyses over the cores, a batch
   spreads images; `jobs=1` would compare one core against all). Target <= 1.1x.
3. `import stegodetect` in a fresh interpreter against a fresh interpreter that imports nothing
   (`python -c pass`), median over runs. Target <= 100 ms.

    python bindings/python/bench/overhead.py [--dir DIR] [--rounds N] [--imports N] [--json OUT]

Default images: the 256x256 PNGs of the Starlight sample beside the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List

import stegodetect

ROOT = pathlib.Path(__file__).resolve().parents[3]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "starlight-sample" / "clean"


def png_256(d: pathlib.Path) -> List[bytes]:
    out = []
    for p in sorted(d.glob("*.png")):
        b = p.read_bytes()
        # IHDR width and height, big-endian at offsets 16 and 20
        if b[:8] == b"\x89PNG\r\n\x1a\n" and b[16:24] == (256).to_bytes(4, "big") * 2:
            out.append(b)
    return out


def scan_overhead(images: List[bytes], rounds: int) -> Dict[str, Any]:
    det = stegodetect.Detector()
    native = det._native
    for b in images[:8]:  # warm-up: model session, allocator, caches
        det.scan(b)
    ratios, py_s, rust_s = [], [], []
    for i in range(rounds):
        def python_loop() -> float:
            t = time.perf_counter()
            for b in images:
                det.scan(b)
            return (time.perf_counter() - t) / len(images)

        def rust_loop() -> float:
            return native.bench_scan_bytes(images, 1)

        if i % 2 == 0:
            p, r = python_loop(), rust_loop()
        else:
            r, p = rust_loop(), python_loop()
        py_s.append(p)
        rust_s.append(r)
        ratios.append(p / r)
    return {
        "images": len(images),
        "rounds": rounds,
        "python_ms_per_image": round(1000 * statistics.median(py_s), 4),
        "rust_ms_per_image": round(1000 * statistics.median(rust_s), 4),
        "ratio_median": round(statistics.median(ratios), 4),
        "ratio_per_round": [round(x, 4) for x in ratios],
        "target_ratio": 1.1,
    }


def scan_many_arrays(images: List[bytes], rounds: int) -> Dict[str, Any]:
    import io

    import numpy as np
    from PIL import Image

    arrays = [np.asarray(Image.open(io.BytesIO(b)).convert("RGB")) for b in images]
    det = stegodetect.Detector()
    det.scan_many(arrays[:8])  # warm-up
    ratios, loop_s, many_s = [], [], []
    for i in range(rounds):
        def loop() -> float:
            t = time.perf_counter()
            for a in arrays:
                det.scan(a)
            return (time.perf_counter() - t) / len(arrays)

        def many() -> float:
            t = time.perf_counter()
            out = det.scan_many(arrays)
            assert all(isinstance(r, stegodetect.ScanResult) for r in out), "a scan failed"
            return (time.perf_counter() - t) / len(arrays)

        if i % 2 == 0:
            lo, ma = loop(), many()
        else:
            ma, lo = many(), loop()
        loop_s.append(lo)
        many_s.append(ma)
        ratios.append(ma / lo)
    return {
        "images": len(arrays),
        "rounds": rounds,
        "scan_loop_ms_per_image": round(1000 * statistics.median(loop_s), 4),
        "scan_many_ms_per_image": round(1000 * statistics.median(many_s), 4),
        "ratio_median": round(statistics.median(ratios), 4),
        "ratio_per_round": [round(x, 4) for x in ratios],
        "target_ratio": 1.1,
    }


def import_time(runs: int) -> Dict[str, Any]:
    def wall(code: str) -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t

    wall("import stegodetect")  # page cache
    base, imp = [], []
    for i in range(runs):
        if i % 2 == 0:
            base.append(wall("pass"))
            imp.append(wall("import stegodetect"))
        else:
            imp.append(wall("import stegodetect"))
            base.append(wall("pass"))
    return {
        "runs": runs,
        "interpreter_ms": round(1000 * statistics.median(base), 2),
        "interpreter_with_import_ms": round(1000 * statistics.median(imp), 2),
        "import_ms": round(1000 * (statistics.median(imp) - statistics.median(base)), 2),
        "target_ms": 100,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="Python-layer overhead benchmark")
    ap.add_argument("--dir", type=pathlib.Path, default=DEFAULT_DIR, help="folder of 256x256 PNGs")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--imports", type=int, default=21)
    ap.add_argument("--json", type=pathlib.Path, help="also write the figures here")
    a = ap.parse_args()
    images = png_256(a.dir)
    if not images:
        print(f"no 256x256 PNGs in {a.dir}", file=sys.stderr)
        return 2
    out = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "stegodetect": stegodetect.__version__},
        "scan_bytes": scan_overhead(images, a.rounds),
        "scan_many_arrays": scan_many_arrays(images, a.rounds),
        "import": import_time(a.imports),
    }
    text = json.dumps(out, indent=2)
    print(text)
    if a.json:
        a.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
