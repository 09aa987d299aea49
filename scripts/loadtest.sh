#!/usr/bin/env bash
# Load benchmark over loopback: start `stegodetect serve` on a free port, post N requests of the
# Starlight sample's 256x256 PNGs from C concurrent clients (`stegodetect loadtest`, closed loop:
# the throughput), then from one client (the single-scan time over HTTP), then open loop at half
# the throughput (p95 latency against that single-scan median); then scan the same N images with
# the CLI (`stegodetect scan`, every core) for its own rate. Usage:
#   scripts/loadtest.sh [N=10000] [C=32]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}; c=${2:-32}
bin=target/release/stegodetect
src=../shared/data/starlight-sample/clean
tmp=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
# the 256x256 PNGs (the sample's four 1024x1024 ones are left out)
mapfile -t pngs < <(for f in "$src"/*.png; do
  [ "$(od -An -tu1 -j16 -N8 "$f" | tr -s ' ' | cut -d' ' -f2-9)" = "0 0 1 0 0 0 1 0" ] && echo "$f"; done)
export STEGODETECT_API_TOKEN=loadtest-$RANDOM$RANDOM
"$bin" serve --listen 127.0.0.1:0 --max-concurrent-scans "$c" > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$tmp/serve.out")
echo "service at $url, ${#pngs[@]} distinct 256x256 PNGs, $n requests, $c clients"
lt() { "$bin" loadtest --url "$url" "$@" "${pngs[@]}"; }
field() { python3 -c "import json,sys; r=json.load(sys.stdin); print(r$1)"; }
echo "closed loop, $c clients:"
full=$(lt --requests "$n" --concurrency "$c" --json)
rate=$(field '["requests_per_s"]' <<<"$full")
echo "  $rate requests/s, latency ms $(field '["latency_ms"]' <<<"$full")"
echo "one client (single-scan time over HTTP):"
one=$(lt --requests $((n < 2000 ? n : 2000)) --concurrency 1 --json)
p50=$(field '["latency_ms"]["p50"]' <<<"$one")
echo "  median $p50 ms"
half=$(python3 -c "print($rate / 2)")
echo "open loop at half that throughput ($half requests/s), $c clients:"
open=$(lt --requests "$n" --concurrency "$c" --rate "$half" --json)
p95=$(field '["latency_ms"]["p95"]' <<<"$open")
echo "  latency ms $(field '["latency_ms"]' <<<"$open")"
python3 -c "print(f'  p95 at half throughput / single-scan median = {$p95 / $p50:.2f}x')"
kill -TERM $pid; wait $pid || true
# the CLI on the same N images (hard links, so the files are the same bytes)
mkdir "$tmp/same"
for i in $(seq 0 $((n - 1))); do
  f=${pngs[$((i % ${#pngs[@]}))]}
  [ -f "$tmp/orig-$((i % ${#pngs[@]})).png" ] || cp "$f" "$tmp/orig-$((i % ${#pngs[@]})).png"
  ln "$tmp/orig-$((i % ${#pngs[@]})).png" "$tmp/same/$i.png"
done
echo "CLI, same images:"
"$bin" scan --format jsonl "$tmp/same" 2>&1 >/dev/null | tail -1
