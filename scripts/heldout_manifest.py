#!/usr/bin/env python3
"""A labelled held-out set for `stegodetect validate` (make validate-heldout): every image of
data/heldout and data/heldout2 (never trained on) as clean, and stego made with `stegodetect embed`
from every data/heldout cover with each of the five methods, payloads cut from the Starlight seed
texts at 16, 64, 256 or 1024 bytes (fixed seed). Writes OUT/manifest.csv and OUT/stego/.

    python scripts/heldout_manifest.py OUT
"""
import pathlib
import random
import subprocess
import sys

IMAGES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")


def images(root: str) -> list:
    return sorted(p for p in pathlib.Path(root).rglob("*")
                  if p.is_file() and ".debs" not in p.parts and p.suffix.lower() in IMAGES)


def main() -> int:
    out = pathlib.Path(sys.argv[1])
    stego = out / "stego"
    stego.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    seeds = sorted(pathlib.Path("../shared/data/starlight-sample/seeds").glob("*"))
    covers = images("data/heldout")
    rows = ["path,label,method,payload_file,source"]
    for p in covers + images("data/heldout2"):
        rows.append(f"{p.resolve()},clean,,,{p.parts[1]}")
    for i, c in enumerate(covers):
        for m in ("alpha", "palette", "lsb.rgb", "exif", "raw"):
            pay = stego / f"{i}-{m}.bin"
            pay.write_bytes(seeds[(i + len(m)) % len(seeds)].read_bytes()[:rng.choice([16, 64, 256, 1024])])
            o = stego / f"{i}-{m}.{'jpg' if m == 'exif' else 'gif' if m == 'palette' else 'png'}"
            r = subprocess.run(["target/release/stegodetect", "embed", "--method", m, "--payload-file", str(pay),
                                "--no-sidecar", "-o", str(o), str(c)], capture_output=True)
            if r.returncode == 0:
                rows.append(f"{o.resolve()},stego,{m},{pay.resolve()},{c.parts[1]}")
    (out / "manifest.csv").write_text("\n".join(rows) + "\n")
    print(f"{len(rows) - 1} labelled images in {out / 'manifest.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
