#!/usr/bin/env python3
"""Detection, tool naming and extraction on stego made by third-party tools (not ours).

For each cover (PNG/BMP/GIF/WebP/JPEG files under the given directories, converted to RGB or
RGBA PNG as the tool needs) and each payload size, hide a text payload (from the Starlight seeds)
and a random one (an encrypted stand-in) with:
  - stego-lsb (PyPI `stego-lsb`, LSBSteg) with 1 and 2 LSBs per channel;
  - stegano (PyPI `stegano`, lsb.hide), text only (it hides strings), when installed;
  - stepic (Debian / PyPI `stepic`, `stepic.encode`), text and random payloads, when installed;
  - with --embed, this project's own `stegodetect embed` (lsb.rgb, alpha, palette; both bit
    orders) with random payloads only, on covers of at least 128x128 (issue #14's sequential
    target: the payload has no text to find);
then scan everything with `stegodetect scan --format jsonl` and print per tool/setting/payload:
detected, tool named (of detected), payload byte-exact (of detected), with sample sizes.
The covers are scanned too: clean flagged = false positives of these covers.

    .venv/bin/python scripts/eval_tools.py [--max-covers N] DIR [DIR...]
Needs: Pillow, numpy, stego-lsb, stegano and stepic in the venv (`bash scripts/setup-python.sh --train`).
"""
import argparse
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "..", "shared", "data", "starlight-sample", "seeds")
SIZES = [32, 64, 128, 256, 512, 1500]


def covers(dirs, limit, rng):
    files = []
    for d in dirs:
        for ext in ("png", "bmp", "gif", "webp", "jpg", "jpeg"):
            files += glob.glob(os.path.join(d, "**", f"*.{ext}"), recursive=True)
    files.sort()
    rng.shuffle(files)
    out = []
    for f in files:
        try:
            im = Image.open(f)
            im.load()
        except Exception:
            continue
        if im.width < 64 or im.height < 64 or im.width * im.height > 4_000_000:
            continue
        out.append((f, im))
        if len(out) >= limit:
            break
    return out


def text_payload(rng, n):
    seeds = sorted(glob.glob(os.path.join(SEEDS, "*.md")))
    t = open(rng.choice(seeds), encoding="utf-8").read()
    while len(t.encode()) < n:
        t += " " + t
    b = t.encode()[:n]
    return b.decode("utf-8", "ignore").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--max-covers", type=int, default=40)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/stegodetect"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--embed", action="store_true", help="also random payloads through `stegodetect embed`")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    from stego_lsb import LSBSteg
    try:
        from stegano import lsb as stegano_lsb
    except Exception:
        stegano_lsb = None
    try:
        import stepic
    except Exception:
        stepic = None
    work = tempfile.mkdtemp(prefix="eval-tools-")
    cases = []  # (path, tool, setting, kind, size, payload)
    for i, (src, im) in enumerate(covers(a.dirs, a.max_covers, rng)):
        mode = "RGBA" if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info else "RGB"
        cover = im.convert(mode)
        cpath = os.path.join(work, f"c{i}.png")
        cover.save(cpath)
        cases.append((cpath, None, None, "clean", 0, b""))
        cap1 = cover.width * cover.height * len(cover.getbands()) // 8
        for size in SIZES:
            for kind in ("text", "random"):
                payload = text_payload(rng, size) if kind == "text" else os.urandom(size)
                for n in (1, 2):
                    if size + 8 > cap1 * n:
                        continue
                    out = os.path.join(work, f"s{i}-lsb{n}-{kind}-{size}.png")
                    st = LSBSteg.hide_message_in_image(cover.copy(), payload, n)
                    st.save(out)
                    cases.append((out, "stego-lsb", f"{n} LSB", kind, size, payload))
                if stegano_lsb and kind == "text" and size * 8 + 64 < cover.width * cover.height * 3:
                    out = os.path.join(work, f"s{i}-stegano-{size}.png")
                    stegano_lsb.hide(cover.copy(), payload.decode(), auto_convert_rgb=True).save(out)
                    cases.append((out, "stegano", "lsb", kind, size, payload))
                if stepic and size * 3 <= cover.width * cover.height:
                    out = os.path.join(work, f"s{i}-stepic-{kind}-{size}.png")
                    stepic.encode(cover.copy(), payload).save(out)
                    cases.append((out, "stepic", "lsb", kind, size, payload))
                if a.embed and kind == "random" and size in (64, 128, 512) and min(cover.size) >= 128:
                    pfile = os.path.join(work, f"p{i}-{size}.bin")
                    with open(pfile, "wb") as fh:
                        fh.write(payload)
                    for method, ext in (("lsb.rgb", "png"), ("alpha", "png"), ("palette", "gif")):
                        for order in ("msb-first", "lsb-first"):
                            if method == "alpha" and order == "msb-first":
                                continue  # alpha is always lsb-first with the AI42 prefix
                            out = os.path.join(work, f"s{i}-embed-{method}-{order}-{size}.{ext}")
                            r = subprocess.run([a.bin, "embed", "--method", method, "--payload-file", pfile,
                                                "--bit-order", order, "--no-sidecar", "-o", out, cpath],
                                               capture_output=True)
                            if r.returncode == 0:
                                cases.append((out, "embed", f"{method} {order}", kind, size, payload))
    paths = [c[0] for c in cases]
    res = {}
    for k in range(0, len(paths), 500):
        p = subprocess.run([a.bin, "scan", "--no-progress", "--format", "jsonl", *paths[k:k + 500]],
                           capture_output=True, text=True)
        for line in p.stdout.splitlines():
            r = json.loads(line)
            res[r["path"]] = r
    import base64
    stats = {}
    for path, tool, setting, kind, size, payload in cases:
        r = res[path]
        key = ("clean", "", "", 0) if tool is None else (tool, setting, kind, size)
        s = stats.setdefault(key, [0, 0, 0, 0, 0])
        s[0] += 1
        if r.get("error"):
            s[4] += 1
            continue
        if r["is_stego"]:
            s[1] += 1
            if r.get("tool") == tool:
                s[2] += 1
            pl = r.get("payload") or {}
            got = pl["text"].encode() if "text" in pl else base64.b64decode(pl.get("base64", ""))
            if got == payload:
                s[3] += 1
    print("| tool | setting | payload | bytes | n | detected | tool named | byte-exact | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in sorted(stats, key=lambda k: (k[0], k[1], k[2], k[3])):
        n, det, named, exact, err = stats[key]
        print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {n} | {det} | {named} | {exact} | {err} |")


if __name__ == "__main__":
    main()
