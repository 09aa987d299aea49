#!/usr/bin/env python3
"""steghide under the empty passphrase, as a user makes it: embed with Debian's steghide 0.5.1
(`-p ""`, default encryption) into clean JPEG originals, scan with stegodetect's default scan,
count detections and byte-exact payloads per payload size.

    .venv/bin/python scripts/eval_steghide_passphrase.py [--every 29] [--max 120] [--work DIR]

Covers: every N-th `original` row of data/jpeg/manifest.csv (`bash scripts/jpeg_data.sh`);
payloads 32 B - 3 KB, text (cut from /usr/share/common-licenses/GPL-3) or random. A cover too
small for the drawn size is skipped by steghide (counted as such).
"""
import argparse
import base64
import collections
import csv
import json
import os
import pathlib
import random
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--every", type=int, default=29)
    ap.add_argument("--max", type=int, default=120)
    ap.add_argument("--work", type=pathlib.Path, default=None)
    ap.add_argument("--bin", default=str(ROOT / "target/release/stegodetect"))
    a = ap.parse_args()
    work = a.work or pathlib.Path(tempfile.mkdtemp(prefix="steghide-empty-"))
    work.mkdir(parents=True, exist_ok=True)
    with open(ROOT / "data/jpeg/manifest.csv") as f:
        covers = sorted(r["path"] for r in csv.DictReader(f) if r["label"] == "clean" and r["tool"] == "original")
    covers = covers[2 :: a.every][: a.max]
    rng = random.Random(16)
    text = pathlib.Path("/usr/share/common-licenses/GPL-3").read_bytes()
    made, skipped = {}, 0
    for i, c in enumerate(covers):
        size = rng.choice([32, 100, 400, 1000, 3000])
        kind = rng.choice(["text", "random"])
        start = rng.randrange(0, len(text) - size)
        data = text[start : start + size] if kind == "text" else rng.randbytes(size)
        (work / f"p{i}.bin").write_bytes(data)
        out = work / f"s{i}.jpg"
        r = subprocess.run(["steghide", "embed", "-cf", str(ROOT / c), "-ef", str(work / f"p{i}.bin"),
                            "-sf", str(out), "-p", "", "-q", "-f"], capture_output=True)
        if r.returncode == 0 and out.exists():
            made[out.name] = (size, kind, data)
        else:
            skipped += 1
    scan = subprocess.run([a.bin, "scan", "--no-progress", "--format", "jsonl", *sorted(str(work / n) for n in made)],
                          capture_output=True, text=True)
    tot, det, exact = collections.Counter(), collections.Counter(), collections.Counter()
    for line in scan.stdout.splitlines():
        r = json.loads(line)
        size, kind, data = made[pathlib.Path(r["path"]).name]
        key = (size, kind)
        tot[key] += 1
        if r.get("method") == "jpeg.steghide" and any(f["analysis"] == "steghide-passphrase" for f in r["findings"]):
            det[key] += 1
            p = r.get("payload") or {}
            got = base64.b64decode(p["base64"]) if "base64" in p else (p.get("text") or "").encode()
            exact[key] += got == data
    print(f"covers {len(covers)}, embedded {len(made)}, too small for the drawn size {skipped}; work dir {work}")
    print("| payload | kind | n | detected | payload byte-exact |")
    print("|---|---|---|---|---|")
    for key in sorted(tot):
        print(f"| {key[0]} B | {key[1]} | {tot[key]} | {det[key]} | {exact[key]} |")
    print(f"| all | | {sum(tot.values())} | {sum(det.values())} | {sum(exact.values())} |")


if __name__ == "__main__":
    main()
