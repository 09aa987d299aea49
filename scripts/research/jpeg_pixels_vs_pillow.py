"""JPEG pixels of the library's coefficient path against Pillow's (libjpeg-turbo), file by file.

    cargo build --release --example jpeg_pixels
    find DIR... -iname '*.jp*g' > LIST
    .venv/bin/python scripts/research/jpeg_pixels_vs_pillow.py LIST

Decodes the files in batches with `examples/jpeg_pixels` (raw samples into a temporary folder,
removed as they are read) and compares each with `np.asarray(Image.open(f).convert(mode))`;
prints every file that differs, then the counts. Files the example cannot decode are not listed
by it and not counted.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image


def main():
    files = [line.strip() for line in open(sys.argv[1]) if line.strip()]
    same = diff = skipped = 0
    with tempfile.TemporaryDirectory() as out:
        for i in range(0, len(files), 20):
            batch = files[i : i + 20]
            r = subprocess.run(
                ["target/release/examples/jpeg_pixels", out] + batch,
                capture_output=True,
                text=True,
                check=True,
            )
            for line in r.stdout.splitlines():
                n, _w, _h, c, path = line.split(" ", 4)
                raw_path = os.path.join(out, f"{n}.raw")
                with open(raw_path, "rb") as f:
                    raw = f.read()
                os.remove(raw_path)
                try:
                    ref = np.asarray(Image.open(path).convert("L" if c == "1" else "RGB")).tobytes()
                except Exception:  # Pillow refuses it: nothing to compare with
                    skipped += 1
                    continue
                if ref == raw:
                    same += 1
                else:
                    diff += 1
                    print("DIFF", path)
    print(f"same {same} differ {diff} not read by Pillow {skipped} (of {len(files)} listed)")


if __name__ == "__main__":
    main()
