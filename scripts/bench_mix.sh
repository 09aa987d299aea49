#!/usr/bin/env bash
# A mixed benchmark set: up to 6 files over 30 KB from every source directory of the clean sets
# present (data/corpus, data/heldout*, the Starlight covers), picked by a fixed-seed shuffle, as
# symlinks in OUT (default target/bench-mix); then `stegodetect bench` on it, which reports scan
# against decode-only time overall and per format and size class.
# Usage: scripts/bench_mix.sh [OUT] [ROUNDS]
set -euo pipefail
out=${1:-target/bench-mix}
rounds=${2:-3}
bin=${BIN:-target/release/stegodetect}
rm -rf "$out"; mkdir -p "$out"
for d in data/corpus/* data/heldout*/* ../shared/data/starlight-sample/clean; do
  [ -d "$d" ] || continue
  find "$d" -type f -size +30k | sort | shuf -n 6 --random-source=<(yes) | while read -r f; do
    ln -sf "$(realpath "$f")" "$out/$(basename "$d")_$(basename "$f")"
  done
done
echo "$(ls "$out" | wc -l) files in $out"
"$bin" bench --rounds "$rounds" "$out"
