#!/usr/bin/env bash
# A fifth held-out set of clean JPEGs (thirteenth session), fresh for everything as it stands after
# that session: Debian packages new in trixie (in its Contents-all / Contents-amd64 index, absent
# from bookworm's) with at least 3 JPEG files that no script, doc or model card of this project
# names, nor a package of the same stem (wesnoth-1.18 vs wesnoth-1.16, qt6 docs of modules the qt5
# docs of set D have, libdlib19.2 vs 19.1, imagemagick-7-doc, golang-1.24-src, petsc3.22, jmagick7,
# kdoctools6, the gimp-help and fisicalab translations, wims, budgie, gpredict, micropython, vdr
# left out), fetched from trixie's pool; de-duplicated by SHA-256 against every JPEG on disk (sets
# A-D included), at most 300 originals per package (any size: blender-doc is 233 MB), plus
# cjpeg / Pillow re-saves (scripts/jpeg_reencode.py): 967 originals of 31 packages, 5,000 files.
# Pinned by scripts/pins/jpeg_heldout_e.sha256. Measured once (docs/jpeg-domain.md); the one
# jsteg flag on a re-saved render was then looked at, so the set is no longer fully fresh for the
# jsteg rules. Needs curl, xz, dpkg, cjpeg/djpeg (libjpeg-turbo-progs), .venv.
#   bash scripts/jpeg_heldout_e.sh      # data/jpeg-heldout-e/{<package>,reencode}/, manifest.csv
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/jpeg-heldout-e
mkdir -p "$out"
command -v cjpeg >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjpeg-turbo-progs >/dev/null
pin=scripts/pins/jpeg_heldout_e.sha256
[ -f "$pin" ] || pin=""
EXCLUDE_DIRS="data/jpeg/clean data/jpeg/raw $(echo data/heldout*) data/corpus data/jpeg-heldout data/jpeg-heldout-b data/jpeg-heldout-c data/jpeg-heldout-d" \
  SUITE=trixie JPEG_HELDOUT_OUT="$out" PIN="${PIN-$pin}" CAP="${CAP:-300}" PKGS="${PKGS:-blender-doc
  qt6-quick3d-doc-html slm fisicalab.app-doc-en texmacs-base python3-scienceplots python3-datalab
  pysolfc librocfft-doc hardinfo2 qt6-httpserver-doc-html node-stdlib php-doc
  golang-github-edwvee-exiffix-dev raysession spip libbuteosyncfw5-doc opencl-1.2-html-doc
  python3-disptrans taskflow-doc c-evo-dh-data gnome-recipes-data satdump-data libgtsam-doc
  libuv1-doc coot-data libpoco-doc libfprint-2-tests turbosearch
  phosh-wallpapers arc-kde}" bash scripts/jpeg_heldout.sh
.venv/bin/python scripts/jpeg_reencode.py --target "${TARGET:-5000}" --out "$out/reencode" \
  "$out/manifest.csv"
