#!/usr/bin/env python3
"""Build the JPEG steganalysis data set under data/jpeg/ (issue 16). Called by scripts/jpeg_data.sh,
which fetches data/jpeg/raw/<package>/ first. Run with .venv-jpeg/bin/python (conseal, jpeglib, Pillow).

Steps (each skips outputs that already exist; plans are drawn from fixed seeds):
  clean     valid, de-duplicated JPEGs from raw/<pkg>/ -> clean/<pkg>/ (capped per source)
  reencode  Pillow re-encodes -> clean/reencode-single/, clean/reencode-double/ (+ reencode.csv)
  steghide  steghide 0.5.1 default settings, payloads 32..3000 bytes -> stego/steghide/<bytes>/
  outguess  outguess 0.4 (-p quality), payloads 32..3000 bytes -> stego/outguess/<bytes>/, and
            clean/outguess-control/ (same cover decoded + re-saved by Pillow at the same quality)
  conseal   nsF5 (0.05..0.4 bpnzAC) and J-UNIWARD (0.2, 0.4) on Y via jpeglib -> stego/<tool>/<rate>/,
            and clean/jpeglib-rewrite/ (the unmodified cover DCT written by jpeglib the same way)
  manifest  manifest.csv, covers.csv, counts.txt
"""
import argparse
import csv
import hashlib
import io
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

Image.MAX_IMAGE_PIXELS = 200_000_000

SIZES = [32, 100, 400, 1000, 3000]
NSF5_RATES = [0.05, 0.1, 0.2, 0.4]
JUNI_RATES = [0.2, 0.4]
STD_LUM = np.array([16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
                    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
                    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99])
FIELDS = ["path", "label", "tool", "param", "payload_bytes", "cover", "source", "quality", "progressive"]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def ijg_tables():
    out = {}
    for q in range(1, 101):
        s = 5000 / q if q < 50 else 200 - 2 * q
        out[q] = np.clip((STD_LUM * s + 50) // 100, 1, 255)
    return out


IJG = ijg_tables()


def est_quality(im):
    """IJG quality whose luminance table sum is closest (order independent); '' if not a JPEG."""
    q = getattr(im, "quantization", None)
    if not q:
        return ""
    t = np.array(q[min(q)])
    s = t.sum()
    return min(IJG, key=lambda k: abs(IJG[k].sum() - s))


def jpeg_info(path):
    with Image.open(path) as im:
        return est_quality(im), int(bool(im.info.get("progressive") or im.info.get("progression"))), im.size, im.mode


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def flat(name):
    return name.replace("/", "__").replace(" ", "_")


# ------------------------------------------------------------------------------------------------
def step_clean(out, pkgs, cap):
    rows, seen = [], set()
    for pkg in pkgs:
        raw = out / "raw" / pkg
        if not raw.is_dir():
            log("missing raw", pkg)
            continue
        dst = out / "clean" / pkg
        cand = []
        for f in sorted(raw.iterdir()):
            if f.suffix.lower() not in (".jpg", ".jpeg"):
                continue
            b = f.read_bytes()
            if b[:3] != b"\xff\xd8\xff":
                continue
            h = hashlib.sha256(b).hexdigest()
            if h in seen:
                continue
            try:
                with Image.open(f) as im:
                    if im.format != "JPEG" or min(im.size) < 32:
                        continue
                    im.load()
            except Exception:
                continue
            seen.add(h)
            cand.append((h, f))
        cand.sort()  # deterministic, content-based sample
        used = set()
        for h, f in cand[:cap]:
            d = dst / (f.stem + ".jpg")
            if d.name in used:  # e.g. x.jpg and x.jpeg in one package
                d = dst / (f.stem + "_" + f.suffix[1:].lower() + ".jpg")
            used.add(d.name)
            if not d.exists():
                dst.mkdir(parents=True, exist_ok=True)
                d.write_bytes(f.read_bytes())
            q, prog, size, mode = jpeg_info(d)
            rows.append(dict(path=str(d), label="clean", tool="original", param="", payload_bytes=0,
                             cover="", source=pkg, quality=q, progressive=prog))
        log(f"clean {pkg}: {min(len(cand), cap)} of {len(cand)}")
    return rows


def photo_like(im):
    if min(im.size) < 256:
        return False
    if im.mode in ("RGBA", "LA", "P"):
        a = np.asarray(im.convert("RGBA").resize((128, 128)))[..., 3]
        if (a < 250).mean() > 0.01:
            return False
    t = np.asarray(im.convert("RGB").resize((128, 128)))
    return len(np.unique(t.reshape(-1, 3), axis=0)) > 3000


def reencode_pool(out, jpeg_pkgs, pix_pkgs, clean_rows):
    """(origin path, source, kind) for photo-like images: clean JPEG originals and raw PNG/WebP."""
    cache = out / "reencode_pool.csv"
    if cache.exists():
        with open(cache) as fh:
            return [tuple(r) for r in csv.reader(fh)]
    pool = []
    for r in clean_rows:
        try:
            with Image.open(r["path"]) as im:
                if im.mode in ("RGB", "L") and min(im.size) >= 256:
                    pool.append((r["path"], r["source"], "jpeg"))
        except Exception:
            pass
    seen = set()
    for pkg in list(jpeg_pkgs) + list(pix_pkgs):
        raw = out / "raw" / pkg
        if not raw.is_dir():
            continue
        for f in sorted(raw.iterdir()):
            if f.suffix.lower() not in (".png", ".webp"):
                continue
            try:
                h = sha(f)
                if h in seen:
                    continue
                seen.add(h)
                with Image.open(f) as im:
                    if photo_like(im):
                        pool.append((str(f), pkg, f.suffix.lower()[1:]))
            except Exception:
                continue
    with open(cache, "w", newline="") as fh:
        csv.writer(fh).writerows(pool)
    return pool


def load_rgb(path, long_max, scale):
    im = Image.open(path)
    if im.format == "JPEG":
        im.draft("RGB", (int(im.size[0] * scale), int(im.size[1] * scale)))
    im = im.convert("RGB") if im.mode not in ("L",) else im
    w, h = im.size
    s = min(scale, long_max / max(w, h)) if max(w, h) * scale > long_max else scale
    if s < 0.999:
        im = im.resize((max(16, round(w * s)), max(16, round(h * s))), Image.LANCZOS)
    return im


def save_kw(rng, q):
    sub = rng.choices([2, 0, 1], weights=[6, 3, 1])[0]  # 4:2:0, 4:4:4, 4:2:2
    prog = rng.random() < 0.5
    opt = prog or rng.random() < 0.5
    return dict(quality=q, subsampling=sub, progressive=prog, optimize=opt)


SUBNAME = {2: "4:2:0", 0: "4:4:4", 1: "4:2:2"}


def step_reencode(out, pool, n_single, n_double):
    rng = random.Random(16)
    items = sorted(pool)
    rng.shuffle(items)
    rows, recs = [], []
    plan = [("single", o) for o in items[:n_single]]
    rest = items[n_single:] + items[:max(0, n_single + n_double - len(items))]
    plan += [("double", o) for o in rest[:n_double]]
    for i, (kind, (origin, src, okind)) in enumerate(plan):
        r = random.Random(f"{kind}:{origin}")
        q2 = r.randint(60, 98)
        kw = save_kw(r, q2)
        # JPEG origins are always rescaled (grid broken) so "single" means single compression
        scale = r.uniform(0.5, 0.9) if okind == "jpeg" else (1.0 if r.random() < 0.5 else r.uniform(0.5, 1.0))
        q1 = ""
        if kind == "double":
            q1 = r.randint(60, 98)
            while abs(q1 - q2) < 3:
                q1 = r.randint(60, 98)
            sub1 = r.choice([2, 0, kw["subsampling"]])
        name = f"{i:05d}_{src}__{Path(origin).stem}.jpg"
        d = out / "clean" / f"reencode-{kind}" / name
        if not d.exists():
            try:
                im = load_rgb(origin, 1600, scale)
                if kind == "double":
                    buf = io.BytesIO()
                    im.save(buf, "JPEG", quality=q1, subsampling=sub1)
                    buf.seek(0)
                    im = Image.open(buf)
                    im.load()
                d.parent.mkdir(parents=True, exist_ok=True)
                tmp = d.with_suffix(".tmp")
                im.save(tmp, "JPEG", **kw)
                tmp.rename(d)
            except Exception as e:
                log("reencode fail", origin, e)
                continue
        with Image.open(d) as im:
            w, h = im.size
        recs.append(dict(path=str(d), kind=kind, origin=origin, source=src, q1=q1, quality=q2,
                         progressive=int(kw["progressive"]), optimize=int(kw["optimize"]),
                         subsampling=SUBNAME[kw["subsampling"]],
                         subsampling1=SUBNAME[sub1] if kind == "double" else "", width=w, height=h))
        rows.append(dict(path=str(d), label="clean", tool=f"reencode-{kind}",
                         param=f"q{q1}>q{q2}" if kind == "double" else f"q{q2}", payload_bytes=0, cover="",
                         source=src, quality=q2, progressive=int(kw["progressive"])))
        if (i + 1) % 500 == 0:
            log(f"reencode {i + 1}/{len(plan)}")
    with open(out / "reencode.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(recs[0].keys()))
        w.writeheader()
        w.writerows(recs)
    return rows


# ------------------------------------------------------------------------------------------------
TEXT = None


def payload(seed, n):
    global TEXT
    r = random.Random(seed)
    if r.random() < 0.5:
        return r.randbytes(n), "random"
    if TEXT is None:
        TEXT = b"\n".join(Path(p).read_bytes() for p in sorted(Path("/usr/share/common-licenses").glob("*"))
                          if Path(p).is_file())
    o = r.randrange(0, len(TEXT) - n)
    return TEXT[o:o + n], "text"


def cover_pool(rows):
    """covers: clean originals + re-encodes, RGB/gray, 128 <= sides, long side <= 1600."""
    pool = []
    for r in rows:
        if r["tool"] not in ("original", "reencode-single", "reencode-double"):
            continue
        try:
            with Image.open(r["path"]) as im:
                if im.mode in ("RGB", "L") and min(im.size) >= 128 and max(im.size) <= 1600:
                    pool.append(dict(r, mode=im.mode))
        except Exception:
            pass
    pool.sort(key=lambda r: r["path"])
    random.Random(1616).shuffle(pool)
    return pool


def steghide_capacity(path):
    p = subprocess.run(["steghide", "info", "-p", "", path], capture_output=True, text=True, timeout=60)
    for line in (p.stdout + p.stderr).splitlines():
        line = line.strip()
        if line.startswith("capacity:"):
            v, unit = line.split()[1:3]
            return float(v) * {"Byte": 1, "Bytes": 1, "KB": 1024, "MB": 1024 ** 2}.get(unit, 1)
    return 0


def pick_sizes(counts, fits):
    """sizes to try, largest-deficit first among those that fit, then smaller fallbacks"""
    if not fits:
        return []
    first = min(fits, key=lambda s: (counts[s], -s))
    return [first] + [s for s in sorted(fits, reverse=True) if s < first]


def oneline(s):
    return " ".join(s.split())[-240:]


def step_steghide(out, covers, n, problems):
    rows, counts = [], {s: 0 for s in SIZES}
    for c in covers:
        if len(rows) >= n:
            break
        cap = steghide_capacity(c["path"])
        # steghide compresses (and encrypts) the payload; keep a margin for its header
        fits = [s for s in SIZES if s <= 0.8 * cap]
        if not fits:
            problems.append(f"steghide: capacity {cap:.0f} B too small: {c['path']}")
            continue
        # an existing output (earlier run) fixes the size
        name = Path(c["path"]).parent.name + "__" + Path(c["path"]).name
        done = [s for s in SIZES if (out / "stego" / "steghide" / str(s) / name).exists()]
        for size in (done[:1] or pick_sizes(counts, fits)):
            data, kind = payload(f"steghide:{c['path']}:{size}", size)
            d = out / "stego" / "steghide" / str(size) / name
            if not d.exists():
                d.parent.mkdir(parents=True, exist_ok=True)
                pf = out / "payload.tmp"
                pf.write_bytes(data)
                p = subprocess.run(["steghide", "embed", "-cf", c["path"], "-ef", str(pf), "-sf", str(d), "-p",
                                    "PASS", "-q", "-f"], capture_output=True, text=True, timeout=300)
                if p.returncode != 0 or not d.exists():
                    problems.append(f"steghide: {size} B rc {p.returncode} {oneline(p.stderr)}: {c['path']}")
                    d.unlink(missing_ok=True)
                    continue
            q, prog, _, _ = jpeg_info(d)
            rows.append(dict(path=str(d), label="stego", tool="steghide", param=f"{size}B-{kind}",
                             payload_bytes=size, cover=c["path"], source=c["source"], quality=q, progressive=prog))
            counts[size] += 1
            break
    log(f"steghide: {len(rows)}")
    return rows


def step_outguess(out, covers, n, problems):
    rows, counts, k = [], {s: 0 for s in SIZES}, 0
    for c in covers:
        if k >= n:
            break
        if c["mode"] != "RGB":  # outguess 0.4 rejects grayscale ("Bogus input colorspace")
            continue
        # two thirds with outguess's default quality 75, one third with -p <cover's estimated quality>
        cq = c["quality"] if isinstance(c["quality"], int) else 75
        i = int(hashlib.sha256(c["path"].encode()).hexdigest()[:8], 16)
        q = 75 if i % 3 else int(min(95, max(60, cq)))
        name = Path(c["path"]).parent.name + "__" + Path(c["path"]).name
        ctl = out / "clean" / "outguess-control" / name
        done = [s for s in SIZES if (out / "stego" / "outguess" / str(s) / name).exists()]
        for size in (done[:1] or pick_sizes(counts, SIZES)):
            data, kind = payload(f"outguess:{c['path']}:{size}", size)
            d = out / "stego" / "outguess" / str(size) / name
            if not d.exists():
                d.parent.mkdir(parents=True, exist_ok=True)
                pf = out / "payload.tmp"
                pf.write_bytes(data)
                p = subprocess.run(["outguess", "-k", "KEY", "-p", str(q), "-d", str(pf), c["path"], str(d)],
                                   capture_output=True, text=True, timeout=300)
                if p.returncode != 0 or not d.exists() or d.stat().st_size == 0:
                    problems.append(f"outguess: {size} B rc {p.returncode} {oneline(p.stderr)}: {c['path']}")
                    d.unlink(missing_ok=True)
                    continue
            if not ctl.exists():
                # control: same decode -> re-encode at the same quality, 4:2:0 baseline, standard Huffman
                ctl.parent.mkdir(parents=True, exist_ok=True)
                with Image.open(c["path"]) as im:
                    im.convert("RGB").save(ctl, "JPEG", quality=q, subsampling=2, optimize=False)
            sq, sprog, _, _ = jpeg_info(d)
            rows.append(dict(path=str(d), label="stego", tool="outguess", param=f"{size}B-{kind}-q{q}",
                             payload_bytes=size, cover=c["path"], source=c["source"], quality=sq,
                             progressive=sprog))
            cq2, cprog, _, _ = jpeg_info(ctl)
            rows.append(dict(path=str(ctl), label="clean", tool="outguess-control", param=f"q{q}",
                             payload_bytes=0, cover=c["path"], source=c["source"], quality=cq2,
                             progressive=cprog))
            counts[size] += 1
            k += 1
            break
    log(f"outguess: {k} (+ controls)")
    return rows


def step_conseal(out, covers, tool, rates, n, problems):
    import conseal as cl
    import jpeglib
    rows = []
    per = len(covers) // len(rates)
    for k, rate in enumerate(rates):
        made = 0
        for c in covers[k * per:(k + 1) * per]:
            if made >= n:
                break
            name = Path(c["path"]).parent.name + "__" + Path(c["path"]).name
            d = out / "stego" / tool / f"{rate:g}" / name
            ctl = out / "clean" / "jpeglib-rewrite" / name
            seed = int(hashlib.sha256(f"{tool}:{rate}:{c['path']}".encode()).hexdigest()[:8], 16)
            try:
                if not d.exists() or not ctl.exists():
                    im = jpeglib.read_dct(c["path"])
                    y0 = im.Y
                    if cl.tools.dct.nzAC(y0) < 2000:  # (nearly) flat image: nothing to embed into
                        problems.append(f"{tool} {rate}: nzAC {cl.tools.dct.nzAC(y0)} < 2000, skipped: {c['path']}")
                        continue
                    if not ctl.exists():
                        ctl.parent.mkdir(parents=True, exist_ok=True)
                        im.write_dct(str(ctl))
                    if not d.exists():
                        if tool == "nsF5":
                            y1 = cl.nsF5.simulate_single_channel(y0=y0, alpha=rate, seed=seed)
                        else:
                            qt = im.qt[im.quant_tbl_no[0]] if im.quant_tbl_no is not None else im.qt[0]
                            x0 = cl.tools.decompress.decompress_channel(y0, qt)
                            y1 = cl.juniward.simulate_single_channel(x0=x0, y0=y0, qt=qt, alpha=rate, seed=seed)
                        im.Y = y1
                        d.parent.mkdir(parents=True, exist_ok=True)
                        im.write_dct(str(d))
                        nz = int(cl.tools.dct.nzAC(y0))
                        (d.parent / (d.name + ".bits")).write_text(f"{int(rate * nz)}\n")
            except Exception as e:
                problems.append(f"{tool} {rate}: {type(e).__name__} {oneline(str(e))}: {c['path']}")
                d.unlink(missing_ok=True)
                continue
            bits_f = d.parent / (d.name + ".bits")
            nbytes = int(bits_f.read_text()) // 8 if bits_f.exists() else ""
            q, prog, _, _ = jpeg_info(d)
            rows.append(dict(path=str(d), label="stego", tool=tool, param=f"{rate:g}", payload_bytes=nbytes,
                             cover=c["path"], source=c["source"], quality=q, progressive=prog))
            cq, cprog, _, _ = jpeg_info(ctl)
            rows.append(dict(path=str(ctl), label="clean", tool="jpeglib-rewrite", param=f"for-{tool}",
                             payload_bytes=0, cover=c["path"], source=c["source"], quality=cq, progressive=cprog))
            made += 1
        log(f"{tool} {rate}: done")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/jpeg")
    env = lambda k, d: int(os.environ.get(k, d))
    ap.add_argument("--per-source-cap", type=int, default=env("PER_SOURCE_CAP", 600))
    ap.add_argument("--reencode-single", type=int, default=env("REENC_SINGLE_N", 3500))
    ap.add_argument("--reencode-double", type=int, default=env("REENC_DOUBLE_N", 1500))
    ap.add_argument("--steghide", type=int, default=env("STEGHIDE_N", 500))
    ap.add_argument("--outguess", type=int, default=env("OUTGUESS_N", 500))
    ap.add_argument("--nsf5", type=int, default=env("NSF5_N", 150), help="covers per rate")
    ap.add_argument("--juniward", type=int, default=env("JUNI_N", 150), help="covers per rate")
    ap.add_argument("--prune", action="store_true", help="delete generated JPEGs not in the new manifest")
    ap.add_argument("--steps", default="clean,reencode,steghide,outguess,nsF5,J-UNIWARD")
    a = ap.parse_args()
    out = Path(a.out)
    jpeg_pkgs = os.environ.get("JPEG_PKGS_LIST", "").split() or sorted(
        p.name for p in (out / "raw").iterdir() if p.is_dir())
    pix_pkgs = os.environ.get("PIX_PKGS_LIST", "").split()
    steps = a.steps.split(",")
    t0 = time.time()
    problems = []
    rows = step_clean(out, jpeg_pkgs, a.per_source_cap)
    if "reencode" in steps:
        pool = reencode_pool(out, jpeg_pkgs, pix_pkgs, rows)
        log(f"re-encode pool: {len(pool)} photo-like images")
        rows += step_reencode(out, pool, a.reencode_single, a.reencode_double)
    covers = cover_pool(rows)
    log(f"cover pool: {len(covers)}")
    # disjoint cover subsets per tool (and per rate for nsF5/J-UNIWARD)
    plan = [("steghide", a.steghide), ("outguess", a.outguess), ("nsF5", a.nsf5 * len(NSF5_RATES)),
            ("J-UNIWARD", a.juniward * len(JUNI_RATES))]
    start, sub = 0, {}
    for tool, n in plan:
        n = int(n * 1.5)  # spares for covers a tool cannot use
        sub[tool] = covers[start:start + n]
        start += n
    if start > len(covers):
        log(f"WARNING: {start} covers wanted, {len(covers)} available")
    if "steghide" in steps:
        rows += step_steghide(out, sub["steghide"], a.steghide, problems)
    if "outguess" in steps:
        rows += step_outguess(out, sub["outguess"], a.outguess, problems)
    if "nsF5" in steps:
        rows += step_conseal(out, sub["nsF5"], "nsF5", NSF5_RATES, a.nsf5, problems)
    if "J-UNIWARD" in steps:
        rows += step_conseal(out, sub["J-UNIWARD"], "J-UNIWARD", JUNI_RATES, a.juniward, problems)
    (out / "payload.tmp").unlink(missing_ok=True)

    with open(out / "manifest.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    with open(out / "covers.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["cover", "tool", "stego"])
        for r in rows:
            if r["label"] == "stego":
                w.writerow([r["cover"], r["tool"], r["path"]])
    if a.prune and set(steps) >= {"reencode", "steghide", "outguess", "nsF5", "J-UNIWARD"}:
        keep = {r["path"] for r in rows}
        for f in list((out / "stego").rglob("*.jpg")) + list((out / "clean").rglob("*.jpg")):
            if str(f) not in keep:
                log("prune", f)
                f.unlink()
                Path(str(f) + ".bits").unlink(missing_ok=True)
    counts = {}
    for r in rows:
        p = r["param"]
        if r["tool"] in ("steghide", "outguess"):
            p = p.split("-")[0] + ("" if r["tool"] == "steghide" else "-" + ("q75" if p.endswith("-q75") else "q-cover"))
        elif r["tool"].startswith("reencode"):
            p = ""
        elif r["tool"] == "outguess-control":
            p = "q75" if p == "q75" else "q-cover"
        counts[(r["label"], r["tool"], p)] = counts.get((r["label"], r["tool"], p), 0) + 1
    lines = [f"{l},{t},{p},{n}" for (l, t, p), n in sorted(counts.items())]
    (out / "counts.txt").write_text("label,tool,param,count\n" + "\n".join(lines) + "\n")
    (out / "problems.log").write_text("\n".join(problems) + "\n")
    print("\n".join(lines))
    log(f"{len(rows)} rows, {len(problems)} problems, {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
