#!/usr/bin/env bash
# Reproducible data for JPEG-domain steganalysis (issue 16), written under data/jpeg/ (git-ignored).
#   1. clean JPEGs from Debian packages (data/jpeg/clean/<package>/), plus Pillow re-encodes
#      (clean/reencode-single, clean/reencode-double; parameters in data/jpeg/reencode.csv)
#   2. stego JPEGs from real tools: steghide, outguess (+ clean re-encode controls), and
#      nsF5 / J-UNIWARD simulated with conseal on luminance (+ clean jpeglib rewrite controls)
#   3. data/jpeg/manifest.csv: path,label,tool,param,payload_bytes,cover,source,quality,progressive
# Idempotent: packages already unpacked and images already written are skipped; the plan (which
# covers, which parameters) is drawn from fixed seeds, so a rerun writes the same manifest.
# Needs root apt access to the Debian mirror and PyPI (for .venv-jpeg). Runs niced, one process.
# Knobs (env): JPEG_OUT, PER_SOURCE_CAP, REENC_SINGLE_N, REENC_DOUBLE_N, STEGHIDE_N, OUTGUESS_N,
#              NSF5_N (per rate), JUNI_N (per rate); see scripts/jpeg_data.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${JPEG_OUT:-data/jpeg}
# packages with real JPEGs (none of them used by scripts/fetch-corpus.sh)
jpeg_pkgs=${JPEG_PKGS:-"opencv-doc scorched3d-data endless-sky-data plasma-workspace-wallpapers neverball-data
  warmux-data stellarium-data freedroidrpg-data openshot-qt hugin-data wesnoth-1.16-data lugaru-data
  megaglest-data kphotoalbum pingus-data supertux-data tuxtype-data texlive-pictures-doc
  lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 palapeli-data tuxmath-data ukui-wallpapers
  python3-skimage digikam-data kstars-data foobillardplus-data xplanet-images"}
# packages whose PNG/WebP photos/textures feed the re-encodes only
pix_pkgs=${PIX_PKGS:-"gnome-backgrounds sway-backgrounds colobot-common-textures extremetuxracer-data
  marble-data debian-edu-artwork-emerald debian-edu-artwork-softwaves debian-edu-artwork-spacefun"}

# --- tools -------------------------------------------------------------------------------------
[ -n "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
if ! command -v steghide >/dev/null || ! command -v outguess >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq steghide outguess >/dev/null
fi
if [ ! -x .venv-jpeg/bin/python ]; then
  python3 -m venv .venv-jpeg
  .venv-jpeg/bin/pip install -q 'conseal==2025.11' 'jpeglib==1.0.2' 'pillow==13.0.0' 'numpy==2.4.6' 'scipy==1.17.1'
fi

# --- raw images from Debian packages -----------------------------------------------------------
mkdir -p "$out/.debs" "$out/raw"
fetch() { # $1 package, $2 find-expression name patterns (as words)
  local p=$1; shift
  [ -d "$out/raw/$p" ] && return 0
  (cd "$out/.debs" && ls "${p}"_*.deb >/dev/null 2>&1) ||
    (cd "$out/.debs" && apt-get download -qq "$p" >/dev/null 2>&1) ||
    { apt-get update -qq && (cd "$out/.debs" && apt-get download -qq "$p" >/dev/null 2>&1); }
  local tmp; tmp=$(mktemp -d)
  dpkg -x "$out"/.debs/"${p}"_*.deb "$tmp"
  rm -rf "$out/raw/$p.part"; mkdir -p "$out/raw/$p.part"
  local expr=() first=1
  for pat in "$@"; do
    [ $first = 1 ] || expr+=(-o); first=0; expr+=(-iname "$pat")
  done
  # flatten the path into the name so nothing collides
  find "$tmp" -type f \( "${expr[@]}" \) -print0 |
    while IFS= read -r -d '' f; do
      rel=${f#"$tmp"/}; cp "$f" "$out/raw/$p.part/$(echo "$rel" | tr '/ ' '__')"
    done
  rm -rf "$tmp"; mv "$out/raw/$p.part" "$out/raw/$p"
  echo "$p: $(ls "$out/raw/$p" | wc -l) files"
}
for p in $jpeg_pkgs; do fetch "$p" '*.jpg' '*.jpeg' '*.png' '*.webp'; done
for p in $pix_pkgs; do fetch "$p" '*.png' '*.webp' '*.jpg' '*.jpeg'; done

# --- clean set, re-encodes, stego, manifest ----------------------------------------------------
export JPEG_PKGS_LIST="$(echo $jpeg_pkgs)" PIX_PKGS_LIST="$(echo $pix_pkgs)"
nice -n 10 .venv-jpeg/bin/python scripts/jpeg_data.py --out "$out" "$@"
