#!/usr/bin/env python3
"""steghide and OutGuess output made from the clean originals of a manifest: the held-out JPEGs
(scripts/jpeg_heldout.sh, jpeg_heldout_b.sh), for measuring the learned JPEG model on sources it
was not trained on, or the training set's (with --stego-only), for more training data. The same tool settings,
payload sizes (32 B - 3 KB, text and random) and OutGuess controls as scripts/jpeg_data.py.

    .venv-jpeg/bin/python scripts/jpeg_heldout_stego.py [--steghide 300] [--outguess 300] [--nsf5 0] [--juniward 0]

Writes data/jpeg-heldout-stego/{stego,clean}/... and data/jpeg-heldout-stego/manifest.csv (the held-out
clean originals, the stego files and the OutGuess controls; columns as data/jpeg/manifest.csv).
"""
import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jpeg_data as jd  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heldout", default="data/jpeg-heldout/manifest.csv")
    ap.add_argument("--out", default="data/jpeg-heldout-stego")
    ap.add_argument("--steghide", type=int, default=300)
    ap.add_argument("--outguess", type=int, default=300)
    ap.add_argument("--nsf5", type=int, default=0, help="nsF5 (conseal) files per rate (rates as jpeg_data.py)")
    ap.add_argument("--juniward", type=int, default=0, help="J-UNIWARD (conseal) files per rate")
    ap.add_argument("--stego-only", action="store_true",
                    help="write only the stego files and OutGuess controls to the manifest (for more training data)")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    clean = []
    for r in csv.DictReader(open(a.heldout)):
        if r.get("label", "clean") != "clean" or r.get("tool", "original") != "original":
            continue
        try:
            q, prog, _, _ = jd.jpeg_info(r["path"])
        except Exception:  # unreadable originals (set C's goexif samples) are no covers
            continue
        clean.append(dict(path=r["path"], label="clean", tool="original", param="", payload_bytes=0, cover="",
                          source=r["source"], quality=q, progressive=prog))
    covers = jd.cover_pool(clean)
    problems = []
    made = jd.step_steghide(out, covers, a.steghide, problems) + \
        jd.step_outguess(out, covers[len(covers) // 2:], a.outguess, problems)
    # conseal's covers from the other end of the pool (steghide takes its first ones)
    rev = covers[::-1]
    if a.nsf5:
        made += jd.step_conseal(out, rev, "nsF5", jd.NSF5_RATES, a.nsf5, problems)
    if a.juniward:
        made += jd.step_conseal(out, rev[len(rev) // 2:], "J-UNIWARD", jd.JUNI_RATES, a.juniward, problems)
    rows = made if a.stego_only else clean + made
    with open(out / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=jd.FIELDS)
        w.writeheader()
        w.writerows(rows)
    (out / "problems.txt").write_text("\n".join(problems) + "\n")
    jd.log(f"{len(rows)} rows, {len(problems)} problems")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
