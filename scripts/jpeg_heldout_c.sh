#!/usr/bin/env bash
# A third held-out set of clean JPEGs, fresh for the rules as they stand after the ninth session's
# jsteg changes (sets A and B were looked at while changing them): Debian packages that no script,
# doc or model card of this project names (picked from bookworm's Contents-all/-amd64 index by their
# number of JPEG files; near-copies of used packages left out: endless-sky-high-dpi,
# neverball-common), de-duplicated by SHA-256 against every JPEG used before (sets A and B included),
# plus cjpeg / Pillow re-saves of these originals (scripts/jpeg_reencode.py). The originals are
# pinned by scripts/pins/jpeg_heldout_c.sha256 (the set as rebuilt in the eleventh session: 2,331
# originals; the de-duplication alone depends on what is on disk). Measure on it once;
# never tune on it. Needs apt-get/dpkg, cjpeg/djpeg (libjpeg-turbo-progs) and .venv (Pillow).
#   bash scripts/jpeg_heldout_c.sh      # data/jpeg-heldout-c/{<package>,reencode}/, reencode/manifest.csv
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/jpeg-heldout-c
mkdir -p "$out"
command -v cjpeg >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjpeg-turbo-progs >/dev/null
EXCLUDE_DIRS="data/jpeg/clean data/jpeg/raw $(echo data/heldout*) data/corpus data/jpeg-heldout data/jpeg-heldout-b" JPEG_HELDOUT_OUT="$out" PIN="${PIN-scripts/pins/jpeg_heldout_c.sha256}" CAP="${CAP:-300}" PKGS="${PKGS:-liggghts-doc marble-qt-data autopsy libxerces-c-doc
  libjs-of-ocaml-doc castle-game-engine-doc rakarrack pike8.0-doc redet-doc scratch
  golang-github-rwcarlsen-goexif-dev coreboot-utils-doc gnome-control-center-data libqglviewer-doc nip2
  libosd-doc zaz-data xracer powermanga-data php-horde python3-pattern krank psychtoolbox-3-common
  macaulay2-common morse-simulator-doc vdradmin-am gem-doc freedombox-doc-en python3-bmtk-doc
  widelands-data texlive-science texlive-lang-arabic python3-pyimagetool mh-book lightsoff btanks-data
  trackballs-data sqlite3-doc puredata-doc bumprace-data qt5-doc-html qt3d5-examples mm3d sdl-ball-data
  qtbase5-examples povray-doc golang-1.19-src gap-hap sasview-doc}" bash scripts/jpeg_heldout.sh
.venv/bin/python scripts/jpeg_reencode.py --target "${TARGET:-10500}" --out "$out/reencode" \
  "$out/manifest.csv"
