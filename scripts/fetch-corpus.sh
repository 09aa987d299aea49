#!/usr/bin/env bash
# Fetch the clean training/tuning image sources named in ../shared/data/README.md from Debian's archive
# and unpack their images into data/corpus/<package>/ (git-ignored). Used for false-positive measurement
# and, later, model training. Needs apt-get (Debian) and network access to the Debian mirror only.
set -euo pipefail
out=${1:-data/corpus}
pkgs=${PKGS:-"openclipart-png oxygen-icon-theme freeciv-data gimp-data tuxpaint-data apache2-data wordpress freedink-data desktop-base imagemagick-6-doc mate-backgrounds"}
mkdir -p "$out/.debs"
[ -n "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
for p in $pkgs; do
  if [ -d "$out/$p" ]; then continue; fi
  # a stale package index names versions the mirror no longer has (404): refresh once, retry
  (cd "$out/.debs" && apt-get download -qq "$p" >/dev/null 2>&1) ||
    { apt-get update -qq && (cd "$out/.debs" && apt-get download -qq "$p" >/dev/null); }
  tmp=$(mktemp -d)
  dpkg -x "$out"/.debs/"${p}"_*.deb "$tmp"
  mkdir -p "$out/$p.part"
  # keep image files only, flattened with their path in the name so nothing collides
  find "$tmp" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.gif' -o -iname '*.bmp' -o -iname '*.webp' \) -print0 |
    while IFS= read -r -d '' f; do
      rel=${f#"$tmp"/}; cp "$f" "$out/$p.part/$(echo "$rel" | tr '/ ' '__')"
    done
  rm -rf "$tmp"; mv "$out/$p.part" "$out/$p"
  echo "$p: $(ls "$out/$p" | wc -l) images"
done
