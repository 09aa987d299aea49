#!/usr/bin/env python3
"""The keys every scan tries, as users meet them: steghide 0.5.1 under the empty passphrase
(`-p ""`, default encryption) or one of the common passphrases every scan tries
(`--passphrase common`: one drawn per cover from src/analysis/jpeg/common_passphrases.txt), or
OutGuess 0.4 without a key (its default key) or with a common one as `-k` (`--passphrase
common`), both from Debian, into clean JPEG originals; scan
with stegodetect's default scan, count detections and byte-exact payloads per payload size and
kind.

`--tool f5stegojs`: f5stegojs 0.1.2 (npm, `bash scripts/f5stegojs.sh`) with a password drawn
from the same common list per cover (it requires one); scanned twice, by the default scan (no
password: what a user without the password sees) and with the whole list given as
`--passphrases` (a dictionary attack), whose wall time is printed.

    .venv/bin/python scripts/eval_known_keys.py [--tool steghide|outguess|f5stegojs]
        [--passphrase empty|common] [--manifest data/jpeg/manifest.csv] [--every 29] [--max 120]
        [--work DIR]

OutGuess writes no header a reader could check, so only payloads that read as text (or a file
with a known magic) can be told from what any key retrieves from any image: random payloads
are counted, and expected to be missed.

Covers: every N-th `original` row of the manifest (default data/jpeg/manifest.csv, `bash
scripts/jpeg_data.sh`; the held-out sets' manifests work too: `label` clean, `tool` original);
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
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", choices=["steghide", "outguess", "f5stegojs"], default="steghide")
    ap.add_argument("--passphrase", choices=["empty", "common"], default="empty")
    ap.add_argument("--manifest", type=pathlib.Path, default=ROOT / "data/jpeg/manifest.csv")
    ap.add_argument("--every", type=int, default=29)
    ap.add_argument("--max", type=int, default=120)
    ap.add_argument("--work", type=pathlib.Path, default=None)
    ap.add_argument("--bin", default=str(ROOT / "target/release/stegodetect"))
    a = ap.parse_args()
    work = a.work or pathlib.Path(tempfile.mkdtemp(prefix=f"{a.tool}-known-"))
    work.mkdir(parents=True, exist_ok=True)
    with open(a.manifest) as f:
        covers = sorted(r["path"] for r in csv.DictReader(f) if r["label"] == "clean" and r["tool"] == "original")
    covers = covers[2 :: a.every][: a.max]
    rng = random.Random(16)
    text = pathlib.Path("/usr/share/common-licenses/GPL-3").read_bytes()
    common = (ROOT / "src/analysis/jpeg/common_passphrases.txt").read_text().splitlines()
    made, skipped = {}, 0
    f5 = subprocess.run(["bash", str(ROOT / "scripts/f5stegojs.sh")], capture_output=True, text=True,
                        check=True).stdout.strip() if a.tool == "f5stegojs" else None
    for i, c in enumerate(covers):
        size = rng.choice([32, 100, 400, 1000, 3000])
        kind = rng.choice(["text", "random"])
        start = rng.randrange(0, len(text) - size)
        data = text[start : start + size] if kind == "text" else rng.randbytes(size)
        (work / f"p{i}.bin").write_bytes(data)
        out = work / f"s{i}.jpg"
        if a.tool == "steghide":
            pw = rng.choice(common) if a.passphrase == "common" else ""
            cmd = ["steghide", "embed", "-cf", str(ROOT / c), "-ef", str(work / f"p{i}.bin"),
                   "-sf", str(out), "-p", pw, "-q", "-f"]
        elif a.tool == "outguess":
            key = ["-k", rng.choice(common)] if a.passphrase == "common" else []
            cmd = ["outguess", *key, "-d", str(work / f"p{i}.bin"), str(ROOT / c), str(out)]
        else:
            pw = rng.choice([p for p in common if p])
            cmd = ["node", f5, "-e", "-p", pw, str(ROOT / c), str(work / f"p{i}.bin"), str(out)]
        r = subprocess.run(cmd, capture_output=True, timeout=300)
        if r.returncode == 0 and out.exists():
            made[out.name] = (size, kind, data)
        else:
            skipped += 1
    files = sorted(str(work / n) for n in made)
    blind = collections.Counter()
    if a.tool == "f5stegojs":
        scan = subprocess.run([a.bin, "scan", "--no-progress", "--format", "jsonl", *files],
                              capture_output=True, text=True)
        for line in scan.stdout.splitlines():
            r = json.loads(line)
            size, kind, _ = made[pathlib.Path(r["path"]).name]
            blind[(size, kind)] += bool(r.get("is_stego"))
        pwfile = work / "passwords.txt"
        pwfile.write_text("\n".join(p for p in common if p) + "\n")
        extra = ["--passphrases", str(pwfile)]
    else:
        extra = []
    t0 = time.monotonic()
    scan = subprocess.run([a.bin, "scan", "--no-progress", "--format", "jsonl", *extra, *files],
                          capture_output=True, text=True)
    wall = time.monotonic() - t0
    tot, det, exact, prefix = (collections.Counter() for _ in range(4))
    for line in scan.stdout.splitlines():
        r = json.loads(line)
        size, kind, data = made[pathlib.Path(r["path"]).name]
        key = (size, kind)
        tot[key] += 1
        method, analysis = {"steghide": ("jpeg.steghide", "steghide-passphrase"),
                            "outguess": ("jpeg.outguess", "outguess-key"),
                            "f5stegojs": ("jpeg.f5", "f5-key")}[a.tool]
        if r.get("method") == method and any(f["analysis"] == analysis for f in r["findings"]):
            det[key] += 1
            p = r.get("payload") or {}
            got = base64.b64decode(p["base64"]) if "base64" in p else (p.get("text") or "").encode()
            exact[key] += got == data
            # OutGuess drops the bits its selection places past the last coefficient
            prefix[key] += len(got) < len(data) and data.startswith(got)
    print(f"covers {len(covers)}, embedded {len(made)}, too small for the drawn size {skipped}; work dir {work}")
    if a.tool == "f5stegojs":
        print(f"scan with the {len([p for p in common if p])} passwords: {wall:.1f} s wall for {len(files)} files")
        print("| payload | kind | n | flagged without the password | opened with the list | payload byte-exact | exact but cut short |")
        print("|---|---|---|---|---|---|---|")
        for key in sorted(tot):
            print(f"| {key[0]} B | {key[1]} | {tot[key]} | {blind[key]} | {det[key]} | {exact[key]} | {prefix[key]} |")
        print(f"| all | | {sum(tot.values())} | {sum(blind.values())} | {sum(det.values())} | {sum(exact.values())} | {sum(prefix.values())} |")
        return
    print(f"{a.tool}: | payload | kind | n | detected | payload byte-exact | exact but cut short |")
    print("|---|---|---|---|---|---|")
    for key in sorted(tot):
        print(f"| {key[0]} B | {key[1]} | {tot[key]} | {det[key]} | {exact[key]} | {prefix[key]} |")
    print(f"| all | | {sum(tot.values())} | {sum(det.values())} | {sum(exact.values())} | {sum(prefix.values())} |")


if __name__ == "__main__":
    main()
