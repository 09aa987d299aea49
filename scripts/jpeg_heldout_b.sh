#!/usr/bin/env bash
# A second, larger held-out set of clean JPEGs for the JPEG-domain false-positive target
# (>= 10,000 clean JPEGs from >= 10 sources, re-saves and double compression included): 25 more
# Debian packages never used by the project (chosen from the Contents index by their number of
# JPEG files), de-duplicated against every JPEG used before including data/jpeg-heldout, then
# re-encodes of the originals of both held-out sets (scripts/jpeg_reencode.py). Measure on it
# once; never tune on it. Needs apt-get/dpkg, cjpeg/djpeg (libjpeg-turbo-progs) and .venv (Pillow).
#   bash scripts/jpeg_heldout_b.sh      # data/jpeg-heldout-b/{<package>,reencode}/, reencode/manifest.csv
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/jpeg-heldout-b
mkdir -p "$out"
command -v cjpeg >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjpeg-turbo-progs >/dev/null
EXCLUDE_DIRS="data/jpeg/clean data/jpeg/raw data/heldout data/heldout2 data/heldout3 data/heldout4 data/corpus data/jpeg-heldout" JPEG_HELDOUT_OUT="$out" PIN="${PIN-scripts/pins/jpeg_heldout_b.sha256}" CAP="${CAP:-400}" PKGS="${PKGS:-pysiogame libmed-doc nagios-images cube2-data cimg-doc
  gfxboot-themes libdlib19.1 whitedune-docs libxalan2-java-doc libvisp-doc blobandconquer-data z88-doc
  xsane-common libtango-doc eyes17 atlc pysatellites tdiary-theme libirrlicht-doc argyll-doc rocketcea
  mayavi2 wand-doc labelme-examples gimp-help-en}" bash scripts/jpeg_heldout.sh
.venv/bin/python scripts/jpeg_reencode.py --target "${TARGET:-10500}" --out "$out/reencode" \
  data/jpeg-heldout/manifest.csv "$out/manifest.csv"
