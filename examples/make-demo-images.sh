#!/usr/bin/env bash
# Regenerate examples/images/: real clean covers (from tests/fixtures/clean, cut from the training
# sources) and stego made from them with `stegodetect embed`, one per method. Run from the repo root.
set -euo pipefail
bin=${STEGODETECT:-target/release/stegodetect}
fx=tests/fixtures/clean
out=examples/images
rm -rf "$out"; mkdir -p "$out"
cp $fx/rgb.png "$out/clean-photo.png"
cp $fx/camera_exif.jpg "$out/clean-camera.jpg"
cp $fx/static.gif "$out/clean-palette.gif"
cp $fx/rgba_natural_alpha.png "$out/clean-icon.png"
msg=$(mktemp)
printf 'Meet at the old lighthouse at dawn. Bring the second key.\n' > "$msg"
$bin embed --method alpha   --payload-file "$msg" -o "$out/stego-alpha.png"   $fx/rgb.png
$bin embed --method lsb.rgb --payload-file "$msg" --bit-order lsb-first -o "$out/stego-lsb.png" $fx/odd_size.png
$bin embed --method palette --payload-file "$msg" -o "$out/stego-palette.gif" $fx/static.gif
$bin embed --method exif    --payload-file "$msg" -o "$out/stego-exif.jpg"    $fx/baseline.jpg
$bin embed --method raw     --payload-file "$msg" -o "$out/stego-raw.webp"   $fx/lossless.webp
rm -f "$msg"
